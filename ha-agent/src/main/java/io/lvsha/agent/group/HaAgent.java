package io.lvsha.agent.group;

import io.lvsha.agent.admin.AgentControl;
import io.lvsha.agent.balancer.Balancer;
import io.lvsha.agent.channel.ChannelReceivers;
import io.lvsha.agent.channel.HeartbeatChannel;
import io.lvsha.agent.config.AgentConfig;
import io.lvsha.agent.event.EventLog;
import io.lvsha.agent.loop.HaLoop;
import io.lvsha.agent.metrics.AgentMetrics;
import io.lvsha.arp.AddressManager;
import io.lvsha.arp.Interfaces;
import io.lvsha.arp.LinkPort;
import io.lvsha.arp.MacAddress;
import io.lvsha.arp.ThreadScheduling;
import io.lvsha.state.peer.PeerFrame;
import io.lvsha.state.peer.PeerLink;
import io.lvsha.vrrp.AddressFamily;
import io.lvsha.vrrp.Clock;
import io.lvsha.vrrp.IpAddress;
import io.lvsha.vrrp.VirtualRouterConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running agent: opens everything it needs at start-up (event file, netlink, pcap handles,
 * multicast memberships), then hands control to the HA loop. {@link #close()} resigns and
 * releases the VIPs before it closes anything; it runs once, from the shutdown hook on SIGTERM.
 */
public final class HaAgent implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HaAgent.class);
    private static final long SHUTDOWN_BUDGET_MILLIS = 3000;
    /**
     * SCHED_FIFO priorities (ThreadScheduling): the JVM's VM thread above all (every stop-the-world
     * pause stops ours too, and at normal priority it waited for a CPU while they did), then the HA
     * loop, so that nothing delays an advert or a takeover (on the backup every replicated flow
     * also crosses it: at normal priority that hop and the peer link's waited 15-32 ms, median, for
     * a CPU behind a loaded director's transfers, measured); the dataplane's readers (10) below.
     * The peer link's thread stays at normal priority: it also serves the strangers that connect
     * before they authenticate, and a crowd of them on a real-time thread stretched the master's
     * advert gaps to 120-160 ms at 100 ms adverts (measured; 100 ms at normal priority).
     */
    private static final int VM_THREAD_PRIORITY = 25;
    private static final int HA_LOOP_PRIORITY = 20;
    /**
     * Adverts are received above the peer link: at real-time priority, the link's thread and the
     * HA loop applying a 100 000-entry resync would otherwise hold both CPUs of a small director
     * and starve a normal-priority receiver until the Master_Down_Timer expired (seen in
     * PeerLinkAgentNetnsTest). Below the HA loop, which handles what they receive.
     */
    private static final int ADVERT_RECEIVE_PRIORITY = 18;

    private volatile AgentConfig config;
    private final EventLog events;
    private final AgentMetrics metrics;
    private final AddressManager addresses;
    private final List<RunningGroup> groups;
    private final ChannelReceivers receivers;
    private final List<LinkPort> extraPorts;
    private final HaLoop loop;
    private volatile PeerLink peerLink;
    private final java.util.concurrent.atomic.AtomicLong droppedPeerFrames = new java.util.concurrent.atomic.AtomicLong();
    private Balancer balancer;
    private GroupReplication replication;
    private io.lvsha.state.sync.KernelSyncMirror mirror;
    private final AtomicReference<State> state = new AtomicReference<>(State.STARTED);
    private final AgentCommands commands = new AgentCommands(this);
    private final CountDownLatch released = new CountDownLatch(1);
    /**
     * Every group resigns (priority 0 where master) and releases its VIPs, on the HA loop. Built
     * at start-up: a lambda made at SIGTERM cost its first-time link on the way to the priority 0.
     */
    private final Runnable resign = this::resignAll;

    private enum State { STARTED, CLOSED }

    private HaAgent(AgentConfig config, EventLog events, AgentMetrics metrics, AddressManager addresses,
                    List<RunningGroup> groups, ChannelReceivers receivers, List<LinkPort> extraPorts, HaLoop loop) {
        this.config = config;
        this.events = events;
        this.metrics = metrics;
        this.addresses = addresses;
        this.groups = List.copyOf(groups);
        this.receivers = receivers;
        this.extraPorts = extraPorts;
        this.loop = loop;
    }

    /** Opens everything and starts the groups. @throws IOException if an interface cannot be used */
    public static HaAgent start(AgentConfig config, PrintStream out) throws IOException {
        EventLog events = EventLog.open(config.node(), config.eventFile(), out);
        AddressManager addresses = new AddressManager();
        AgentMetrics metrics = new AgentMetrics();
        List<RunningGroup> groups = new ArrayList<>();
        ChannelReceivers receivers = new ChannelReceivers();
        List<LinkPort> extraPorts = new ArrayList<>();
        AtomicReference<Balancer> started = new AtomicReference<>();
        try {
            HaLoop loop = new HaLoop(Clock.SYSTEM);
            for (AgentConfig.Group group : config.groups()) {
                groups.add(RunningGroup.channels(config, group, addresses, events, loop, receivers));
            }
            receivers.open(ADVERT_RECEIVE_PRIORITY);
            Map<String, LinkPort> ports = new HashMap<>();
            Map<String, MacAddress> macs = new HashMap<>();
            for (AgentConfig.Vip vip : config.allVips()) {
                if (!ports.containsKey(vip.iface())) {
                    LinkPort port = receivers.port(vip.iface());
                    if (port == null) {
                        port = LinkPort.sendOnly(vip.iface());
                        extraPorts.add(port);
                    }
                    ports.put(vip.iface(), port);
                    macs.put(vip.iface(), Interfaces.macAddress(vip.iface()));
                }
            }
            for (Map.Entry<String, LinkPort> port : ports.entrySet()) {
                port.getValue().warmUp(macs.get(port.getKey()));
            }
            MetricsWiring.registerLoop(metrics, loop, events);
            SharedLinkStates links = new SharedLinkStates(Interfaces::isUp, System::nanoTime);
            for (RunningGroup group : groups) {
                group.wire(config, addresses, ports, macs, links, metrics, groups.size() == 1 ? "" : "group." + group.name() + ".");
            }
            if (config.prometheus() != null) {
                metrics.servePrometheus(config.prometheus());
            }
            WarmUp.run(groups.get(0).router(), addresses);
            for (RunningGroup group : groups) {
                VirtualRouterConfig router = group.router();
                group.events().emit("agent-start", "VRID " + router.vrid() + " v" + router.version().wireValue()
                        + " priority " + router.priority() + ", advert every " + router.adverIntervalCentis() * 10
                        + " ms on " + channelList(group.channels()), Map.of("vrid", router.vrid(),
                        "priority", router.priority(), "advert_interval_ms", router.adverIntervalCentis() * 10));
            }
            HaAgent agent = new HaAgent(config, events, metrics, addresses, groups, receivers, extraPorts, loop);
            List<GroupController> controllers = groups.stream().map(RunningGroup::controller).toList();
            // Without a director, the kernel's sync mirror serves an agent of one group (the config says so).
            GroupController only = controllers.get(0);
            if (config.director() != null) {
                DirectorWiring.Director director = DirectorWiring.start(config, events, metrics, loop, groups, agent::sendToPeer);
                agent.balancer = director.balancer();
                agent.replication = director.replication();
                started.set(agent.balancer);
            }
            if (config.peerLink() != null && (config.sync() != null
                    || agent.balancer != null && agent.balancer.replicatesConnections())) {
                controllers.forEach(controller -> controller.peers().holdPreemptUntilInSync());
            }
            // The status report's code runs here once, while no timer is due: an operator's first
            // status otherwise loads it on the HA loop (part of 34 ms measured) ahead of a backup's timers.
            StatusReport.of(groups, config, System.nanoTime());
            ThreadScheduling.makeJvmThreadsRealtime("VM Thread", VM_THREAD_PRIORITY, "the JVM's stop-the-world operations run");
            ThreadScheduling.liftRealtimeCpuLimit();
            // After start-up's allocations, before the loop's first timer: everything from here on is resident.
            ThreadScheduling.lockMemory();
            Map<String, GroupController> byName = new HashMap<>();
            groups.forEach(group -> byName.put(group.name(), group.controller()));
            SyncGroups.wire(config.syncGroups(), byName, loop);
            loop.start(new GroupSet(controllers));
            loop.execute(() -> loop.runsRealtime(ThreadScheduling.makeCurrentThreadRealtime(HA_LOOP_PRIORITY, "the HA loop runs")));
            for (GroupController controller : controllers) {
                loop.execute(controller::start);
            }
            for (RunningGroup group : groups) {
                group.trackWith(group.config().track(), loop);
            }
            IpAddress syncSource = null;
            if (config.sync() != null) {
                AgentConfig.Sync sync = config.sync();
                // The kernel sends its sync datagrams from its own address on the sync interface.
                syncSource = RouterSetup.primaryAddress(sync.iface(), AddressFamily.IPV4,
                        Set.copyOf(groups.get(0).config().advertisedAddresses()), addresses);
                GroupReplication replication = agent.replication;
                java.util.function.Consumer<List<io.lvsha.state.sync.ConnectionRecord>> fromKernel = replication != null
                        ? replication::fromKernel : connections -> only.peers().onConnections(connections);
                agent.mirror = io.lvsha.state.sync.KernelSyncMirror.start(sync.group(), sync.port(), sync.iface(),
                        sync.syncid(), message -> loop.execute(() -> fromKernel.accept(message.connections())));
            }
            if (config.peerLink() != null) {
                metrics.gauge("peer.frames_dropped", agent.droppedPeerFrames::get);
                agent.peerLink = PeerLinkWiring.start(config, events, loop, groups, syncSource, agent.mirror, agent.balancer,
                        agent.droppedPeerFrames);
            }
            return agent;
        } catch (IOException | RuntimeException e) {
            if (started.get() != null) {
                started.get().close();
            }
            closeQuietly(groups, receivers, extraPorts);
            metrics.close();
            addresses.close();
            events.close();
            throw e;
        }
    }

    /** From any thread; false while there is no link (the next resync brings the peer what it missed). */
    private boolean sendToPeer(PeerFrame frame) {
        PeerLink link = peerLink;
        return link != null && link.send(frame);
    }

    private static String channelList(List<HeartbeatChannel> channels) {
        return String.join(", ", channels.stream().map(c -> c.name() + "=" + c.iface() + " from " + c.source()
                + (c.peers().isEmpty() ? "" : " to " + c.peers())).toList());
    }
    private void resignAll() {
        try {
            for (RunningGroup group : groups) {
                group.controller().shutdown();
            }
        } finally {
            released.countDown();
        }
    }

    /** Resigns (priority 0 if master), removes the VIPs, then closes everything. Idempotent. */
    @Override
    public void close() {
        if (!state.compareAndSet(State.STARTED, State.CLOSED)) {
            return;
        }
        try {
            // Ahead of queued bulk work (a resync's buckets): the peer waits for our priority 0.
            loop.executeAhead(resign);
            if (!released.await(SHUTDOWN_BUDGET_MILLIS, TimeUnit.MILLISECONDS)) {
                LOG.error("shutdown did not finish in {} ms; VIPs may remain", SHUTDOWN_BUDGET_MILLIS);
            }
            loop.stop(SHUTDOWN_BUDGET_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("shutdown failed: {}", e.toString());
        }
        groups.forEach(group -> group.closeHelpers(SHUTDOWN_BUDGET_MILLIS));
        if (peerLink != null) {
            peerLink.close(); // after resigning: the peer learns of the priority 0 before the link closes
        }
        if (mirror != null) {
            mirror.close();
        }
        if (balancer != null) {
            balancer.close(); // the dataplane stays programmed: traffic keeps flowing while the agent restarts
        }
        events.emit("agent-stop", "stopped", Map.of());
        closeQuietly(groups, receivers, extraPorts);
        metrics.close();
        addresses.close();
        try {
            events.close();
        } catch (IOException e) {
            LOG.warn("closing the event file: {}", e.getMessage());
        }
    }

    private static void closeQuietly(List<RunningGroup> groups, ChannelReceivers receivers, List<LinkPort> ports) {
        for (RunningGroup group : groups) {
            for (HeartbeatChannel channel : group.channels()) {
                try {
                    channel.close();
                } catch (IOException | RuntimeException e) {
                    LOG.warn("closing channel {}: {}", channel.name(), e.toString());
                }
            }
        }
        receivers.close();
        ports.forEach(LinkPort::close);
    }

    /** What the admin socket drives: this agent's commands, each carried out on the HA loop. */
    public AgentControl commands() {
        return commands;
    }

    /** The running configuration; {@code reload} replaces it. */
    public AgentConfig config() {
        return config;
    }

    void configure(AgentConfig accepted) {
        config = accepted;
    }

    /** The groups, in the file's order. */
    List<RunningGroup> groups() {
        return groups;
    }

    /** What replicates each group's connections, or null when the agent runs without a director. */
    GroupReplication replication() {
        return replication;
    }

    /** The director, or null when the agent runs without one. */
    Balancer balancer() {
        return balancer;
    }

    EventLog events() {
        return events;
    }

    AgentMetrics metrics() {
        return metrics;
    }

    public HaLoop loop() {
        return loop;
    }

    /** The first group's controller: the only one of an agent with one group. */
    public GroupController controller() {
        return groups.get(0).controller();
    }
}
