package io.lvsha.agent.loop;

import io.lvsha.vrrp.Clock;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that owns all protocol state (DESIGN.md §3). Other threads hand work in with
 * {@link #execute}, or with {@link #executeAhead} for what must not wait behind bulk work (a
 * received advert behind the buckets of a 100 000-entry resync); timers are the owner's deadlines,
 * polled between tasks. The loop measures how
 * late it serves each deadline: a late timer is how a GC or scheduler stall shows itself before
 * it becomes a false master-down (Aeron's DutyCycleStallTracker).
 *
 * <p>A task that throws costs a counter and a log line, not the loop (Agrona's AgentRunner); an
 * {@link Error} stops the loop.
 */
public final class HaLoop implements Executor {
    private static final Logger LOG = LoggerFactory.getLogger(HaLoop.class);
    /** A deadline served later than this is counted as a stall. */
    private static final long STALL_THRESHOLD_NANOS = 5_000_000L;
    /**
     * The loop parks until this close to a precise deadline, then spins: a parked thread wakes tens
     * to hundreds of microseconds late (timer slack, an idle vCPU), which would go straight into the
     * failover time. Each spin costs up to this much of a core, so only the deadlines that a
     * failover waits on get one ({@link Deadlines#precise}): 200 masters' advert timers at 100 ms,
     * spun for, took 40 % of a core (groups-scale benchmark).
     */
    private static final long SPIN_NANOS = 200_000L;
    /**
     * Spin before precise deadlines only at normal priority. A SCHED_FIFO thread's timers have no
     * slack, so it wakes from a park within tens of microseconds; and a real-time thread that spins
     * holds a CPU from every normal thread (and counts towards RLIMIT_RTTIME's kill).
     */
    private volatile long spinNanos = SPIN_NANOS;
    /**
     * Tasks given ahead and already queued when a deadline falls due run first, at most this many:
     * an advert that arrived before the Master_Down_Timer expired must count, even if the loop got
     * to it late (after a stall, both are ready at once). The bound keeps a flood from starving the
     * timers. Plain tasks wait for the deadline: none of them can stop a timer.
     */
    private static final int AHEAD_BATCH = 64;
    /** Wakes a parked loop for a task given ahead, which sits in a queue of its own. */
    private static final Runnable WAKE = () -> { };

    /** What the loop serves between tasks. Called on the loop thread only. */
    public interface Deadlines {
        boolean hasDeadline();

        long nextDeadline();

        /** Everything due at or before {@code now}; {@code deadline} is the one that woke the loop. */
        void onDeadline(long now, long deadline);

        /**
         * Whether the next deadline must be served to the microsecond (a backup's Master_Down_Timer:
         * a failover waits on it), so the loop spins for it; otherwise it parks until it and wakes
         * a few tens of microseconds late (a master's next advert: the backups wait three intervals).
         */
        default boolean precise() {
            return true;
        }
    }

    private final Clock clock;
    private final BlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
    private final Queue<Runnable> ahead = new ConcurrentLinkedQueue<>();
    private final AtomicLong taskFailures = new AtomicLong();
    private final AtomicLong stalls = new AtomicLong();
    private final AtomicLong maxLagNanos = new AtomicLong();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Thread thread;
    private volatile Deadlines deadlines;
    private volatile java.util.function.LongConsumer lagSink = lag -> { };
    private volatile java.util.function.LongConsumer stallSink = lag -> { };
    private volatile boolean running = true;
    /** The queue was drained once for the deadline now due; the deadline fires next, whatever is queued. */
    private boolean drainedForDeadline;

    public HaLoop(Clock clock) {
        this.clock = clock;
        this.thread = new Thread(this::run, "ha-loop");
    }

    /** Receives the lateness, in nanoseconds, of every deadline served (for the lag histogram). */
    public void reportLagTo(java.util.function.LongConsumer sink) {
        this.lagSink = sink;
    }

    /** Receives the lateness of every deadline served more than 5 ms late (a stall), on the loop thread. */
    public void reportStallsTo(java.util.function.LongConsumer sink) {
        this.stallSink = sink;
    }

    public void start(Deadlines owner) {
        this.deadlines = owner;
        thread.start();
    }

    @Override
    public void execute(Runnable task) {
        if (!running) {
            throw new RejectedExecutionException("the HA loop has stopped");
        }
        tasks.add(task);
    }

    /** As {@link #execute}, but the task runs before every plain task not yet started. */
    public void executeAhead(Runnable task) {
        if (!running) {
            throw new RejectedExecutionException("the HA loop has stopped");
        }
        ahead.add(task);
        tasks.add(WAKE);
    }

    /** Tells the loop whether its thread runs under SCHED_FIFO (then it never spins). Loop thread only. */
    public void runsRealtime(boolean realtime) {
        spinNanos = realtime ? 0 : SPIN_NANOS;
    }

    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /** Stops after the tasks already queued; waits up to {@code timeoutMillis}. */
    public void stop(long timeoutMillis) throws InterruptedException {
        tasks.add(() -> running = false);
        stopped.await(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    private void run() {
        try {
            while (running) {
                Runnable task;
                Deadlines owner = deadlines;
                if (owner.hasDeadline()) {
                    long deadline = owner.nextDeadline();
                    long now = clock.nanoTime();
                    long wait = deadline - now;
                    if (wait <= 0) {
                        if (!drainedForDeadline && runAhead()) {
                            drainedForDeadline = true;
                            continue; // the queued work may have moved the deadline: look again
                        }
                        drainedForDeadline = false;
                        recordLag(now - deadline);
                        runSafely(() -> owner.onDeadline(now, deadline));
                        continue;
                    }
                    long spin = owner.precise() ? spinNanos : 0;
                    if (wait > spin) {
                        task = tasks.poll(wait - spin, TimeUnit.NANOSECONDS);
                    } else {
                        task = tasks.poll();
                        if (task == null) {
                            Thread.onSpinWait();
                            continue;
                        }
                    }
                } else {
                    task = tasks.take();
                }
                if (task != null) {
                    runAhead();
                    runSafely(task);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            running = false;
            stopped.countDown();
        }
    }

    /** Runs up to {@link #AHEAD_BATCH} tasks given ahead; @return whether any ran */
    private boolean runAhead() {
        Runnable task = ahead.poll();
        if (task == null) {
            return false;
        }
        int ran = 0;
        do {
            runSafely(task);
        } while (++ran < AHEAD_BATCH && (task = ahead.poll()) != null);
        return true;
    }

    private void runSafely(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            taskFailures.incrementAndGet();
            LOG.error("HA loop task failed; the loop goes on", e);
        }
    }

    private void recordLag(long lagNanos) {
        lagSink.accept(lagNanos);
        maxLagNanos.accumulateAndGet(lagNanos, Math::max);
        if (lagNanos > STALL_THRESHOLD_NANOS) {
            stalls.incrementAndGet();
            // Every stall, with its time, on stderr (the lab's tests read them as a stall's
            // evidence); the operator's host-stall events sum them up.
            LOG.warn("HA loop served a timer {} ms late (GC or scheduler stall)", lagNanos / 1_000_000);
            stallSink.accept(lagNanos);
        }
    }

    public long taskFailures() {
        return taskFailures.get();
    }

    public long stalls() {
        return stalls.get();
    }

    public long maxLagNanos() {
        return maxLagNanos.get();
    }
}
