package io.lvsha.arp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * A JVM thread found by its kernel name is put under SCHED_FIFO, the memory is locked (where the
 * process may: root here), and a lowered soft RLIMIT_RTTIME is lifted.
 */
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

    @Test
    void memoryIsLockedIntoRam() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "mlockall needs CAP_IPC_LOCK: not root");
        assertTrue(ThreadScheduling.lockMemory());
        long lockedKib = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmLck:"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("\\D", ""))).sum();
        assertTrue(lockedKib > 0, "VmLck is 0 kB");
    }

    @Test
    void aLoweredSoftRealtimeCpuLimitIsLiftedToTheHardOne() throws Exception {
        long[] limit = new long[2];
        LibC.INSTANCE.getrlimit(LibC.RLIMIT_RTTIME, limit);
        assumeTrue(limit[1] == -1L, "the hard RLIMIT_RTTIME is finite here: " + limit[1]);
        LibC.INSTANCE.setrlimit(LibC.RLIMIT_RTTIME, new long[] {500_000L, limit[1]});
        ThreadScheduling.liftRealtimeCpuLimit();
        LibC.INSTANCE.getrlimit(LibC.RLIMIT_RTTIME, limit);
        assertEquals(-1L, limit[0], "soft RLIMIT_RTTIME still finite");
        assertTrue(Files.readString(Path.of("/proc/self/limits")).lines()
                .anyMatch(l -> l.startsWith("Max realtime timeout") && l.contains("unlimited            unlimited")),
                "the kernel's view of the limit");
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
