package io.lvsha.arp;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Real-time scheduling for the few threads whose latency the service depends on. Under load the
 * normal scheduler lets a woken thread wait behind every runnable one: on a two-core director
 * moving forty TFTP transfers, conntrack's events waited up to 0.6 s to be read (measured; see
 * the README's replication window). A SCHED_FIFO thread runs as soon as it is woken; the kernel's
 * real-time throttling still leaves the rest of the machine its share should one ever spin.
 */
public final class ThreadScheduling {
    private static final Logger LOG = LoggerFactory.getLogger(ThreadScheduling.class);
    private static final int SCHED_FIFO = 1;
    private static final int EPERM = 1;

    private ThreadScheduling() {
    }

    /**
     * Puts the calling thread under SCHED_FIFO at {@code priority} (1-99) where the kernel allows
     * it; where it refuses (the process lacks CAP_SYS_NICE), the thread goes on at normal priority
     * and one warning says so.
     *
     * @param what what the thread does, for the warning ("conntrack events are read")
     */
    public static void makeCurrentThreadRealtime(int priority, String what) {
        try {
            setScheduler(priority);
        } catch (IOException refused) {
            LOG.warn("{} at normal priority, so its latency follows the machine's load: {}", what, refused.getMessage());
        }
    }

    private static void setScheduler(int priority) throws IOException {
        try {
            LibC.INSTANCE.sched_setscheduler(0, SCHED_FIFO, new int[] {priority});
        } catch (LastErrorException e) {
            throw new IOException("SCHED_FIFO priority " + priority + " refused (errno " + e.getErrorCode() + ")"
                    + (e.getErrorCode() == EPERM ? ": the process lacks CAP_SYS_NICE" : ""), e);
        }
    }
}
