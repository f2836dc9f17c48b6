package io.lvsha.agent.group;

import io.lvsha.agent.balancer.Balancer;
import io.lvsha.agent.config.AgentConfig;
import io.lvsha.agent.director.BackendContext;
import io.lvsha.agent.director.Backends;
import io.lvsha.agent.director.CommandRunner;
import io.lvsha.agent.director.DirectorBackend;
import io.lvsha.agent.director.ServedConnections;
import io.lvsha.agent.director.SyncDaemon;
import io.lvsha.agent.event.EventLog;
import io.lvsha.agent.loop.HaLoop;
import io.lvsha.agent.metrics.AgentMetrics;
import io.lvsha.state.peer.PeerFrame;
import io.lvsha.state.replica.TableSource;
import java.util.List;
import java.util.function.Predicate;

/** The director backend and its balancer, wired to the group: role changes, the commit, the peer and the metrics. */
public final class DirectorWiring {
    private static final long BACKEND_COMMAND_TIMEOUT_MILLIS = 10_000;

    private DirectorWiring() {
    }

    /**
     * Creates the configured backend and starts its balancer; {@code toPeer} is thread-safe. The
     * director is master while any group is (its connections are replicated, and its kernel's sync
     * daemon sends); the connection table is the first group's, the only one of an agent whose
     * config replicates.
     */
    static Balancer start(AgentConfig config, EventLog events, AgentMetrics metrics, HaLoop loop,
                          List<GroupController> controllers, Predicate<PeerFrame> toPeer) {
        GroupController controller = controllers.get(0);
        DirectorBackend backend = Backends.provider(config.director().backend())
                .create(backendContext(config, CommandRunner.processes(BACKEND_COMMAND_TIMEOUT_MILLIS)));
        // The backend calls these on its own threads while this node is master: the frames go to
        // the peer from there at once (the link is thread-safe), so that a flow's first packet
        // reaches the backup without waiting for the HA loop; the loop keeps the copy that a
        // resync answers from.
        Balancer balancer = new Balancer(backend, config.director().desired(), events,
                (exported, oldestEventRealtimeNanos) -> {
                    TableSource.update(exported, oldestEventRealtimeNanos).forEach(toPeer::test);
                    loop.execute(() -> controller.peers().keep(exported));
                },
                ended -> {
                    TableSource.removal(ended).forEach(toPeer::test);
                    loop.execute(() -> controller.peers().forget(ended));
                },
                config.director().exportIntervalMillis(),
                new io.lvsha.agent.balancer.RealServerControl(config.director().stateFile(), config.node(), events, toPeer));
        metrics.gauge("director.applies", balancer::applies);
        metrics.gauge("director.failures", balancer::failures);
        metrics.gauge("director.connection_events_lost", balancer::connectionEventsLost);
        balancer.onPassedOn(metrics::passedOnToPeer);
        metrics.gauge("director.real_servers.down", balancer::realServersDown);
        boolean[] masters = new boolean[controllers.size()];
        // Every change of one group reaches the backend, as it always did (the first, to backup at
        // start, starts the kernel's backup sync daemon); of several, the first and each change of "any master".
        Boolean[] told = {null};
        for (int i = 0; i < controllers.size(); i++) {
            int group = i;
            controllers.get(i).onMastershipChange(master -> { // HA loop only
                masters[group] = master;
                boolean any = false;
                for (boolean one : masters) {
                    any |= one;
                }
                if (controllers.size() == 1 || told[0] == null || any != told[0]) {
                    told[0] = any;
                    balancer.mastershipChanged(any);
                }
            });
        }
        balancer.onServiceHealth((service, down) -> loop.execute(() -> controllers.forEach(group ->
                group.onTrack("service " + service, terms -> terms.serviceHealth(service, down)))));
        if (balancer.replicatesConnections()) {
            controller.commitStateWith(balancer::commitConnections);
        }
        controller.peers().admit(new ServedConnections(config.director().desired()), config.director().maxConnections());
        balancer.start();
        return balancer;
    }

    /** What a backend is given: the tools' runner, and where the kernel's sync daemon talks. */
    public static BackendContext backendContext(AgentConfig config, CommandRunner commands) {
        AgentConfig.Sync sync = config.sync();
        return new BackendContext(commands, sync == null ? null : new SyncDaemon(sync.iface(), sync.syncid(),
                java.net.InetSocketAddress.createUnresolved(sync.group(), sync.port()), sync.maxlen()),
                config.director().markTool());
    }

}
