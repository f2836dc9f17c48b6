package io.lvsha.agent.hook;

import java.util.concurrent.ThreadFactory;

/** Threads for running operators' programs: daemons (they never hold up the agent's exit), one name per pool. */
public final class DaemonThreads {
    private DaemonThreads() {
    }

    public static ThreadFactory named(String name) {
        return task -> {
            Thread thread = new Thread(task, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
