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
 * {@link #MIN_INTERVAL_NANOS} while a read is cheap, less often as the table grows (a read costs at most 1/{@link #COST_SHARE} of this thread's time), and passes on
 * what changed ({@link IpvsTableDiff}). On a backup it sleeps: its table is the master's.
 * Real-time for the reason the conntrack event reader is (see {@link ThreadScheduling}).
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
    private volatile boolean master;
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
            try {
                IpvsTableDiff.Changes changes = diff.next(table.read(), services.get());
                failing = false;
                if (!changes.ended().isEmpty()) {
                    watcher.ended(changes.ended());
                }
                if (!changes.learned().isEmpty()) {
                    watcher.learned(changes.learned(), 0);
                }
            } catch (IOException e) {
                if (!failing) {
                    watcher.lost("reading " + IpvsBackend.TABLE + ": " + e.getMessage());
                }
                failing = true;
                diff.reset();
            }
            long cost = System.nanoTime() - started;
            LockSupport.parkNanos(this, interval(cost));
        }
    }

    /** How long to wait after a read that took {@code costNanos}. */
    static long interval(long costNanos) {
        return Math.max(MIN_INTERVAL_NANOS, Math.min(MAX_INTERVAL_NANOS, costNanos * COST_SHARE));
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
