package io.lvsha.arp;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
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
    private static final long RLIM_INFINITY = -1L;

    private ThreadScheduling() {
    }

    private static final java.util.Set<String> REFUSED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * Puts the calling thread under SCHED_FIFO at {@code priority} (1-99) where the kernel allows
     * it; where it refuses (the process lacks CAP_SYS_NICE), the thread goes on at normal priority
     * and one warning says so.
     *
     * @param what what the thread does, for the warning ("conntrack events are read")
     */
    public static boolean makeCurrentThreadRealtime(int priority, String what) {
        try {
            setScheduler(0, priority);
            return true;
        } catch (IOException refused) {
            staysNormal(what, refused.getMessage());
            return false;
        }
    }

    /**
     * Locks the process's memory, present and future, into RAM (what keepalived's
     * {@code vrrp_no_swap} does): a page of the HA loop's code or heap paged out under memory
     * pressure costs a disk read in the middle of a timer. Pages are locked as they are first
     * touched (MCL_ONFAULT): without it the kernel populated every mapping the JVM had reserved,
     * and the agent's resident memory went from about 100 MB to 359 MB; the heap is touched at
     * start-up anyway ({@code -XX:+AlwaysPreTouch}). Refused without CAP_IPC_LOCK (or a
     * large enough RLIMIT_MEMLOCK); then one warning says so and the agent goes on.
     *
     * @return whether the memory is locked
     */
    public static boolean lockMemory() {
        try {
            LibC.INSTANCE.mlockall(LibC.MCL_CURRENT | LibC.MCL_FUTURE | LibC.MCL_ONFAULT);
            return true;
        } catch (LastErrorException e) {
            refuse("memory not locked, so it can be paged out under pressure: mlockall refused (errno "
                    + e.getErrorCode() + (e.getErrorCode() == EPERM ? ": the process lacks CAP_IPC_LOCK" : "") + ")");
            return false;
        }
    }

    /**
     * Lifts the soft RLIMIT_RTTIME to the hard one. That limit SIGKILLs a real-time thread that
     * runs longer than it without blocking (keepalived's real-time child died of it on a busy
     * machine); our real-time threads never spin, but a large resync applied at real-time
     * priority can run for a while. A finite hard limit (systemd's LimitRTTIME=) is reported.
     */
    public static void liftRealtimeCpuLimit() {
        long[] limit = new long[2];
        try {
            LibC.INSTANCE.getrlimit(LibC.RLIMIT_RTTIME, limit);
            if (limit[0] != limit[1]) {
                LibC.INSTANCE.setrlimit(LibC.RLIMIT_RTTIME, new long[] {limit[1], limit[1]});
            }
        } catch (LastErrorException e) {
            LOG.warn("RLIMIT_RTTIME not read or raised (errno {})", e.getErrorCode());
            return;
        }
        if (limit[1] != RLIM_INFINITY) {
            refuse("RLIMIT_RTTIME is " + limit[1] + " µs: a real-time thread that runs longer without blocking is"
                    + " killed; remove LimitRTTIME= (or ulimit -r) for the agent");
        }
    }

    /**
     * Puts the JVM's own threads named {@code name} (their kernel name, as /proc/self/task/TID/comm
     * shows it) under SCHED_FIFO at {@code priority}, as {@link #makeCurrentThreadRealtime} does
     * for a thread of ours. For the VM thread: it runs every stop-the-world operation (a young
     * collection with the serial collector), and while it waits for a CPU at normal priority our
     * real-time threads wait with it, stopped at the safepoint.
     *
     * @return how many threads were raised
     */
    public static int makeJvmThreadsRealtime(String name, int priority, String what) {
        int raised = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                if (Files.readString(task.resolve("comm")).strip().equals(name)) {
                    setScheduler(Integer.parseInt(task.getFileName().toString()), priority);
                    raised++;
                }
            }
        } catch (IOException refused) {
            staysNormal(what, refused.getMessage());
            return raised;
        }
        if (raised == 0) {
            staysNormal(what, "this JVM has no thread named '" + name + "'");
        }
        return raised;
    }

    /** What runs at normal priority, or unlocked, because the kernel refused, in the words of the warning. */
    public static java.util.List<String> refused() {
        return java.util.List.copyOf(REFUSED);
    }

    private static void staysNormal(String what, String why) {
        REFUSED.add(what + ": " + why);
        LOG.warn("{} at normal priority, so its latency follows the machine's load: {}", what, why);
    }

    /** A real-time setting of the process the kernel refused: reported once, and by {@link #refused}. */
    private static void refuse(String problem) {
        REFUSED.add(problem);
        LOG.warn("{}", problem);
    }

    /** @param tid a thread's id, 0 for the calling thread */
    private static void setScheduler(int tid, int priority) throws IOException {
        try {
            LibC.INSTANCE.sched_setscheduler(tid, SCHED_FIFO, new int[] {priority});
        } catch (LastErrorException e) {
            throw new IOException("SCHED_FIFO priority " + priority + " refused (errno " + e.getErrorCode() + ")"
                    + (e.getErrorCode() == EPERM ? ": the process lacks CAP_SYS_NICE" : ""), e);
        }
    }
}
