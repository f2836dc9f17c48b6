package io.lvsha.agent.director;

import io.lvsha.state.sync.ConnectionRecord;
import java.util.List;

/**
 * A backend whose connection state lives outside IPVS's sync daemon (the nftables dataplane:
 * conntrack) exports it for the peer link and commits the replicated copy when this node takes
 * over (DESIGN.md §5 step 2, before the VIPs move).
 */
public interface ConnectionState {

    /** The dataplane's connections that a takeover must keep, as they are now. */
    List<ConnectionRecord> export() throws BackendException;

    /**
     * Installs {@code connections} in this node's dataplane, in one batch.
     *
     * @return how many were installed
     */
    int commit(List<ConnectionRecord> connections) throws BackendException;
}
