package io.lvsha.agent.group;

import io.lvsha.agent.admin.AdminException;
import io.lvsha.agent.admin.AgentControl;
import io.lvsha.agent.balancer.Balancer;
import io.lvsha.agent.config.AgentConfig;
import io.lvsha.agent.config.ConfigException;
import io.lvsha.agent.config.ConfigLoader;
import io.lvsha.agent.director.KernelCheck;
import io.lvsha.agent.director.ServedConnections;
import io.lvsha.agent.event.EventLog;
import io.lvsha.agent.metrics.AgentMetrics;
import io.lvsha.arp.ThreadScheduling;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The agent's admin commands: each is carried out on the HA loop (the group's state is the
 * loop's alone) and answers through a future, so the socket's threads never touch it.
 */
final class AgentCommands implements AgentControl {
    private final HaAgent agent;

    AgentCommands(HaAgent agent) {
        this.agent = agent;
    }

    /** Runs {@code operation} on the HA loop; the future completes with its result or its exception. */
    private CompletableFuture<Map<String, Object>> onLoop(Function<GroupController, Map<String, Object>> operation) {
        return onLoopLater(controller -> CompletableFuture.completedFuture(operation.apply(controller)));
    }

    /** As {@link #onLoop}, for an operation that answers later (a make-before-break switchover). */
    private CompletableFuture<Map<String, Object>> onLoopLater(
            Function<GroupController, CompletableFuture<Map<String, Object>>> operation) {
        CompletableFuture<Map<String, Object>> reply = new CompletableFuture<>();
        try {
            agent.loop().execute(() -> {
                try {
                    operation.apply(agent.controller()).whenComplete((result, error) -> {
                        if (error != null) {
                            reply.completeExceptionally(error);
                        } else {
                            reply.complete(result);
                        }
                    });
                } catch (RuntimeException e) {
                    reply.completeExceptionally(e);
                }
            });
        } catch (RuntimeException e) {
            reply.completeExceptionally(e);
        }
        return reply;
    }

    @Override
    public String node() {
        return agent.config().node();
    }

    @Override
    public CompletableFuture<Map<String, Object>> status() {
        Balancer director = agent.balancer();
        AgentConfig config = agent.config();
        return onLoop(c -> StatusReport.of(c, config, System.nanoTime())).thenApply(status -> {
            if (director != null) {
                status.put("backend", director.backendName());
                if (director.lastError() != null) {
                    status.put("backend_error", director.lastError());
                }
                status.put("services", director.status());
            }
            return status;
        });
    }

    @Override
    public CompletableFuture<Map<String, Object>> switchover(long holdNanos) {
        return onLoopLater(controller -> controller.switchover(holdNanos));
    }

    @Override
    public CompletableFuture<Map<String, Object>> resume() {
        return onLoop(GroupController::resume);
    }

    @Override
    public CompletableFuture<Map<String, Object>> maintenance(boolean on) {
        return onLoop(c -> c.maintenance(on));
    }

    @Override
    public CompletableFuture<Map<String, Object>> priority(Integer priority) {
        return onLoop(c -> c.setPriority(priority));
    }

    @Override
    public CompletableFuture<Map<String, Object>> connections(io.lvsha.vrrp.IpAddress client, int limit) {
        return onLoop(c -> StatusReport.connections(c, client, limit));
    }

    @Override
    public CompletableFuture<Map<String, Object>> realServer(String service, String address,
                                                             io.lvsha.agent.balancer.RealServerOverrides.Mode mode) {
        Balancer balancer = agent.balancer();
        if (balancer == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("this agent runs no director (no services configured)"));
        }
        return balancer.setRealServer(service, address, mode);
    }

    @Override
    public CompletableFuture<Map<String, Object>> doctor() {
        List<KernelCheck> checks = new ArrayList<>();
        List<String> refused = ThreadScheduling.refused();
        checks.add(new KernelCheck("real-time scheduling (SCHED_FIFO)",
                refused.isEmpty() ? "granted" : "refused for " + refused.size() + " thread(s): " + String.join("; ", refused),
                refused.isEmpty() ? null : "grant the agent CAP_SYS_NICE (deploy/systemd/ha-agent.service does): at normal"
                + " priority adverts and replicated flows wait for a CPU behind the director's load"));
        Balancer balancer = agent.balancer();
        CompletableFuture<List<KernelCheck>> backend = balancer == null
                ? CompletableFuture.completedFuture(List.of()) : balancer.kernelChecks();
        return backend.thenApply(kernel -> {
            checks.addAll(kernel);
            List<Map<String, Object>> rows = new ArrayList<>();
            for (KernelCheck check : checks) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("setting", check.setting());
                row.put("value", check.value());
                row.put("ok", check.ok());
                if (!check.ok()) {
                    row.put("advice", check.advice());
                }
                rows.add(row);
            }
            return Map.of("checks", rows, "advised", checks.stream().filter(check -> !check.ok()).count());
        });
    }

    @Override
    public CompletableFuture<Map<String, Object>> announce() {
        return onLoop(GroupController::announceNow);
    }

    /**
     * Re-reads the configuration file. Priority, tracked interfaces and the GARP schedule take
     * effect at once; roles, VIPs and maintenance are not touched. Anything else (VRID, version,
     * interval, channels, VIPs, ...) would need both directors to change together, so it is
     * refused, and the running configuration kept, with the fields named.
     */
    @Override
    public CompletableFuture<Map<String, Object>> reload() {
        AgentConfig config = agent.config();
        EventLog events = agent.events();
        AgentConfig fresh;
        try {
            fresh = ConfigLoader.load(config.source());
        } catch (ConfigException e) {
            events.emit("reload-refused", "the file has errors; the running configuration is kept",
                    Map.of("problems", e.problems()));
            return CompletableFuture.failedFuture(new AdminException("bad-config",
                    "the running configuration is kept: " + String.join("; ", e.problems())));
        }
        List<String> needRestart = ReloadCheck.fieldsNeedingRestart(config, fresh);
        if (!needRestart.isEmpty()) {
            events.emit("reload-refused", "changed fields need a restart: " + needRestart,
                    Map.of("fields", needRestart));
            return CompletableFuture.failedFuture(new AdminException("needs-restart",
                    "the running configuration is kept: " + needRestart + " changed, which needs a restart of"
                            + " both directors (a reload never changes what the peers must agree on)"));
        }
        AgentConfig accepted = fresh;
        if (!accepted.group().track().equals(config.group().track())) {
            agent.trackWith(accepted.group().track()); // here, not on the HA loop: see trackWith
        }
        return onLoop(c -> {
            Map<String, Object> result = c.reload(accepted.group().priority(), accepted.group().track(), accepted.garp());
            agent.configure(accepted);
            agent.hooks().replace(List.of(accepted.group().hooks(), accepted.hooks()));
            Balancer balancer = agent.balancer();
            if (balancer != null && accepted.director() != null) {
                balancer.reconfigure(accepted.director().desired());
                c.peers().admit(new ServedConnections(accepted.director().desired()), accepted.director().maxConnections());
            }
            events.emit("config-reloaded", accepted.source().toString(), Map.of("file", accepted.source().toString()));
            return result;
        });
    }

    @Override
    public long defaultSwitchoverHoldNanos() {
        return agent.config().admin().switchoverHoldNanos();
    }

    @Override
    public EventLog events() {
        return agent.events();
    }

    @Override
    public AgentMetrics metrics() {
        return agent.metrics();
    }
}
