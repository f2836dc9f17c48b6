package io.lvsha.agent.group;

import io.lvsha.agent.balancer.Balancer;
import io.lvsha.agent.config.AgentConfig;
import io.lvsha.agent.director.BackendContext;
import io.lvsha.agent.director.Backends;
import io.lvsha.agent.director.CommandRunner;
import io.lvsha.agent.director.DirectorBackend;
import io.lvsha.agent.director.SyncDaemon;
import io.lvsha.agent.event.EventLog;
import io.lvsha.agent.loop.HaLoop;
import io.lvsha.agent.metrics.AgentMetrics;
import io.lvsha.state.peer.PeerFrame;
import java.util.List;
import java.util.function.Predicate;

/** The director backend and its balancer, wired to the group: role changes, the commit, the peer and the metrics. */
public final class DirectorWiring {
    private static final long BACKEND_COMMAND_TIMEOUT_MILLIS = 10_000;

    private DirectorWiring() {
    }

    /** The balancer, and what replicates each group's connections through it. */
    record Director(Balancer balancer, GroupReplication replication) {
    }

    /**
     * Creates the configured backend and starts its balancer. The director is master while any
     * group is (it exports connections, and its kernel's sync daemon sends); each group's
     * connections go to the peer with {@code toPeer}'s sender of that group (thread-safe), while
     * this node masters the group, and a group's takeover commits that group's table.
     *
     * @param toPeer puts a frame on the peer link, from any thread; false while there is none
     */
    static Director start(AgentConfig config, EventLog events, AgentMetrics metrics, HaLoop loop,
                          List<RunningGroup> groups, Predicate<PeerFrame> toPeer) {
        List<GroupController> controllers = groups.stream().map(RunningGroup::controller).toList();
        List<Predicate<PeerFrame>> senders = groups.stream()
                .map(group -> PeerLinkWiring.groupSender(toPeer, groups.size() > 1, group.name())).toList();
        DirectorBackend backend = Backends.provider(config.director().backend())
                .create(backendContext(config, CommandRunner.processes(BACKEND_COMMAND_TIMEOUT_MILLIS)));
        GroupReplication replication = new GroupReplication(loop, controllers, senders, config);
        // The backend calls these on its own threads while this node is master: the frames go to
        // the peer from there at once (the link is thread-safe), so that a flow's first packet
        // reaches the backup without waiting for the HA loop; the loop keeps the copy that a
        // resync answers from.
        Balancer balancer = new Balancer(backend, config.director().desired(), events, replication::exported,
                replication::ended, config.director().exportIntervalMillis(),
                new io.lvsha.agent.balancer.RealServerControl(config.director().stateFile(), config.node(), events, toPeer));
        metrics.gauge("director.applies", balancer::applies);
        metrics.gauge("director.failures", balancer::failures);
        metrics.gauge("director.connection_events_lost", balancer::connectionEventsLost);
        balancer.onPassedOn(metrics::passedOnToPeer);
        metrics.gauge("director.real_servers.down", balancer::realServersDown);
        // Every change of one group reaches the backend, as it always did (the first, to backup at
        // start, starts the kernel's backup sync daemon); of several, the first and each change of "any master".
        Boolean[] told = {null};
        for (int i = 0; i < controllers.size(); i++) {
            int group = i;
            controllers.get(i).onMastershipChange(master -> { // HA loop only
                replication.mastership(group, master);
                boolean any = replication.mastersAny();
                if (controllers.size() == 1 || told[0] == null || any != told[0]) {
                    told[0] = any;
                    balancer.mastershipChanged(any);
                }
            });
        }
        balancer.onServiceHealth((service, down) -> loop.execute(() -> controllers.forEach(group ->
                group.onTrack("service " + service, terms -> terms.serviceHealth(service, down)))));
        if (balancer.replicatesConnections()) {
            boolean mayCommitLast = config.director().commitOrder() == AgentConfig.CommitOrder.AUTO;
            ConnectionCommitter committer = new ConnectionCommitter() {
                @Override
                public int commit(List<io.lvsha.state.sync.ConnectionRecord> connections) throws Exception {
                    return balancer.commitConnections(connections);
                }

                @Override
                public boolean commitsAfterGarp() {
                    return mayCommitLast && balancer.commitsSafelyAfterGarp();
                }

                @Override
                public java.util.concurrent.Executor afterGarpThread() {
                    return balancer.commitThread();
                }
            };
            controllers.forEach(controller -> controller.commitStateWith(committer, loop));
        }
        balancer.start();
        return new Director(balancer, replication);
    }

    /** What a backend is given: the tools' runner, and where the kernel's sync daemon talks. */
    public static BackendContext backendContext(AgentConfig config, CommandRunner commands) {
        AgentConfig.Sync sync = config.sync();
        // With several groups a director is master of some and backup of others at once: both daemons run.
        return new BackendContext(commands, sync == null ? null : new SyncDaemon(sync.iface(), sync.syncid(),
                java.net.InetSocketAddress.createUnresolved(sync.group(), sync.port()), sync.maxlen(), config.groups().size() > 1),
                config.director().markTool());
    }

}
