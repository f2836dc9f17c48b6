package io.lvsha.agent.group;

import io.lvsha.agent.event.EventLog;
import io.lvsha.state.peer.PeerFrame;
import io.lvsha.state.replica.ReplicationFrames;
import io.lvsha.state.replica.TableReplica;
import io.lvsha.state.replica.TableSource;
import io.lvsha.state.sync.ConnectionRecord;
import io.lvsha.state.sync.SyncMessage;
import io.lvsha.state.table.ConnectionAdmission;
import io.lvsha.state.table.ConnectionTable;
import io.lvsha.vrrp.Role;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * This node's copy of the connection table and its replication: fed by the kernel's sync daemon
 * (the mirror), and over the peer link a backup asks the master for every bucket that differs.
 * Whatever comes in, from the kernel, the backend or the peer, must pass this director's
 * {@link ConnectionAdmission} (what its services can have) and the table's bound; refusals are
 * counted by reason and never reach a takeover's commit. HA loop only.
 */
final class StateSync {
    /** The table's bound until the director's is given. */
    static final int DEFAULT_MAX_CONNECTIONS = 1_000_000;
    /** Entries expired per second at most: expiry is spread out, never a long pause. */
    private static final int EXPIRY_BUDGET = 65_536;

    private final ConnectionTable table = new ConnectionTable();
    /** Answers resync requests off the HA loop, one at a time and in order. */
    private final java.util.concurrent.ExecutorService resync = java.util.concurrent.Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "resync");
        thread.setDaemon(true);
        return thread;
    });
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(StateSync.class);
    private final EventLog events;
    private ConnectionAdmission served = ConnectionAdmission.ANY;
    private int maxConnections = DEFAULT_MAX_CONNECTIONS;
    private final Map<String, Long> refused = new java.util.TreeMap<>();
    private long refusedTotal;
    private final TableReplica replica = new TableReplica(table, this::refusal);
    private TableReplica.Status reported = TableReplica.Status.NO_PEER;
    /** The peer's request for our table that came while we were not master, to answer if we become it. */
    private PeerFrame unanswered;

    private final java.util.function.LongConsumer appliedUpdate;

    /**
     * @param appliedUpdate told, once an update is in the table, when the master's kernel raised
     *     its oldest event (ns since the epoch; only for updates the master could stamp)
     */
    StateSync(EventLog events, java.util.function.LongConsumer appliedUpdate) {
        this.events = events;
        this.appliedUpdate = appliedUpdate;
    }

    /** What entries must pass from now on, and how many the table holds at most. */
    void admit(ConnectionAdmission admission, int maxConnections) {
        this.served = admission;
        this.maxConnections = maxConnections;
    }

    /** Why {@code record} may not enter the table (counted), or null. */
    private String refusal(ConnectionRecord record) {
        String reason = served.refusal(record);
        if (reason == null && table.size() >= maxConnections && table.get(record.protocol(), record.client(),
                record.clientPort(), record.virtualAddress(), record.virtualPort()) == null) {
            reason = "table-full";
        }
        if (reason != null) {
            refused.merge(reason, 1L, Long::sum);
            refusedTotal++;
        }
        return reason;
    }

    /** Entries refused so far, for the metrics. */
    long refusedTotal() {
        return refusedTotal;
    }

    /**
     * Connections the kernel's sync daemon sent (as master) or received (as backup). The master
     * passes them on over the peer link at once, so the backup need not wait for a resync.
     */
    void onKernelMessage(SyncMessage message, long nowSeconds, Role role, Predicate<PeerFrame> send) {
        onConnections(message.connections(), nowSeconds, role, send);
    }

    /** Connections the kernel's sync daemon holds: kept, and passed on as master. */
    void onConnections(List<ConnectionRecord> connections, long nowSeconds, Role role, Predicate<PeerFrame> send) {
        List<ConnectionRecord> kept = keep(connections, nowSeconds);
        if (role == Role.MASTER && !kept.isEmpty()) {
            TableSource.update(kept, 0).forEach(send::test);
        }
    }

    /** Connections the peer has been sent already: kept. @return those admitted */
    List<ConnectionRecord> keep(List<ConnectionRecord> connections, long nowSeconds) {
        List<ConnectionRecord> kept = new java.util.ArrayList<>(connections.size());
        for (ConnectionRecord connection : connections) {
            if (refusal(connection) == null) {
                table.put(connection, nowSeconds);
                kept.add(connection);
            }
        }
        return kept;
    }

    /** Connections that ended: dropped. */
    void forget(List<ConnectionRecord> connections) {
        connections.forEach(table::remove);
    }

    /** Everything the table holds now, to commit at a takeover. */
    List<ConnectionRecord> snapshot() {
        List<ConnectionRecord> all = new java.util.ArrayList<>(table.size());
        table.forEach(all::add);
        return all;
    }

    /** The peer link is up, or we just became backup with it up: a backup asks what differs. */
    void requestResync(Role role, Predicate<PeerFrame> send) {
        if (role == Role.BACKUP) {
            send.test(replica.linkUp());
            report();
        }
    }

    /**
     * We just became master: the backup's request that came while we were not (both directors
     * starting at once ask each other, and nobody is master yet) is answered now. Without this
     * their tables never got in sync.
     */
    void becameMaster(Predicate<PeerFrame> send) {
        PeerFrame request = unanswered;
        unanswered = null;
        if (request != null) {
            ConnectionTable snapshot = table.copy();
            resync.execute(() -> answer(snapshot, request, send));
        }
    }

    /** The repair cycle: an in-sync backup compares its digests with the master's again. */
    void verify(Role role, Predicate<PeerFrame> send) {
        if (role == Role.BACKUP && replica.status() == TableReplica.Status.IN_SYNC) {
            send.test(replica.verify());
        }
    }

    /** Entries repair cycles brought in (lost on the way, or stale), for the metrics. */
    long repaired() {
        return replica.repaired();
    }

    void peerDown() {
        unanswered = null;
        replica.linkDown();
        report();
    }

    /** @return whether the frame was a replication frame */
    boolean onFrame(PeerFrame frame, Role role, Predicate<PeerFrame> send, long nowSeconds) {
        if (frame.type() < ReplicationFrames.FIRST_TYPE || frame.type() > ReplicationFrames.LAST_TYPE) {
            return false;
        }
        if (frame.type() == ReplicationFrames.FIRST_TYPE) { // DIGESTS: a backup asks what differs
            if (role == Role.MASTER) {
                // The answer is a pass over the whole table and its encoding: hundreds of
                // milliseconds for a large one, which on the HA loop would hold back our adverts
                // until the backup declared us dead. A copy is made here; the rest runs beside.
                ConnectionTable snapshot = table.copy();
                resync.execute(() -> answer(snapshot, frame, send));
            } else {
                unanswered = frame;
            }
        } else {
            unanswered = null; // the peer sends its table: it is the master, and its request moot
            replica.onFrame(frame, nowSeconds);
            long stamp = ReplicationFrames.eventRealtimeNanos(frame);
            if (stamp > 0) {
                appliedUpdate.accept(stamp);
            }
            report();
        }
        return true;
    }

    private void answer(ConnectionTable snapshot, PeerFrame digests, Predicate<PeerFrame> send) {
        try {
            new TableSource(snapshot).answer(digests).forEach(send::test);
        } catch (IllegalArgumentException e) {
            LOG.warn("a malformed digests frame from the peer: {}", e.getMessage());
        }
    }

    void expire(long nowSeconds) {
        table.expire(nowSeconds, EXPIRY_BUDGET);
    }

    private void report() {
        TableReplica.Status now = replica.status();
        if (now != reported) {
            reported = now;
            events.emit("sync-" + now.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'),
                    table.size() + " connections" + (now == TableReplica.Status.CATCHING_UP ? ", catching up" : ""),
                    Map.of("connections", table.size()));
        }
    }

    Map<String, Object> status(Role role) {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("state", role == Role.MASTER ? "source" : replica.status().name().toLowerCase(java.util.Locale.ROOT)
                .replace('_', '-'));
        status.put("behind", replica.behind());
        status.put("connections", table.size());
        status.put("max_connections", maxConnections);
        status.put("refused", new LinkedHashMap<>(refused));
        return status;
    }

    int size() {
        return table.size();
    }

    /**
     * What the table holds (of one client, when {@code client} is given): at most {@code limit}
     * entries, and how many there are. One pass over the table on the HA loop, as a digest is.
     */
    Map<String, Object> connections(io.lvsha.vrrp.IpAddress client, int limit) {
        List<Map<String, Object>> shown = new java.util.ArrayList<>();
        long[] matched = {0};
        table.forEach(record -> {
            if ((client == null || client.equals(record.client())) && matched[0]++ < limit) {
                shown.add(describe(record));
            }
        });
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("total", table.size());
        reply.put("matched", matched[0]);
        reply.put("connections", shown);
        return reply;
    }

    private static Map<String, Object> describe(ConnectionRecord record) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("protocol", record.protocol());
        entry.put("client", record.client() + ":" + record.clientPort());
        entry.put("virtual", record.virtualAddress() + ":" + record.virtualPort());
        entry.put("real_server", record.realServer() + ":" + record.realPort());
        if (record.fwmark() != 0) {
            entry.put("fwmark", record.fwmarkUnsigned());
        }
        if (record.isTemplate()) {
            entry.put("template", true);
        }
        entry.put("state", record.state());
        entry.put("timeout_s", record.timeoutSecondsUnsigned());
        return entry;
    }

    /** 0 no peer, 1 catching up, 2 in sync (as backup); for the metrics gauge. */
    int replicaState() {
        return replica.status().ordinal();
    }

    long behind() {
        return replica.behind();
    }
}
