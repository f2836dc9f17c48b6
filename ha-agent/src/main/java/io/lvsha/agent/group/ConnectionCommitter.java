package io.lvsha.agent.group;

import io.lvsha.state.sync.ConnectionRecord;
import java.util.List;
import java.util.concurrent.Executor;

/** Installs replicated connections in this node's dataplane at a takeover. */
public interface ConnectionCommitter {
    /** @return how many were installed */
    int commit(List<ConnectionRecord> connections) throws Exception;

    /**
     * Whether this takeover may install them after its GARP rather than before its VIPs: only
     * where a packet that arrives first is sent on as its flow's entry would send it (DESIGN.md §5).
     */
    boolean commitsAfterGarp();

    /** Where a commit after the GARP runs: off the HA loop, which goes on advertising meanwhile. */
    Executor afterGarpThread();
}
