package io.lvsha.state.replica;

import io.lvsha.state.peer.PeerFrame;
import io.lvsha.state.sync.ConnectionRecord;
import io.lvsha.state.sync.SyncCodec;
import io.lvsha.state.table.ConnectionTable;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Map;

/**
 * The master's side of table replication: answers a replica's digests with the content of every
 * bucket that differs. Pure: frames in, frames out. Not thread-safe: the table's owner calls it.
 */
public final class TableSource {
    private final ConnectionTable table;

    public TableSource(ConnectionTable table) {
        this.table = table;
    }

    /**
     * Frames that pass newly learned connections on at once, between resyncs.
     *
     * @param oldestEventRealtimeNanos when the kernel reported the oldest of them (ns since the epoch), 0 if unknown
     */
    public static List<PeerFrame> update(List<ConnectionRecord> connections, long oldestEventRealtimeNanos) {
        return frames(ReplicationFrames.UPDATE, ByteBuffer.allocate(Long.BYTES).putLong(oldestEventRealtimeNanos).array(),
                connections);
    }

    /** Frames that drop connections which ended from the replica's copy at once, before their timeout would. */
    public static List<PeerFrame> removal(List<ConnectionRecord> connections) {
        return frames(ReplicationFrames.REMOVE, new byte[0], connections);
    }

    /** Frames of {@code type}, each {@code header} and then a kernel v1 datagram of some of {@code connections}. */
    private static List<PeerFrame> frames(int type, byte[] header, List<ConnectionRecord> connections) {
        List<PeerFrame> frames = new ArrayList<>();
        for (byte[] datagram : SyncCodec.encodeV1(0, connections, ReplicationFrames.MAX_DATAGRAM)) {
            frames.add(new PeerFrame(type, ByteBuffer.allocate(header.length + datagram.length).put(header).put(datagram).array()));
        }
        return frames;
    }

    /**
     * @param digests a DIGESTS frame from the replica
     * @return the frames that bring the replica to this table: RESYNC_START, BUCKETs, RESYNC_DONE
     * @throws IllegalArgumentException if the frame is not a well-formed DIGESTS frame
     */
    public List<PeerFrame> answer(PeerFrame digests) {
        ByteBuffer in = ByteBuffer.wrap(digests.payload());
        if (digests.type() != ReplicationFrames.DIGESTS || in.remaining() < 2) {
            throw new IllegalArgumentException("not a digests frame");
        }
        int buckets = in.getShort() & 0xffff;
        if (buckets == 0 || in.remaining() != buckets * 8) {
            throw new IllegalArgumentException("digests frame of " + buckets + " buckets has " + in.remaining() + " bytes");
        }
        long[] ours = table.bucketDigests(buckets);
        BitSet differing = new BitSet(buckets);
        for (int bucket = 0; bucket < buckets; bucket++) {
            if (in.getLong() != ours[bucket]) {
                differing.set(bucket);
            }
        }
        Map<Integer, List<ConnectionRecord>> content = table.buckets(differing, buckets);
        List<PeerFrame> bucketFrames = new ArrayList<>();
        int entries = 0;
        for (Map.Entry<Integer, List<ConnectionRecord>> bucket : content.entrySet()) {
            entries += bucket.getValue().size();
            bucketFrames.addAll(frames(ReplicationFrames.BUCKET, ByteBuffer.allocate(Short.BYTES)
                    .putShort((short) (int) bucket.getKey()).array(), bucket.getValue()));
        }
        byte[] bitmap = Arrays.copyOf(differing.toByteArray(), (buckets + 7) / 8);
        List<PeerFrame> frames = new ArrayList<>(bucketFrames.size() + 2);
        frames.add(new PeerFrame(ReplicationFrames.RESYNC_START,
                ByteBuffer.allocate(4 + bitmap.length).putInt(entries).put(bitmap).array()));
        frames.addAll(bucketFrames);
        frames.add(new PeerFrame(ReplicationFrames.RESYNC_DONE, new byte[0]));
        return frames;
    }
}
