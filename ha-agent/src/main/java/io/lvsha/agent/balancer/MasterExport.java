package io.lvsha.agent.balancer;

import io.lvsha.agent.director.BackendException;
import io.lvsha.agent.director.ConnectionState;
import io.lvsha.agent.event.EventLog;
import io.lvsha.state.sync.ConnectionRecord;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * While this node is master, the backend's connections go to the peer: as the dataplane's own
 * events report them, and from a read of the whole table every export interval (the only export
 * of a dataplane without events, the repair pass of one with them, and at once when events were
 * lost). Runs on the balancer's worker, the events on the backend's thread.
 */
final class MasterExport {
    private static final long LOSS_REPORT_NANOS = 10_000_000_000L;

    private final ConnectionState state;
    private final String backendName;
    private final ConnectionExport export;
    private final EventLog events;
    private final ScheduledExecutorService worker;
    private final long exportIntervalMillis;
    private volatile boolean master;
    private final AtomicLong eventsLost = new AtomicLong();
    private final AtomicBoolean repairQueued = new AtomicBoolean();
    private volatile LongConsumer passedOn = eventRealtimeNanos -> { };
    /** Only the events' thread writes it. */
    private volatile long lastLossReported;

    MasterExport(ConnectionState state, String backendName, ConnectionExport export, EventLog events,
                 ScheduledExecutorService worker, long exportIntervalMillis) {
        this.state = state;
        this.backendName = backendName;
        this.export = export;
        this.events = events;
        this.worker = worker;
        this.exportIntervalMillis = exportIntervalMillis;
    }

    void start() {
        // One dump at start, discarded: the first process start and parse in this JVM are slow,
        // and the first commit must not pay for them in the middle of a takeover.
        worker.execute(this::warmUp);
        worker.execute(this::watch);
        worker.scheduleWithFixedDelay(this::exportIfMaster, exportIntervalMillis, exportIntervalMillis, TimeUnit.MILLISECONDS);
    }

    void mastership(boolean isMaster) {
        master = isMaster;
    }

    /**
     * @param eventRealtimeNanos told, for each batch of flows the dataplane's events brought while
     *     master, as soon as it went to the peer link, when the kernel raised its oldest event (ns
     *     since the epoch; only where the kernel stamps its events: {@code net.netfilter.nf_conntrack_timestamp=1})
     */
    void onPassedOn(LongConsumer eventRealtimeNanos) {
        this.passedOn = eventRealtimeNanos;
    }

    /** Times the dataplane's notices were lost and the table read again. */
    long eventsLost() {
        return eventsLost.get();
    }

    private void warmUp() {
        try {
            state.export();
            state.prepareCommit();
        } catch (BackendException | RuntimeException e) {
            events.emit("director-error", "reading connections: " + e.getMessage(), Map.of("backend", backendName,
                    "error", String.valueOf(e.getMessage())));
        }
    }

    /** Subscribes to the dataplane's own notice of flows, where it has one. */
    private void watch() {
        try {
            state.watch(new ConnectionState.Watcher() {
                @Override
                public void learned(List<ConnectionRecord> connections, long oldestEventRealtimeNanos) {
                    if (master) {
                        export.learned(connections, oldestEventRealtimeNanos);
                        if (oldestEventRealtimeNanos > 0) {
                            passedOn.accept(oldestEventRealtimeNanos);
                        }
                    }
                }

                @Override
                public void ended(List<ConnectionRecord> connections) {
                    if (master) {
                        export.ended(connections);
                    }
                }

                @Override
                public void lost(String why) {
                    noticesLost(why);
                }
            });
        } catch (BackendException | RuntimeException e) {
            events.emit("director-error", "watching connections (the export falls back to reading the table every "
                    + exportIntervalMillis + " ms): " + e.getMessage(), Map.of("backend", backendName,
                    "error", String.valueOf(e.getMessage())));
        }
    }

    /**
     * Notices were lost: the table is read at once. One event per loss episode, however many
     * overruns a burst causes (the count is in the metrics).
     */
    private void noticesLost(String why) {
        long now = System.nanoTime();
        long losses = eventsLost.incrementAndGet();
        if (now - lastLossReported > LOSS_REPORT_NANOS || losses == 1) {
            lastLossReported = now;
            events.emit("connection-events-lost", why + "; reading the whole table now (" + losses + " losses so far)",
                    Map.of("backend", backendName, "losses", losses));
        }
        if (repairQueued.compareAndSet(false, true)) {
            worker.execute(() -> {
                repairQueued.set(false);
                exportIfMaster();
            });
        }
    }

    private void exportIfMaster() {
        if (!master) {
            return;
        }
        try {
            export.run();
        } catch (BackendException | RuntimeException e) {
            events.emit("director-error", "exporting connections: " + e.getMessage(), Map.of("backend", backendName,
                    "error", String.valueOf(e.getMessage())));
        }
    }

}
