package io.lvsha.state.replica;

import io.lvsha.state.peer.PeerFrame;
import io.lvsha.state.sync.ConnectionRecord;
import io.lvsha.state.sync.SyncCodec;
import io.lvsha.state.sync.SyncMessage;
import io.lvsha.state.sync.SyncRejectedException;
import io.lvsha.state.table.ConnectionAdmission;
import io.lvsha.state.table.ConnectionTable;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The backup's side of table replication: asks for what differs when the link comes up, applies
 * the buckets it gets, and knows how far behind it is. Pure: frames in, frames out.
 * Not thread-safe: the table's owner calls it.
 */
public final class TableReplica {
    /** What the backup can say about its copy of the master's table. */
    public enum Status {
        NO_PEER,
        CATCHING_UP,
        IN_SYNC
    }

    private final ConnectionTable table;
    private final ConnectionAdmission admission;
    private Status status = Status.NO_PEER;
    private long expected;
    private long received;
    /** A repair check is out: its answer changes the status only if something was found missing. */
    private boolean verifying;
    private long repaired;

    public TableReplica(ConnectionTable table) {
        this(table, ConnectionAdmission.ANY);
    }

    /** @param admission what the source's connections must pass to enter the table (refusals are its to count) */
    public TableReplica(ConnectionTable table, ConnectionAdmission admission) {
        this.table = table;
        this.admission = admission;
    }

    /** The link came up: ask the source for what differs. @return the DIGESTS frame to send */
    public PeerFrame linkUp() {
        long[] digests = table.bucketDigests(ReplicationFrames.BUCKETS);
        ByteBuffer payload = ByteBuffer.allocate(2 + digests.length * 8).putShort((short) digests.length);
        Arrays.stream(digests).forEach(payload::putLong);
        status = Status.CATCHING_UP;
        expected = 0;
        received = 0;
        verifying = false;
        return new PeerFrame(ReplicationFrames.DIGESTS, payload.array());
    }

    /**
     * The periodic repair cycle of an in-sync backup: the same digests, but an answer that finds
     * nothing to repair leaves the status alone. @return the DIGESTS frame to send
     */
    public PeerFrame verify() {
        Status before = status;
        PeerFrame digests = linkUp();
        status = before;
        verifying = true;
        return digests;
    }

    /** Entries a repair cycle brought that the backup did not have (or had stale). */
    public long repaired() {
        return repaired;
    }

    public void linkDown() {
        status = Status.NO_PEER;
    }

    /**
     * Applies a replication frame; frames of other types are ignored.
     *
     * @param nowSeconds entries expire by their timeouts from now, as the kernel's backup does
     * @throws IllegalArgumentException if a replication frame is malformed (the link should close)
     */
    public void onFrame(PeerFrame frame, long nowSeconds) {
        ByteBuffer in = ByteBuffer.wrap(frame.payload());
        switch (frame.type()) {
            case ReplicationFrames.RESYNC_START -> {
                expected = Integer.toUnsignedLong(in.getInt());
                received = 0;
                if (verifying) {
                    repaired += expected;
                }
                if (!verifying || expected > 0) {
                    status = Status.CATCHING_UP;
                }
                byte[] bitmap = new byte[in.remaining()];
                in.get(bitmap);
                table.clearBuckets(java.util.BitSet.valueOf(bitmap), ReplicationFrames.BUCKETS);
            }
            case ReplicationFrames.BUCKET -> applyBucket(in, nowSeconds);
            case ReplicationFrames.UPDATE -> {
                if (in.remaining() < Long.BYTES) {
                    throw new IllegalArgumentException("an update frame of " + in.remaining() + " bytes has no event stamp");
                }
                in.position(Long.BYTES); // the source's event stamp is the owner's to read (ReplicationFrames.eventRealtimeNanos)
                byte[] datagram = new byte[in.remaining()];
                in.get(datagram);
                apply(datagram, nowSeconds, false);
            }
            case ReplicationFrames.REMOVE -> decode(frame.payload()).connections().forEach(table::remove);
            case ReplicationFrames.RESYNC_DONE -> {
                status = Status.IN_SYNC;
                received = expected;
                verifying = false;
            }
            default -> { }
        }
    }

    private void applyBucket(ByteBuffer in, long nowSeconds) {
        int bucket = in.getShort() & 0xffff;
        if (bucket >= ReplicationFrames.BUCKETS) {
            throw new IllegalArgumentException("bucket " + bucket + " out of range");
        }
        byte[] datagram = new byte[in.remaining()];
        in.get(datagram);
        apply(datagram, nowSeconds, true);
    }

    private void apply(byte[] datagram, long nowSeconds, boolean partOfResync) {
        SyncMessage message = decode(datagram);
        for (ConnectionRecord connection : message.connections()) {
            if (admission.refusal(connection) == null) {
                table.put(connection, nowSeconds);
            }
        }
        if (partOfResync) {
            received += message.connections().size();
        }
    }

    private static SyncMessage decode(byte[] datagram) {
        try {
            return SyncCodec.decode(datagram, 0, datagram.length, 0);
        } catch (SyncRejectedException e) {
            throw new IllegalArgumentException("replicated connections do not decode: " + e.getMessage(), e);
        }
    }

    public Status status() {
        return status;
    }

    /** Entries announced by the source and not yet received (0 when in sync). */
    public long behind() {
        return Math.max(0, expected - received);
    }
}
