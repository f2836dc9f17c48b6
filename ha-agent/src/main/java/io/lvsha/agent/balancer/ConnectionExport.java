package io.lvsha.agent.balancer;

import io.lvsha.agent.director.BackendException;
import io.lvsha.agent.director.ConnectionState;
import io.lvsha.state.sync.ConnectionRecord;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Passes the backend's connections on to the peer: each as the dataplane reports it (its events,
 * when it has them), and from a poll of the whole table, only what changed since it was last
 * passed on: new flows, flows whose state or real server changed, and flows whose timeout was
 * refreshed (it is higher than what was sent, counted down since). The poll is the repair pass
 * for lost events and for refreshes, which raise no event. Flows that end by expiry need
 * nothing: the peer's copy expires on the timeout it was sent.
 *
 * <p>Thread-safe without a lock: the events come on the backend's real-time thread, the poll on
 * the director's ordinary one, and a lock the poll held would make the events wait whenever the
 * scheduler preempted the poll (priority inversion: the replication lag's p99 in CI). The price is
 * at most a duplicate: a flow both report at once is passed on twice, which the peer takes as one.
 */
final class ConnectionExport {
    private record Sent(ConnectionRecord record, long atNanos) {
    }

    private final ConnectionState state;
    private final Balancer.Exported sink;
    private final Consumer<List<ConnectionRecord>> endedSink;
    private final Map<ConnectionRecord.Key, Sent> sent = new ConcurrentHashMap<>();

    /**
     * @param sink where new and changed connections go
     * @param endedSink where connections the dataplane reported ended go
     */
    ConnectionExport(ConnectionState state, Balancer.Exported sink, Consumer<List<ConnectionRecord>> endedSink) {
        this.state = state;
        this.sink = sink;
        this.endedSink = endedSink;
    }

    /**
     * The dataplane reported these new or changed: passed on now, and not again by the poll unless they change.
     *
     * @param oldestEventRealtimeNanos the kernel's stamp on the oldest of their events (ns since the epoch), 0 if none
     */
    void learned(List<ConnectionRecord> connections, long oldestEventRealtimeNanos) {
        long now = System.nanoTime();
        connections.forEach(record -> sent.put(record.key(), new Sent(record, now)));
        sink.accept(connections, oldestEventRealtimeNanos);
    }

    /** The dataplane reported these ended. */
    void ended(List<ConnectionRecord> connections) {
        connections.forEach(record -> sent.remove(record.key()));
        endedSink.accept(connections);
    }

    /**
     * The poll: one read of the whole table, passed on where it differs from what was sent. A flow
     * that ended while it was read comes back from it once, and expires at the peer.
     */
    void run() throws BackendException {
        List<ConnectionRecord> table = state.export();
        long now = System.nanoTime();
        Set<ConnectionRecord.Key> present = new HashSet<>();
        List<ConnectionRecord> changed = new ArrayList<>();
        for (ConnectionRecord record : table) {
            ConnectionRecord.Key key = record.key();
            present.add(key);
            Sent before = sent.get(key);
            if (before == null || refreshed(before, record, now) || before.record().state() != record.state()
                    || !before.record().realServer().equals(record.realServer())) {
                changed.add(record);
                sent.put(key, new Sent(record, now));
            }
        }
        // Gone from the table: forgotten (one an event brought meanwhile is sent again by the next poll).
        sent.keySet().retainAll(present);
        if (!changed.isEmpty()) {
            sink.accept(changed, 0);
        }
    }

    private static boolean refreshed(Sent before, ConnectionRecord now, long nowNanos) {
        long elapsedSeconds = (nowNanos - before.atNanos()) / 1_000_000_000L;
        return now.timeoutSecondsUnsigned() > before.record().timeoutSecondsUnsigned() - elapsedSeconds + 1;
    }
}
