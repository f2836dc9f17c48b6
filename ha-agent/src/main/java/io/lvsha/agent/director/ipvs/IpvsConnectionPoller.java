package io.lvsha.agent.director.ipvs;

import io.lvsha.agent.director.ConnectionState;
import io.lvsha.agent.director.VirtualService;
import io.lvsha.arp.ThreadScheduling;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * The master's new IPVS connections within milliseconds of their first packet. IPVS raises no
 * event for a new connection, and its sync daemon batches them (a datagram leaves when it is full
 * or after up to 2 s), so the master reads its own table ({@link IpvsBackend#TABLE}) often: every
 * {@link #MIN_INTERVAL_NANOS} while a read is cheap, less often as the table grows, and passes on
 * what changed ({@link IpvsTableDiff}). Where conntrack tracks IPVS's connections, its NEW event
 * {@link #wake}s the poller for a read at once. Reads cost at most 1/{@link #COST_SHARE} of this
 * thread's time, kept as a credit of read time ({@link ReadCredit}): a quiet director reads at
 * every event, a busy one at the pace its table allows. On a backup it sleeps: its table is the
 * master's. Real-time for the reason the conntrack event reader is (see {@link ThreadScheduling}).
 */
final class IpvsConnectionPoller implements AutoCloseable {
    static final long MIN_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    static final long MAX_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    static final int COST_SHARE = 20;
    private static final int REALTIME_PRIORITY = 10;

    private final Supplier<List<VirtualService>> services;
    private final ConnectionState.Watcher watcher;
    private final IpvsTableDiff diff = new IpvsTableDiff();
    private final Thread thread;
    private final ReadCredit credit = new ReadCredit(System.nanoTime());
    private volatile boolean master;
    private volatile boolean woken;
    /** The kernel's stamp of the oldest event since the last read began (Long.MAX_VALUE: none). */
    private final java.util.concurrent.atomic.AtomicLong oldestEventRealtimeNanos = new java.util.concurrent.atomic.AtomicLong(Long.MAX_VALUE);
    private volatile boolean running = true;
    private final TableRead table;

    /** The table's text as the kernel prints it now. */
    @FunctionalInterface
    interface TableRead {
        String read() throws IOException;
    }

    /** @param services what the connections are judged by, as configured now */
    IpvsConnectionPoller(TableRead table, Supplier<List<VirtualService>> services, ConnectionState.Watcher watcher) {
        this.table = table;
        this.services = services;
        this.watcher = watcher;
        thread = new Thread(this::run, "ipvs-connections");
        thread.setDaemon(true);
        thread.start();
    }

    void master(boolean master) {
        this.master = master;
        LockSupport.unpark(thread);
    }

    /**
     * A connection appeared (conntrack's NEW event): read as soon as the credit allows.
     *
     * @param eventRealtimeNanos the kernel's stamp of the event (its first packet), 0 if unstamped
     */
    void wake(long eventRealtimeNanos) {
        if (eventRealtimeNanos > 0) {
            oldestEventRealtimeNanos.accumulateAndGet(eventRealtimeNanos, Math::min);
        }
        woken = true;
        LockSupport.unpark(thread);
    }

    private void run() {
        ThreadScheduling.makeCurrentThreadRealtime(REALTIME_PRIORITY, "the IPVS table is polled");
        boolean failing = false;
        while (running) {
            if (!master) {
                diff.reset();
                LockSupport.parkNanos(this, MAX_INTERVAL_NANOS);
                continue;
            }
            long started = System.nanoTime();
            woken = false;
            long eventStamp = oldestEventRealtimeNanos.getAndSet(Long.MAX_VALUE);
            try {
                IpvsTableDiff.Changes changes = diff.next(table.read(), services.get());
                failing = false;
                if (!changes.ended().isEmpty()) {
                    watcher.ended(changes.ended());
                }
                if (!changes.learned().isEmpty()) {
                    watcher.learned(changes.learned(), eventStamp == Long.MAX_VALUE ? 0 : eventStamp);
                }
            } catch (IOException e) {
                if (!failing) {
                    watcher.lost("reading " + IpvsBackend.TABLE + ": " + e.getMessage());
                }
                failing = true;
                diff.reset();
            }
            long cost = System.nanoTime() - started;
            credit.spend(started + cost, cost);
            awaitNextRead(started + cost + interval(cost));
        }
    }

    /** Until {@code periodic}, or an earlier wake once the credit allows a read. */
    private void awaitNextRead(long periodic) {
        while (running && master) {
            long now = System.nanoTime();
            long next = woken ? Math.min(periodic, credit.readableAt(now)) : periodic;
            if (now - next >= 0) {
                return;
            }
            LockSupport.parkNanos(this, next - now);
        }
    }

    /** How long to wait after a read that took {@code costNanos}. */
    static long interval(long costNanos) {
        return Math.max(MIN_INTERVAL_NANOS, Math.min(MAX_INTERVAL_NANOS, costNanos * COST_SHARE));
    }

    /**
     * Read time this thread may spend at once: it grows at 1/{@link #COST_SHARE} of the time that
     * passes, up to {@link #MAX_NANOS}, and each read spends its cost. Not thread-safe: the
     * poller's thread only.
     */
    static final class ReadCredit {
        /** A burst of reads at once: on a quiet director, one per new connection. */
        static final long MAX_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
        private long credit = MAX_NANOS;
        private long at;

        ReadCredit(long now) {
            this.at = now;
        }

        void spend(long now, long costNanos) {
            refill(now);
            credit -= costNanos;
        }

        /** When a read may start: {@code now} while there is credit, else once it has grown back to zero. */
        long readableAt(long now) {
            refill(now);
            return credit >= 0 ? now : now - credit * COST_SHARE;
        }

        private void refill(long now) {
            credit = Math.min(MAX_NANOS, credit + (now - at) / COST_SHARE);
            at = now;
        }
    }

    @Override
    public void close() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(TimeUnit.NANOSECONDS.toMillis(MAX_INTERVAL_NANOS) * 5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
