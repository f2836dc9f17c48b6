package io.lvsha.arp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** A JVM thread found by its kernel name is put under SCHED_FIFO (where the process may: root here). */
class ThreadSchedulingTest {
    private static final int SCHED_FIFO = 1;

    @Test
    void aJvmThreadFoundByItsNameRunsUnderSchedFifo() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "SCHED_FIFO needs CAP_SYS_NICE: not root");
        CountDownLatch done = new CountDownLatch(1);
        long[] tid = new long[1];
        CountDownLatch started = new CountDownLatch(1);
        Thread probe = new Thread(() -> {
            tid[0] = Long.parseLong(readLink());
            started.countDown();
            try {
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "lvsha-rt-probe");
        probe.start();
        started.await();
        try {
            assertEquals(0, policy(tid[0]), "a new thread runs under SCHED_OTHER");
            assertEquals(1, ThreadScheduling.makeJvmThreadsRealtime("lvsha-rt-probe", 5, "the probe runs"));
            assertEquals(SCHED_FIFO, policy(tid[0]));
            assertEquals(0, ThreadScheduling.makeJvmThreadsRealtime("no-such-thread", 5, "nothing runs"));
        } finally {
            done.countDown();
            probe.join();
        }
    }

    /** The calling thread's kernel id. */
    private static String readLink() {
        try {
            return Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The scheduling policy of thread {@code tid}: field 41 of its stat line. */
    private static int policy(long tid) throws Exception {
        String stat = Files.readString(Path.of("/proc/self/task/" + tid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Integer.parseInt(fields[41 - 3]);
    }
}
