package io.lvsha.arp;

import com.sun.jna.LastErrorException;
import java.io.IOException;

/**
 * Real-time scheduling for the few threads whose latency the service depends on. Under load the
 * normal scheduler lets a woken thread wait behind every runnable one: on a two-core director
 * moving forty TFTP transfers, conntrack's events waited up to 0.6 s to be read (measured; see
 * the README's replication window). A SCHED_FIFO thread runs as soon as it is woken; the kernel's
 * real-time throttling still leaves the rest of the machine its share should one ever spin.
 */
public final class ThreadScheduling {
    private static final int SCHED_FIFO = 1;
    private static final int EPERM = 1;

    private ThreadScheduling() {
    }

    /**
     * Puts the calling thread under SCHED_FIFO at {@code priority} (1-99).
     *
     * @throws IOException when the kernel refuses, with what to grant (CAP_SYS_NICE)
     */
    public static void makeCurrentThreadRealtime(int priority) throws IOException {
        try {
            LibC.INSTANCE.sched_setscheduler(0, SCHED_FIFO, new int[] {priority});
        } catch (LastErrorException e) {
            throw new IOException("SCHED_FIFO priority " + priority + " refused (errno " + e.getErrorCode() + ")"
                    + (e.getErrorCode() == EPERM ? ": the process lacks CAP_SYS_NICE" : ""), e);
        }
    }
}
