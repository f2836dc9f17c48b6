package io.lvsha.agent.group;

import io.lvsha.agent.event.EventLog;
import io.lvsha.state.peer.Hello;
import io.lvsha.state.peer.PeerFrame;
import io.lvsha.state.replica.TableReplica;
import io.lvsha.state.sync.ConnectionRecord;
import io.lvsha.vrrp.Clock;
import io.lvsha.vrrp.Role;
import io.lvsha.vrrp.VirtualRouter;
import io.lvsha.vrrp.VrrpEvent;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The other agent as this group sees it: whether the link is up and the configs match, the
 * replicated connection table, and the preempt hold while a starting director's table fills.
 * HA loop only.
 */
final class PeerSession {
    /** How long a starting director waits for the connection table before it may preempt. */
    static final long SYNC_WAIT_NANOS = 60_000_000_000L;

    private final VirtualRouter router;
    private final java.util.function.Consumer<VrrpEvent> toRouter;
    private final EventLog events;
    private final Clock clock;
    private final StateSync stateSync;
    private Predicate<PeerFrame> sender = frame -> false;
    private boolean configured;
    private Hello peer;
    private boolean configMatches = true;
    private long preemptHoldUntil;
    private boolean preemptHeld;
    /** Connections, replica state, behind, repaired: for the metrics thread. */
    private volatile long[] published = {0, 0, 0, 0, 0};

    /**
     * @param router read for its role only
     * @param toRouter feeds an event to the router through the controller, which executes what it returns
     * @param appliedUpdate told, as backup, the master kernel's event stamp of each update applied to our table
     */
    PeerSession(VirtualRouter router, java.util.function.Consumer<VrrpEvent> toRouter, EventLog events, Clock clock,
                java.util.function.LongConsumer appliedUpdate) {
        this.router = router;
        this.toRouter = toRouter;
        this.events = events;
        this.clock = clock;
        this.stateSync = new StateSync(events, appliedUpdate);
    }

    void attach(Predicate<PeerFrame> linkSender) {
        this.sender = linkSender;
        this.configured = true;
    }

    /**
     * The connection table travels over the link: this director, starting, does not preempt the
     * master until it holds the table (or {@link #SYNC_WAIT_NANOS} passed). Called before the
     * group starts, so that no advert is ever judged without the hold.
     */
    void holdPreemptUntilInSync() {
        preemptHoldUntil = clock.nanoTime() + SYNC_WAIT_NANOS;
        updatePreemptHold();
    }

    /** @return false while the link is down */
    boolean send(PeerFrame frame) {
        return sender.test(frame);
    }

    boolean isUp() {
        return peer != null;
    }

    /** The peer's node name, or "peer" while the link is down. */
    String peerName() {
        return peer == null ? "peer" : peer.node();
    }

    /** The link is up; {@code configMatches}: whether the peer runs our shared configuration (the link reports both). */
    void up(Hello hello, boolean configMatches) {
        peer = hello;
        this.configMatches = configMatches;
        stateSync.requestResync(router.role(), sender);
        publish();
    }

    void down() {
        peer = null;
        stateSync.peerDown();
        publish();
    }

    /** @return whether the frame was a replication frame (and is dealt with) */
    boolean onReplicationFrame(PeerFrame frame) {
        if (!stateSync.onFrame(frame, router.role(), sender, seconds(clock.nanoTime()))) {
            return false;
        }
        publish();
        updatePreemptHold();
        return true;
    }

    /** Connections the kernel mirror brought: kept, and passed on as master. */
    void onConnections(List<ConnectionRecord> connections) {
        stateSync.onConnections(connections, seconds(clock.nanoTime()), router.role(), sender);
        publish();
    }

    /** Connections the backend passed to the peer itself: kept, to answer resyncs and to commit. */
    void keep(List<ConnectionRecord> connections) {
        stateSync.keep(connections, seconds(clock.nanoTime()));
        publish();
    }

    /** Connections that ended (the backend told the peer itself). */
    void forget(List<ConnectionRecord> connections) {
        stateSync.forget(connections);
        publish();
    }

    /** This node just became backup: ask the master for what differs. */
    void becameBackup() {
        if (peer != null) {
            stateSync.requestResync(Role.BACKUP, sender);
            publish();
        }
    }

    /** This node just became master: a request for its table that came before is answered now. */
    void becameMaster() {
        if (peer != null) {
            stateSync.becameMaster(sender);
        }
    }

    /** The periodic work: expiry, and the end of a preempt hold that waited long enough. */
    void tick(long now) {
        stateSync.expire(seconds(now));
        publish();
        updatePreemptHold();
    }

    /** The repair cycle. */
    void verify() {
        if (peer != null) {
            stateSync.verify(router.role(), sender);
        }
    }

    List<ConnectionRecord> snapshot() {
        return stateSync.snapshot();
    }

    /**
     * Holds preemption from start-up until this node's table is in sync: taking mastership back
     * with half a table would break the connections the other director carries. A dead master is
     * still replaced at once (the hold is on preemption only), and the hold ends for good at the
     * first in-sync or after {@link #SYNC_WAIT_NANOS}.
     */
    private void updatePreemptHold() {
        if (preemptHoldUntil == 0) {
            return;
        }
        boolean synced = stateSync.replicaState() == TableReplica.Status.IN_SYNC.ordinal();
        boolean wanted = !synced && clock.nanoTime() - preemptHoldUntil < 0;
        if (wanted == preemptHeld) {
            return;
        }
        preemptHeld = wanted;
        toRouter.accept(new VrrpEvent.PreemptHold(wanted));
        if (wanted) {
            events.emit("preempt-held", "not taking mastership back before the connection table is in sync (at most "
                    + SYNC_WAIT_NANOS / 1_000_000_000L + " s)", Map.of("max_s", SYNC_WAIT_NANOS / 1_000_000_000L));
        } else {
            events.emit("preempt-released", synced ? "the connection table is in sync" : "gave up waiting for the connection table",
                    Map.of("in_sync", synced));
            preemptHoldUntil = 0;
        }
    }

    /** Called where the sync state changes, never on the advert path (it allocates). */
    private void publish() {
        published = new long[] {stateSync.size(), stateSync.replicaState(), stateSync.behind(), stateSync.repaired(),
                stateSync.refusedTotal()};
    }

    /** What replicated entries must pass, and the table's bound (see {@link StateSync#admit}). */
    void admit(io.lvsha.state.table.ConnectionAdmission admission, int maxConnections) {
        stateSync.admit(admission, maxConnections);
    }

    long[] published() {
        return published;
    }

    Map<String, Object> connections(io.lvsha.vrrp.IpAddress client, int limit) {
        return stateSync.connections(client, limit);
    }

    Map<String, Object> syncStatus() {
        return stateSync.status(router.role());
    }

    Map<String, Object> status() {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("configured", configured);
        status.put("up", peer != null);
        status.put("peer", peer == null ? null : peer.node());
        status.put("config_match", peer == null ? null : configMatches);
        return status;
    }

    private static long seconds(long nanos) {
        return nanos / 1_000_000_000L;
    }
}
