package io.lvsha.agent.group;

import io.lvsha.agent.admin.AgentControl;
import io.lvsha.agent.balancer.Balancer;
import io.lvsha.agent.channel.HeartbeatChannel;
import io.lvsha.agent.config.AgentConfig;
import io.lvsha.agent.event.EventLog;
import io.lvsha.agent.hook.NotifyHooks;
import io.lvsha.agent.loop.HaLoop;
import io.lvsha.agent.metrics.AgentMetrics;
import io.lvsha.agent.vip.VipSet;
import io.lvsha.arp.AddressManager;
import io.lvsha.arp.AnnouncementSchedule;
import io.lvsha.arp.Interfaces;
import io.lvsha.arp.LinkPort;
import io.lvsha.arp.MacAddress;
import io.lvsha.arp.ThreadScheduling;
import io.lvsha.state.peer.PeerFrame;
import io.lvsha.state.peer.PeerLink;
import io.lvsha.vrrp.AddressFamily;
import io.lvsha.vrrp.Clock;
import io.lvsha.vrrp.IpAddress;
import io.lvsha.vrrp.VirtualRouter;
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
    private final List<HeartbeatChannel> channels;
    private final List<LinkPort> extraPorts;
    private final HaLoop loop;
    private final GroupController controller;
    private volatile PeerLink peerLink;
    private Balancer balancer;
    private io.lvsha.state.sync.KernelSyncMirror mirror;
    private NotifyHooks hooks;
    private volatile TrackRunner trackRunner;
    private final AtomicReference<State> state = new AtomicReference<>(State.STARTED);
    private final AgentCommands commands = new AgentCommands(this);

    private enum State { STARTED, CLOSED }

    private HaAgent(AgentConfig config, EventLog events, AgentMetrics metrics, AddressManager addresses,
                    List<HeartbeatChannel> channels, List<LinkPort> extraPorts, HaLoop loop, GroupController controller) {
        this.config = config;
        this.events = events;
        this.metrics = metrics;
        this.addresses = addresses;
        this.channels = channels;
        this.extraPorts = extraPorts;
        this.loop = loop;
        this.controller = controller;
    }

    /** Opens everything and starts the group. @throws IOException if an interface cannot be used */
    public static HaAgent start(AgentConfig config, PrintStream out) throws IOException {
        EventLog events = EventLog.open(config.node(), config.eventFile(), out);
        AddressManager addresses = new AddressManager();
        AgentMetrics metrics = new AgentMetrics();
        List<HeartbeatChannel> channels = new ArrayList<>();
        List<LinkPort> extraPorts = new ArrayList<>();
        AtomicReference<Balancer> started = new AtomicReference<>();
        try {
            VirtualRouterConfig routerConfig = RouterSetup.routerConfig(config, addresses);
            HaLoop loop = new HaLoop(Clock.SYSTEM);
            AtomicReference<GroupController> controllerRef = new AtomicReference<>();
            Map<String, LinkPort> ports = new HashMap<>();
            Map<String, MacAddress> macs = new HashMap<>();
            for (int i = 0; i < config.group().channels().size(); i++) {
                AgentConfig.Channel channel = config.group().channels().get(i);
                MacAddress mac = Interfaces.macAddress(channel.iface());
                HeartbeatChannel heartbeat = new HeartbeatChannel(i, channel.iface(),
                        routerConfig.channels().get(i).primaryAddress(), mac, routerConfig, channel.peers(),
                        (index, advert, at) -> loop.executeAhead(() -> controllerRef.get().onAdvert(index, advert, at)),
                        (index, advert) -> events.emit("foreign-speaker", advert.source() + " sent a VRRP advert for our VRID "
                                + advert.advert().vrid() + " at priority " + advert.advert().priority() + " on channel "
                                + channel.name() + "; it is none of the channel's known peers, so it was dropped (and so"
                                + " is everything it sends, counted as foreign-speaker)", Map.of("channel", channel.name(),
                                "source", advert.source().toString(), "vrid", advert.advert().vrid(),
                                "priority", advert.advert().priority())));
                channels.add(heartbeat);
                heartbeat.open(ADVERT_RECEIVE_PRIORITY);
                ports.put(channel.iface(), heartbeat.port());
                macs.put(channel.iface(), mac);
            }
            for (AgentConfig.Vip vip : config.vips()) {
                if (!ports.containsKey(vip.iface())) {
                    LinkPort port = LinkPort.sendOnly(vip.iface());
                    extraPorts.add(port);
                    ports.put(vip.iface(), port);
                    macs.put(vip.iface(), Interfaces.macAddress(vip.iface()));
                }
            }
            for (Map.Entry<String, LinkPort> port : ports.entrySet()) {
                port.getValue().warmUp(macs.get(port.getKey()));
            }
            VipSet vips = new VipSet(config.vips(), addresses, config.garpForm(), ports, macs,
                    VipSet.lifetimeSeconds(io.lvsha.vrrp.AdvertIntervals.centisToNanos(routerConfig.adverIntervalCentis())));
            LinkTracker links = new LinkTracker(config.group().channels().stream().map(AgentConfig.Channel::iface).toList(),
                    config.group().track().interfaces(), Interfaces::isUp);
            GroupController controller = new GroupController(new VirtualRouter(routerConfig), channels, vips,
                    new AnnouncementSchedule(config.garp()), links, events, Clock.SYSTEM, metrics);
            controllerRef.set(controller);
            NotifyHooks hooks = new NotifyHooks(List.of(config.group().hooks(), config.hooks()), events);
            metrics.gauge("hooks.dropped", hooks::dropped);
            controller.onRoleChange(new GroupNotifier(hooks, config.group().name(), config.node(),
                    config.vips().stream().map(vip -> vip.address().toString()).toList()));
            MetricsWiring.register(metrics, controller, channels, loop);
            if (config.prometheus() != null) {
                metrics.servePrometheus(config.prometheus());
            }
            WarmUp.run(routerConfig, addresses);
            events.emit("agent-start", "VRID " + routerConfig.vrid() + " v" + routerConfig.version().wireValue()
                    + " priority " + routerConfig.priority() + ", advert every " + routerConfig.adverIntervalCentis() * 10
                    + " ms on " + channelList(channels), Map.of("vrid", routerConfig.vrid(),
                    "priority", routerConfig.priority(), "advert_interval_ms", routerConfig.adverIntervalCentis() * 10));
            HaAgent agent = new HaAgent(config, events, metrics, addresses, channels, extraPorts, loop, controller);
            agent.hooks = hooks;
            if (config.director() != null) {
                agent.balancer = DirectorWiring.start(config, events, metrics, loop, controller, agent::sendToPeer);
                started.set(agent.balancer);
            }
            if (config.peerLink() != null && (config.sync() != null
                    || agent.balancer != null && agent.balancer.replicatesConnections())) {
                controller.peers().holdPreemptUntilInSync();
            }
            ThreadScheduling.makeJvmThreadsRealtime("VM Thread", VM_THREAD_PRIORITY, "the JVM's stop-the-world operations run");
            controller.track(config.group().track());
            loop.start(controller);
            loop.execute(() -> ThreadScheduling.makeCurrentThreadRealtime(HA_LOOP_PRIORITY, "the HA loop runs"));
            loop.execute(controller::start);
            agent.trackWith(config.group().track());
            IpAddress syncSource = null;
            if (config.sync() != null) {
                AgentConfig.Sync sync = config.sync();
                // The kernel sends its sync datagrams from its own address on the sync interface.
                syncSource = RouterSetup.primaryAddress(sync.iface(), AddressFamily.IPV4, Set.copyOf(config.advertisedAddresses()), addresses);
                agent.mirror = io.lvsha.state.sync.KernelSyncMirror.start(sync.group(), sync.port(), sync.iface(),
                        sync.syncid(), message -> loop.execute(() -> controller.peers().onConnections(message.connections())));
            }
            if (config.peerLink() != null) {
                agent.peerLink = PeerLinkWiring.start(config, loop, controller, channels, syncSource, agent.mirror, agent.balancer);
            }
            return agent;
        } catch (IOException | RuntimeException e) {
            if (started.get() != null) {
                started.get().close();
            }
            closeQuietly(channels, extraPorts);
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
    /** Resigns (priority 0 if master), removes the VIPs, then closes everything. Idempotent. */
    @Override
    public void close() {
        if (!state.compareAndSet(State.STARTED, State.CLOSED)) {
            return;
        }
        CountDownLatch released = new CountDownLatch(1);
        try {
            loop.execute(() -> {
                try {
                    controller.shutdown();
                } finally {
                    released.countDown();
                }
            });
            if (!released.await(SHUTDOWN_BUDGET_MILLIS, TimeUnit.MILLISECONDS)) {
                LOG.error("shutdown did not finish in {} ms; VIPs may remain", SHUTDOWN_BUDGET_MILLIS);
            }
            loop.stop(SHUTDOWN_BUDGET_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("shutdown failed: {}", e.toString());
        }
        if (trackRunner != null) {
            trackRunner.close();
        }
        if (hooks != null) {
            hooks.close(hooks.longestTimeoutMillis() + SHUTDOWN_BUDGET_MILLIS); // the stop hook runs to its end
        }
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
        closeQuietly(channels, extraPorts);
        metrics.close();
        addresses.close();
        try {
            events.close();
        } catch (IOException e) {
            LOG.warn("closing the event file: {}", e.getMessage());
        }
    }

    private static void closeQuietly(List<HeartbeatChannel> channels, List<LinkPort> ports) {
        for (HeartbeatChannel channel : channels) {
            try {
                channel.close();
            } catch (IOException | RuntimeException e) {
                LOG.warn("closing channel {}: {}", channel.name(), e.toString());
            }
        }
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

    /**
     * Runs what {@code tracking} names (scripts, files) from now on, in place of what ran before.
     * Call from a thread at normal priority, never the HA loop: the runner's threads inherit it.
     */
    void trackWith(AgentConfig.Tracking tracking) {
        TrackRunner previous = trackRunner;
        trackRunner = new TrackRunner(tracking, (what, update) -> loop.execute(() -> controller.onTrack(what, update)));
        if (previous != null) {
            previous.close();
        }
    }

    NotifyHooks hooks() {
        return hooks;
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

    public GroupController controller() {
        return controller;
    }
}
