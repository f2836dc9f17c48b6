package io.lvsha.state.peer;

/**
 * Every frame type the peer link carries, in one place, so that a new one cannot collide with
 * another module's. What each frame holds is described where it is encoded.
 */
public final class PeerFrameTypes {
    /** {@link Hello}: each side's first frame after the handshake. */
    public static final int HELLO = 0x10;
    /**
     * A frame of one failover group of an agent that runs several ({@link GroupFrames}): the
     * group's name, then the frame. An agent of one group sends its frames bare.
     */
    public static final int GROUP = 0x20;
    /** The master asks the backup to take over before it resigns (make-before-break switchover); empty. */
    public static final int SWITCHOVER_REQUEST = 0x30;
    /** Table replication ({@code io.lvsha.state.replica.ReplicationFrames}): 0x40 to 0x45. */
    public static final int REPLICA_DIGESTS = 0x40;
    public static final int REPLICA_RESYNC_START = 0x41;
    public static final int REPLICA_BUCKET = 0x42;
    public static final int REPLICA_RESYNC_DONE = 0x43;
    public static final int REPLICA_UPDATE = 0x44;
    public static final int REPLICA_REMOVE = 0x45;
    /**
     * The operator's run-time settings on real servers (drained, disabled), the whole set as JSON
     * ({@code io.lvsha.agent.balancer.RealServerOverrides}): on every change and when the link comes up.
     */
    public static final int REAL_SERVERS = 0x50;

    private PeerFrameTypes() {
    }
}
