package io.lvsha.state.sync;

import java.util.List;

/**
 * A decoded sync datagram, as the kernel's backup would take it.
 *
 * @param version 1, or 0 for the legacy format
 * @param syncid the sender's sync id
 * @param connections the entries the kernel would install, in order
 * @param skipped entries the kernel would skip, with why
 * @param restDropped why the kernel stopped reading partway (it keeps what it installed before),
 *     or null if it read the whole datagram
 */
public record SyncMessage(int version, int syncid, List<ConnectionRecord> connections, List<Skipped> skipped,
                          SyncDropReason restDropped) {

    /** @param index the entry's position in the datagram, from 0 */
    public record Skipped(int index, SyncDropReason reason) {
    }

    public SyncMessage {
        connections = List.copyOf(connections);
        skipped = List.copyOf(skipped);
    }
}
