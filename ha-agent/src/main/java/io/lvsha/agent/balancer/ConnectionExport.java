package io.lvsha.agent.balancer;

import io.lvsha.agent.director.BackendException;
import io.lvsha.agent.director.ConnectionState;
import io.lvsha.state.sync.ConnectionRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Polls the backend's connections and passes on only what changed since the last poll: new
 * flows, flows whose state or real server changed, and flows whose timeout was refreshed (it
 * is higher than what was sent, counted down since). Expired flows need nothing: the peer's
 * copy expires on the timeout it was sent.
 */
final class ConnectionExport {
    private record Key(int protocol, String client, int clientPort, String virtualAddress, int virtualPort) {
        static Key of(ConnectionRecord record) {
            return new Key(record.protocol(), record.client().toString(), record.clientPort(),
                    record.virtualAddress().toString(), record.virtualPort());
        }
    }

    private record Sent(ConnectionRecord record, long atNanos) {
    }

    private final ConnectionState state;
    private final Consumer<List<ConnectionRecord>> sink;
    private Map<Key, Sent> sent = new HashMap<>();

    ConnectionExport(ConnectionState state, Consumer<List<ConnectionRecord>> sink) {
        this.state = state;
        this.sink = sink;
    }

    void run() throws BackendException {
        long now = System.nanoTime();
        Map<Key, Sent> next = new HashMap<>();
        List<ConnectionRecord> changed = new ArrayList<>();
        for (ConnectionRecord record : state.export()) {
            Key key = Key.of(record);
            Sent before = sent.get(key);
            if (before == null || refreshed(before, record, now) || before.record().state() != record.state()
                    || !before.record().realServer().equals(record.realServer())) {
                changed.add(record);
                next.put(key, new Sent(record, now));
            } else {
                next.put(key, before);
            }
        }
        sent = next;
        if (!changed.isEmpty()) {
            sink.accept(changed);
        }
    }

    private static boolean refreshed(Sent before, ConnectionRecord now, long nowNanos) {
        long elapsedSeconds = (nowNanos - before.atNanos()) / 1_000_000_000L;
        return now.timeoutSecondsUnsigned() > before.record().timeoutSecondsUnsigned() - elapsedSeconds + 1;
    }
}
