package io.lvsha.state.replica;

import io.lvsha.state.peer.PeerFrame;
import io.lvsha.state.peer.PeerFrameTypes;
import java.nio.ByteBuffer;

/**
 * Frame types of table replication over the peer link. Connection records travel as kernel v1
 * sync datagrams, so one codec serves the kernel and the peer.
 *
 * <pre>
 * DIGESTS       replica -> source   u16 buckets, then one u64 digest per bucket
 * RESYNC_START  source -> replica   u32 entries to come, then a bitmap of the buckets that differ
 *                                   (BUCKETS / 8 bytes): the replica empties them before they refill
 * BUCKET        source -> replica   u16 bucket, kernel v1 datagram of its entries
 * RESYNC_DONE   source -> replica   (empty): the replica now holds the source's table
 * UPDATE        source -> replica   u64 the oldest kernel event's wall-clock time behind them (ns since
 *                                   the epoch, 0 when unknown), then a kernel v1 datagram: connections
 *                                   the source just learned
 * REMOVE        source -> replica   kernel v1 datagram: connections that ended at the source
 * </pre>
 */
public final class ReplicationFrames {
    public static final int DIGESTS = PeerFrameTypes.REPLICA_DIGESTS;
    static final int RESYNC_START = PeerFrameTypes.REPLICA_RESYNC_START;
    static final int BUCKET = PeerFrameTypes.REPLICA_BUCKET;
    public static final int RESYNC_DONE = PeerFrameTypes.REPLICA_RESYNC_DONE;
    static final int UPDATE = PeerFrameTypes.REPLICA_UPDATE;
    static final int REMOVE = PeerFrameTypes.REPLICA_REMOVE;
    /** The first and last frame types of replication. */
    public static final int FIRST_TYPE = DIGESTS;
    public static final int LAST_TYPE = REMOVE;
    /** Digest buckets: enough to resend a small part of a large table, few enough to send in one frame. */
    static final int BUCKETS = 1024;
    /** Largest kernel datagram in a BUCKET frame; well under the link's 1 MiB frame limit. */
    static final int MAX_DATAGRAM = 60_000;

    private ReplicationFrames() {
    }

    /**
     * When the source's kernel first reported the oldest connection of an UPDATE frame (its event
     * stamp, ns since the epoch), so that the replica can tell how long a new flow took to reach
     * its table; 0 for other frames, and where the source had no stamp.
     */
    public static long eventRealtimeNanos(PeerFrame frame) {
        byte[] payload = frame.payload();
        return frame.type() == UPDATE && payload.length >= Long.BYTES ? ByteBuffer.wrap(payload).getLong() : 0;
    }
}
