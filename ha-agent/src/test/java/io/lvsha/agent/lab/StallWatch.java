package io.lvsha.agent.lab;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Measures this machine's own stalls while a test window is open: a thread that sleeps 5 ms at a
 * time and records how late it wakes. The shared test machines stall every process at once, for
 * up to seconds (../shared/reference/uml-ipvs/README.md); a role change in such a window may be
 * the machine's doing, not the code's. A test asserts "no role change" only when no stall longer
 * than the failover bound happened in the window, and says so when it could not judge.
 */
public final class StallWatch implements AutoCloseable {
    private static final long TICK_NANOS = 5_000_000L;
    private final AtomicLong maxStallNanos = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;

    private StallWatch() {
        thread = new Thread(this::watch, "stall-watch");
        thread.setDaemon(true);
        thread.start();
    }

    public static StallWatch start() {
        return new StallWatch();
    }

    private void watch() {
        while (running) {
            long before = System.nanoTime();
            try {
                Thread.sleep(TICK_NANOS / 1_000_000);
            } catch (InterruptedException e) {
                return;
            }
            maxStallNanos.accumulateAndGet(System.nanoTime() - before - TICK_NANOS, Math::max);
        }
    }

    public long maxStallNanos() {
        return maxStallNanos.get();
    }

    /**
     * Whether the window was quiet enough to judge a role change: no stall reached {@code bound}.
     * Prints why when it was not.
     */
    public boolean quieterThan(Duration bound) {
        boolean quiet = maxStallNanos() < bound.toNanos();
        if (!quiet) {
            System.out.printf("machine stalled %d ms (bound %d ms): this window's no-role-change check is not judged%n",
                    maxStallNanos() / 1_000_000, bound.toMillis());
        }
        return quiet;
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
