package io.lvsha.agent.health;

import io.lvsha.agent.director.CheckSpec;
import io.lvsha.agent.director.RealServer;
import io.lvsha.agent.director.VirtualService;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Checks every real server of every service that has a check, on one event-loop thread, and
 * reports each move in or out of the pool. Runs on both directors, so that the standby's pool is
 * ready when it takes over.
 */
public final class HealthMonitor implements AutoCloseable {

    /** Told on the monitor's thread when a real server moves in or out of the pool. */
    @FunctionalInterface
    public interface Listener {
        void changed(VirtualService service, RealServer server, boolean up, ProbeResult why);
    }

    private enum State { LATENT, STARTED, CLOSED }

    private static final class Target {
        final VirtualService service;
        final RealServer server;
        final HealthPolicy policy;
        final int port;
        volatile boolean up = true;
        volatile ProbeResult last;

        Target(VirtualService service, RealServer server, Target before) {
            this.service = service;
            this.server = server;
            CheckSpec check = service.check();
            this.port = check.port() != 0 ? check.port() : server.port() != 0 ? server.port() : check.type().usualPort();
            boolean sameCheck = before != null && before.service.check().equals(check) && before.port == port;
            this.policy = sameCheck ? before.policy : new HealthPolicy(check);
            if (sameCheck) {
                up = before.up;
                last = before.last;
            }
        }
    }

    private final AtomicReference<State> state = new AtomicReference<>(State.LATENT);
    private final Map<String, Target> targets = new LinkedHashMap<>();
    private final Listener listener;
    private EventLoopGroup group;
    private Probes probes;

    public HealthMonitor(List<VirtualService> services, Listener listener) {
        this(services, listener, null);
    }

    /**
     * A monitor for reloaded services: a real server whose check did not change keeps its health
     * and its run of results from {@code previous}, so that a reload never puts a failed server
     * back into its pool (nor takes a healthy one out).
     */
    public HealthMonitor(List<VirtualService> services, Listener listener, HealthMonitor previous) {
        this.listener = listener;
        for (VirtualService service : services) {
            if (service.check() == null) {
                continue;
            }
            for (RealServer server : service.realServers()) {
                String key = key(service, server);
                targets.put(key, new Target(service, server, previous == null ? null : previous.targets.get(key)));
            }
        }
    }

    public void start() {
        if (!state.compareAndSet(State.LATENT, State.STARTED)) {
            throw new IllegalStateException("Cannot be started more than once");
        }
        if (targets.isEmpty()) {
            return;
        }
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        probes = new Probes(group);
        for (Target target : targets.values()) {
            // Spread the first probes over one interval so that a thousand checks do not fire at once.
            long first = ThreadLocalRandom.current().nextLong(Math.max(1, target.service.check().intervalNanos()));
            group.schedule(() -> probe(target), first, TimeUnit.NANOSECONDS);
        }
    }

    private void probe(Target target) {
        if (state.get() != State.STARTED) {
            return;
        }
        long startedAt = System.nanoTime();
        CheckSpec check = target.service.check();
        probes.probe(check, target.server.address(), target.port).whenComplete((result, error) -> {
            ProbeResult outcome = error != null ? ProbeResult.failed(String.valueOf(error.getMessage())) : result;
            group.execute(() -> {
                if (state.get() != State.STARTED) {
                    return; // closed (a reload handed the policy to the next monitor): no more records
                }
                target.last = outcome;
                if (target.policy.record(outcome, System.nanoTime())) {
                    target.up = target.policy.up();
                    listener.changed(target.service, target.server, target.up, outcome);
                }
                long next = Math.max(0, check.intervalNanos() - (System.nanoTime() - startedAt));
                group.schedule(() -> probe(target), next, TimeUnit.NANOSECONDS);
            });
        });
    }

    /** Whether the server passes its service's checks; a server without a check always does. */
    public boolean healthy(VirtualService service, RealServer server) {
        Target target = targets.get(key(service, server));
        return target == null || target.up;
    }

    /** Per checked real server: its service, endpoint, health and the last probe's result. */
    public List<Map<String, Object>> status() {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Target target : targets.values()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("service", target.service.name());
            row.put("real_server", target.server.endpoint());
            row.put("healthy", target.up);
            ProbeResult last = target.last;
            row.put("last_check", last == null ? "none yet" : (last.ok() ? "ok: " : "failed: ") + last.detail());
            rows.add(row);
        }
        return rows;
    }

    @Override
    public void close() {
        if (state.getAndSet(State.CLOSED) == State.STARTED && group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    private static String key(VirtualService service, RealServer server) {
        return service.name() + "|" + server.endpoint();
    }
}
