package io.lvsha.agent.group;

import io.lvsha.state.sync.ConnectionRecord;
import java.util.List;

/** Installs replicated connections in this node's dataplane at a takeover. */
@FunctionalInterface
public interface ConnectionCommitter {
    /** @return how many were installed */
    int commit(List<ConnectionRecord> connections) throws Exception;
}
