package io.lvsha.agent.group;

import io.lvsha.agent.admin.AgentControl;
import io.lvsha.agent.balancer.Balancer;
import io.lvsha.agent.channel.HeartbeatChannel;
import io.lvsha.agent.config.AgentConfig;
import io.lvsha.agent.config.ConfigException;
import io.lvsha.agent.config.ConfigLoader;
import io.lvsha.agent.director.BackendContext;
import io.lvsha.agent.director.Backends;
import io.lvsha.agent.director.CommandRunner;
import io.lvsha.agent.director.DirectorBackend;
import io.lvsha.agent.director.ServedConnections;
import io.lvsha.agent.director.SyncDaemon;
import io.lvsha.agent.event.EventLog;
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
import io.lvsha.state.replica.TableSource;
import io.lvsha.vrrp.AddressFamily;
import io.lvsha.vrrp.Clock;
import io.lvsha.vrrp.IpAddress;
import io.lvsha.vrrp.VirtualRouter;
import io.lvsha.vrrp.VirtualRouterConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running agent: opens everything it needs at start-up (event file, netlink, pcap handles,
 * multicast memberships), then hands control to the HA loop. {@link #close()} resigns and
 * releases the VIPs before it closes anything; it runs once, from the shutdown hook on SIGTERM.
 */
public final class HaAgent implements AgentControl, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HaAgent.class);
    private static final long SHUTDOWN_BUDGET_MILLIS = 3000;
    private static final long BACKEND_COMMAND_TIMEOUT_MILLIS = 10_000;
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
    private final AtomicReference<State> state = new AtomicReference<>(State.STARTED);

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
                    config.group().tracks(), Interfaces::isUp);
            GroupController controller = new GroupController(new VirtualRouter(routerConfig), channels, vips,
                    new AnnouncementSchedule(config.garp()), links, events, Clock.SYSTEM, metrics);
            controllerRef.set(controller);
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
            if (config.director() != null) {
                DirectorBackend backend = Backends.provider(config.director().backend())
                        .create(backendContext(config, CommandRunner.processes(BACKEND_COMMAND_TIMEOUT_MILLIS)));
                // The backend calls these on its own threads while this node is master: the frames
                // go to the peer from there at once (the link is thread-safe), so that a flow's
                // first packet reaches the backup without waiting for the HA loop; the loop keeps
                // the copy that a resync answers from.
                agent.balancer = new Balancer(backend, config.director().desired(), events,
                        (exported, oldestEventRealtimeNanos) -> {
                            TableSource.update(exported, oldestEventRealtimeNanos).forEach(agent::sendToPeer);
                            loop.execute(() -> controller.onExportedConnections(exported));
                        },
                        ended -> {
                            TableSource.removal(ended).forEach(agent::sendToPeer);
                            loop.execute(() -> controller.onEndedConnections(ended));
                        },
                        config.director().exportIntervalMillis());
                started.set(agent.balancer);
                metrics.gauge("director.applies", agent.balancer::applies);
                metrics.gauge("director.failures", agent.balancer::failures);
                metrics.gauge("director.connection_events_lost", agent.balancer::connectionEventsLost);
                agent.balancer.onPassedOn(metrics::passedOnToPeer);
                metrics.gauge("director.real_servers.down", agent.balancer::realServersDown);
                controller.onMastershipChange(agent.balancer::mastershipChanged);
                if (agent.balancer.replicatesConnections()) {
                    controller.commitStateWith(agent.balancer::commitConnections);
                }
                controller.admitConnections(new ServedConnections(config.director().desired()),
                        config.director().maxConnections());
                agent.balancer.start();
            }
            if (config.peerLink() != null && (config.sync() != null
                    || agent.balancer != null && agent.balancer.replicatesConnections())) {
                controller.holdPreemptUntilInSync();
            }
            ThreadScheduling.makeJvmThreadsRealtime("VM Thread", VM_THREAD_PRIORITY, "the JVM's stop-the-world operations run");
            loop.start(controller);
            loop.execute(() -> ThreadScheduling.makeCurrentThreadRealtime(HA_LOOP_PRIORITY, "the HA loop runs"));
            loop.execute(controller::start);
            IpAddress syncSource = null;
            if (config.sync() != null) {
                AgentConfig.Sync sync = config.sync();
                // The kernel sends its sync datagrams from its own address on the sync interface.
                syncSource = RouterSetup.primaryAddress(sync.iface(), AddressFamily.IPV4, Set.copyOf(config.advertisedAddresses()), addresses);
                agent.mirror = io.lvsha.state.sync.KernelSyncMirror.start(sync.group(), sync.port(), sync.iface(),
                        sync.syncid(), message -> loop.execute(() -> controller.onKernelMessage(message)));
            }
            if (config.peerLink() != null) {
                agent.peerLink = PeerLinkWiring.start(config, loop, controller, channels, syncSource, agent.mirror);
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

    /** What a backend is given: the tools' runner, and where the kernel's sync daemon talks. */
    public static BackendContext backendContext(AgentConfig config, CommandRunner commands) {
        AgentConfig.Sync sync = config.sync();
        return new BackendContext(commands, sync == null ? null : new SyncDaemon(sync.iface(), sync.syncid(),
                java.net.InetSocketAddress.createUnresolved(sync.group(), sync.port()), sync.maxlen()),
                config.director().markTool());
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

    /** Runs {@code operation} on the HA loop; the future completes with its result or its exception. */
    private CompletableFuture<Map<String, Object>> onLoop(Function<GroupController, Map<String, Object>> operation) {
        CompletableFuture<Map<String, Object>> result = new CompletableFuture<>();
        try {
            loop.execute(() -> {
                try {
                    result.complete(operation.apply(controller));
                } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                }
            });
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
        }
        return result;
    }

    @Override
    public String node() {
        return config.node();
    }

    @Override
    public CompletableFuture<Map<String, Object>> status() {
        Balancer director = balancer;
        return onLoop(c -> StatusReport.of(c, config, System.nanoTime())).thenApply(status -> {
            if (director != null) {
                status.put("backend", director.backendName());
                if (director.lastError() != null) {
                    status.put("backend_error", director.lastError());
                }
                status.put("services", director.status());
            }
            return status;
        });
    }

    @Override
    public CompletableFuture<Map<String, Object>> switchover(long holdNanos) {
        // The controller's own future completes when this node has released (make-before-break) or at once.
        CompletableFuture<Map<String, Object>> reply = new CompletableFuture<>();
        try {
            loop.execute(() -> {
                try {
                    controller.switchover(holdNanos).whenComplete((result, error) -> {
                        if (error != null) {
                            reply.completeExceptionally(error);
                        } else {
                            reply.complete(result);
                        }
                    });
                } catch (RuntimeException e) {
                    reply.completeExceptionally(e);
                }
            });
        } catch (RuntimeException e) {
            reply.completeExceptionally(e);
        }
        return reply;
    }

    @Override
    public CompletableFuture<Map<String, Object>> resume() {
        return onLoop(GroupController::resume);
    }

    @Override
    public CompletableFuture<Map<String, Object>> maintenance(boolean on) {
        return onLoop(c -> c.maintenance(on));
    }

    @Override
    public CompletableFuture<Map<String, Object>> priority(Integer priority) {
        return onLoop(c -> c.setPriority(priority));
    }

    @Override
    public CompletableFuture<Map<String, Object>> connections(io.lvsha.vrrp.IpAddress client, int limit) {
        return onLoop(c -> c.connections(client, limit));
    }

    @Override
    public CompletableFuture<Map<String, Object>> doctor() {
        List<io.lvsha.agent.director.KernelCheck> checks = new ArrayList<>();
        List<String> refused = ThreadScheduling.refused();
        checks.add(new io.lvsha.agent.director.KernelCheck("real-time scheduling (SCHED_FIFO)",
                refused.isEmpty() ? "granted" : "refused for " + refused.size() + " thread(s): " + String.join("; ", refused),
                refused.isEmpty() ? null : "grant the agent CAP_SYS_NICE (deploy/systemd/ha-agent.service does): at normal"
                + " priority adverts and replicated flows wait for a CPU behind the director's load"));
        CompletableFuture<List<io.lvsha.agent.director.KernelCheck>> backend = balancer == null
                ? CompletableFuture.completedFuture(List.of()) : balancer.kernelChecks();
        return backend.thenApply(kernel -> {
            checks.addAll(kernel);
            List<Map<String, Object>> rows = new ArrayList<>();
            for (io.lvsha.agent.director.KernelCheck check : checks) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("setting", check.setting());
                row.put("value", check.value());
                row.put("ok", check.ok());
                if (!check.ok()) {
                    row.put("advice", check.advice());
                }
                rows.add(row);
            }
            return Map.of("checks", rows, "advised", checks.stream().filter(check -> !check.ok()).count());
        });
    }

    @Override
    public CompletableFuture<Map<String, Object>> announce() {
        return onLoop(GroupController::announceNow);
    }

    /**
     * Re-reads the configuration file. Priority, tracked interfaces and the GARP schedule take
     * effect at once; roles, VIPs and maintenance are not touched. Anything else (VRID, version,
     * interval, channels, VIPs, ...) would need both directors to change together, so it is
     * refused, and the running configuration kept, with the fields named.
     */
    @Override
    public CompletableFuture<Map<String, Object>> reload() {
        AgentConfig fresh;
        try {
            fresh = ConfigLoader.load(config.source());
        } catch (ConfigException e) {
            events.emit("reload-refused", "the file has errors; the running configuration is kept",
                    Map.of("problems", e.problems()));
            return CompletableFuture.failedFuture(new io.lvsha.agent.admin.AdminException("bad-config",
                    "the running configuration is kept: " + String.join("; ", e.problems())));
        }
        List<String> needRestart = ReloadCheck.fieldsNeedingRestart(config, fresh);
        if (!needRestart.isEmpty()) {
            events.emit("reload-refused", "changed fields need a restart: " + needRestart,
                    Map.of("fields", needRestart));
            return CompletableFuture.failedFuture(new io.lvsha.agent.admin.AdminException("needs-restart",
                    "the running configuration is kept: " + needRestart + " changed, which needs a restart of"
                            + " both directors (a reload never changes what the peers must agree on)"));
        }
        AgentConfig accepted = fresh;
        return onLoop(c -> {
            Map<String, Object> result = c.reload(accepted.group().priority(), accepted.group().tracks(), accepted.garp());
            config = accepted;
            if (balancer != null && accepted.director() != null) {
                balancer.reconfigure(accepted.director().desired());
                c.admitConnections(new ServedConnections(accepted.director().desired()), accepted.director().maxConnections());
            }
            events.emit("config-reloaded", config.source().toString(), Map.of("file", config.source().toString()));
            return result;
        });
    }

    @Override
    public long defaultSwitchoverHoldNanos() {
        return config.admin().switchoverHoldNanos();
    }

    @Override
    public EventLog events() {
        return events;
    }

    @Override
    public AgentMetrics metrics() {
        return metrics;
    }

    public AgentConfig config() {
        return config;
    }

    public HaLoop loop() {
        return loop;
    }

    public GroupController controller() {
        return controller;
    }
}
