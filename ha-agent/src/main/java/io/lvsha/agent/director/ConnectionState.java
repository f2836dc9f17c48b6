package io.lvsha.agent.director;

import io.lvsha.state.sync.ConnectionRecord;
import java.util.List;

/**
 * A backend whose connection state lives outside IPVS's sync daemon (the nftables dataplane:
 * conntrack) exports it for the peer link and commits the replicated copy when this node takes
 * over (DESIGN.md §5 step 2, before the VIPs move).
 */
public interface ConnectionState {

    /** The dataplane's own notice of its flows as they come and go, on a thread of the backend's. */
    interface Watcher {
        /**
         * Flows that appeared or changed (a takeover must keep them).
         *
         * @param oldestEventRealtimeNanos when the dataplane saw the oldest of these change, in ns
         *     since the epoch; 0 when it does not say
         */
        void learned(List<ConnectionRecord> connections, long oldestEventRealtimeNanos);

        /** Flows that ended. */
        void ended(List<ConnectionRecord> connections);

        /** Notices were lost ({@code why}): only a fresh {@link #export()} is right again. */
        void lost(String why);
    }

    /**
     * Starts telling {@code watcher} of flows from their first packet on, until the backend closes.
     *
     * @return false when this dataplane gives no such notice, and only {@link #export()} knows its flows
     */
    default boolean watch(Watcher watcher) throws BackendException {
        return false;
    }

    /** The dataplane's connections that a takeover must keep, as they are now. */
    List<ConnectionRecord> export() throws BackendException;

    /**
     * Runs what {@link #commit} runs, without touching the dataplane, so that the first takeover
     * does not pay for class loading and the interpreter. Called once at start.
     */
    default void prepareCommit() throws BackendException {
    }

    /**
     * Installs {@code connections} in this node's dataplane, in one batch; an entry the dataplane
     * refuses is skipped and the others still go in.
     *
     * @return how many were installed
     * @throws PartialCommitException when the dataplane refused some (the others are in)
     */
    int commit(List<ConnectionRecord> connections) throws BackendException, PartialCommitException;

    /**
     * Whether {@link #commit} still works once this node's dataplane has switched to master, so
     * that a takeover may commit after its GARP (conntrack takes entries at any time); false where
     * the commit needs what the backup had (IPVS: the kernel's backup sync daemon).
     */
    default boolean commitsAsMaster() {
        return true;
    }
}
