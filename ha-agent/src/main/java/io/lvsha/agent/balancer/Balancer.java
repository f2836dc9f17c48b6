package io.lvsha.agent.balancer;

import io.lvsha.agent.director.ApplyReport;
import io.lvsha.agent.director.BackendException;
import io.lvsha.agent.director.DesiredState;
import io.lvsha.agent.director.DirectorBackend;
import io.lvsha.agent.director.PartialCommitException;
import io.lvsha.agent.director.RealServer;
import io.lvsha.agent.director.VirtualService;
import io.lvsha.agent.event.EventLog;
import io.lvsha.agent.health.HealthMonitor;
import io.lvsha.agent.health.ProbeResult;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import io.lvsha.state.sync.ConnectionRecord;

/**
 * Keeps the director's dataplane true to the configured services and the health of their real
 * servers: every health change and every reload becomes one reconcile of the backend, on one
 * worker thread of its own (the backends run processes; the HA loop never waits for them).
 */
public final class Balancer implements AutoCloseable {
    private static final long RETRY_SECONDS = 5;

    private final DirectorBackend backend;
    private final EventLog events;
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "director");
        thread.setDaemon(true);
        return thread;
    });
    /**
     * A takeover's commit after its GARP runs here: not on the HA loop, which goes on advertising
     * while a large table goes in (100 000 nftables flows: most of a second), and not behind a
     * reconcile on the worker.
     */
    private final ExecutorService commits = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "connection-commit");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicBoolean reconcileQueued = new AtomicBoolean();
    private volatile DesiredState configured;
    private volatile HealthMonitor monitor;
    private volatile DesiredState programmed = DesiredState.empty();
    private volatile String lastError;
    private final Set<String> emptyServices = new HashSet<>();
    private final java.util.concurrent.atomic.AtomicLong applies = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong failures = new java.util.concurrent.atomic.AtomicLong();
    private final RealServerControl operator;
    /** Null for a backend without connection state to replicate. */
    private final MasterExport export;
    private volatile java.util.function.BiConsumer<String, Boolean> serviceHealth = (service, down) -> { };

    /** Where the connections a master's backend exports go (the peer link). */
    @FunctionalInterface
    public interface Exported {
        /**
         * @param oldestEventRealtimeNanos when the dataplane's event reported the oldest of them (ns
         *     since the epoch), 0 for connections a read of the table found
         */
        void accept(List<ConnectionRecord> connections, long oldestEventRealtimeNanos);
    }

    /**
     * @param exported where the connections the backend exports go while this node is master (the
     *     peer link); used only by backends with a {@link DirectorBackend#connectionState()}
     * @param ended where the connections it reports ended go while this node is master
     * @param exportIntervalMillis how often the whole table is read: the only export of a
     *     dataplane without events, the repair pass of one with them
     * @param operator what the operator set on single real servers at run time
     */
    public Balancer(DirectorBackend backend, DesiredState configured, EventLog events,
                    Exported exported, Consumer<List<ConnectionRecord>> ended,
                    long exportIntervalMillis, RealServerControl operator) {
        this.backend = backend;
        this.operator = operator;
        this.configured = configured;
        this.events = events;
        this.monitor = new HealthMonitor(configured.services(), this::healthChanged);
        this.export = backend.connectionState() == null ? null : new MasterExport(backend.connectionState(), backend.name(),
                new ConnectionExport(backend.connectionState(), exported, ended), events, worker, exportIntervalMillis);
    }

    /** Programs the services (every real server in until its checks say otherwise) and starts checking. */
    public void start() {
        worker.execute(() -> operator.load(configured));
        requestReconcile();
        monitor.start();
        if (export != null) {
            export.start();
        }
    }

    /** @param listener told, on the balancer's thread, when a service has no real server left (true) and when it has again */
    public void onServiceHealth(java.util.function.BiConsumer<String, Boolean> listener) {
        this.serviceHealth = listener;
    }

    /** @see MasterExport#onPassedOn */
    public void onPassedOn(java.util.function.LongConsumer eventRealtimeNanos) {
        if (export != null) {
            export.onPassedOn(eventRealtimeNanos);
        }
    }

    /** Times the dataplane's notices were lost and the table read again, for the metrics. */
    public long connectionEventsLost() {
        return export == null ? 0 : export.eventsLost();
    }

    /**
     * Whether a takeover may commit after its GARP: the backend's commit works as master, and every
     * configured service schedules by a hash of the flow ({@link io.lvsha.agent.director.Scheduler#hashesFlows}).
     */
    public boolean commitsSafelyAfterGarp() {
        return backend.connectionState() != null && backend.connectionState().commitsAsMaster()
                && configured.everyServiceHashesFlows();
    }

    /** The thread a takeover's commit after the GARP runs on. */
    public java.util.concurrent.Executor commitThread() {
        return commits;
    }

    /** Installs replicated connections now, on the caller's thread (the takeover's, or {@link #commitThread}). */
    public int commitConnections(List<ConnectionRecord> connections) throws BackendException, PartialCommitException {
        return backend.connectionState() == null ? 0 : backend.connectionState().commit(connections);
    }

    /** The backend's kernel checks, read on the backend's own thread. */
    public java.util.concurrent.CompletableFuture<List<io.lvsha.agent.director.KernelCheck>> kernelChecks() {
        return java.util.concurrent.CompletableFuture.supplyAsync(backend::kernelChecks, worker);
    }

    public boolean replicatesConnections() {
        return export != null;
    }

    /** Takes a reloaded set of services: unchanged checks keep their health, the dataplane follows. */
    public void reconfigure(DesiredState services) {
        HealthMonitor previous = monitor;
        configured = services;
        worker.execute(() -> operator.reconfigured(services));
        previous.close();
        monitor = new HealthMonitor(services.services(), this::healthChanged, previous);
        monitor.start();
        requestReconcile();
    }

    /**
     * This node became master or backup: the backend switches what follows the role (the kernel's
     * sync daemon). Asynchronous: it runs after the takeover's VIPs and GARP, never before them.
     */
    public void mastershipChanged(boolean master) {
        if (export != null) {
            export.mastership(master);
        }
        worker.execute(() -> {
            try {
                backend.roleChanged(master);
            } catch (BackendException e) {
                events.emit("director-error", "switching to " + (master ? "master" : "backup") + ": " + e.getMessage(),
                        Map.of("backend", backend.name(), "error", e.getMessage()));
            }
        });
    }

    private void healthChanged(VirtualService service, RealServer server, boolean up, ProbeResult why) {
        events.emit(up ? "real-server-up" : "real-server-down", service.name() + ": " + server.endpoint() + " "
                        + (up ? "back in the pool" : "out of the pool" + (service.quiesce() ? " (quiesced: weight 0)" : ""))
                        + " (" + why.detail() + ")",
                Map.of("service", service.name(), "real_server", server.endpoint(), "check", why.detail()));
        requestReconcile();
    }

    private void requestReconcile() {
        if (reconcileQueued.compareAndSet(false, true)) {
            worker.execute(this::reconcile);
        }
    }

    /** One reconcile for any number of changes that arrived while the last one ran. */
    private void reconcile() {
        reconcileQueued.set(false);
        HealthMonitor health = monitor;
        DesiredState wanted = operator.current().applyTo(configured).withHealth(health::healthy);
        try {
            ApplyReport report = backend.apply(wanted);
            programmed = wanted;
            applies.incrementAndGet();
            if (lastError != null) {
                events.emit("director-recovered", "the " + backend.name() + " backend took the state", Map.of("backend", backend.name()));
                lastError = null;
            }
            if (report.changed()) {
                events.emit("director-applied", String.join("; ", report.changes()),
                        Map.of("backend", backend.name(), "changes", report.changes(), "commands", report.commands()));
            }
            reportEmptyServices(wanted);
        } catch (BackendException | RuntimeException e) {
            String error = String.valueOf(e.getMessage());
            failures.incrementAndGet();
            if (!error.equals(lastError)) {
                events.emit("director-error", error + " (retrying every " + RETRY_SECONDS + "s)",
                        Map.of("backend", backend.name(), "error", error));
            }
            lastError = error;
            worker.schedule(this::requestReconcile, RETRY_SECONDS, TimeUnit.SECONDS);
        }
    }

    /** A service with nothing to send new connections to is an event once, and again when it recovers. */
    private void reportEmptyServices(DesiredState wanted) {
        for (VirtualService service : wanted.services()) {
            boolean empty = service.realServers().stream().noneMatch(server -> server.weight() > 0);
            if (empty && emptyServices.add(service.name())) {
                serviceHealth.accept(service.name(), true);
                events.emit("service-down", service.name() + ": no real server takes new connections"
                        + (service.sorryServer() == null ? " (no sorry server configured)" : ""), Map.of("service", service.name()));
            } else if (!empty && emptyServices.remove(service.name())) {
                serviceHealth.accept(service.name(), false);
                events.emit("service-up", service.name() + ": real servers available again", Map.of("service", service.name()));
            }
        }
    }

    /**
     * Drains, disables or enables one real server for the operator (kept over reloads and
     * restarts, and told to the peer); answers once the dataplane took it, or with why it did not.
     */
    public java.util.concurrent.CompletableFuture<Map<String, Object>> setRealServer(String service, String address,
                                                                                     RealServerOverrides.Mode mode) {
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            Map<String, Object> reply = new java.util.LinkedHashMap<>(operator.set(configured, service, address, mode));
            reconcile();
            reply.put("programmed", lastError == null);
            if (lastError != null) {
                reply.put("backend_error", lastError);
            }
            return reply;
        }, worker);
    }

    /** The peer's real-server settings arrived (any thread). */
    public void onPeerRealServers(io.lvsha.state.peer.PeerFrame frame) {
        worker.execute(() -> {
            operator.fromPeer(frame, configured);
            requestReconcile();
        });
    }

    /** The peer link came up (any thread): the peer gets our real-server settings. */
    public void peerUp() {
        worker.execute(operator::peerUp);
    }

    /** Per service: its key, scheduler, and each real server's health, operator setting, weight as programmed and last check. */
    public List<Map<String, Object>> status() {
        return ServicesStatus.of(configured, programmed, monitor.status(), operator.current());
    }

    /** Reconciles that went through, for the metrics. */
    public long applies() {
        return applies.get();
    }

    /** Reconciles the dataplane refused, for the metrics. */
    public long failures() {
        return failures.get();
    }

    /** Real servers out of their pool (or quiesced) by their checks now, for the metrics. */
    public long realServersDown() {
        return monitor.status().stream().filter(row -> !Boolean.TRUE.equals(row.get("healthy"))).count();
    }

    public String backendName() {
        return backend.name();
    }

    public String lastError() {
        return lastError;
    }

    @Override
    public void close() {
        monitor.close();
        commits.shutdown();
        worker.shutdown();
        try {
            worker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        backend.close();
    }
}
