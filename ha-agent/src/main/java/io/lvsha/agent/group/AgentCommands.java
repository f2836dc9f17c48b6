package io.lvsha.agent.group;

import io.lvsha.agent.admin.AdminException;
import io.lvsha.agent.admin.AgentControl;
import io.lvsha.agent.balancer.Balancer;
import io.lvsha.agent.config.AgentConfig;
import io.lvsha.agent.config.ConfigException;
import io.lvsha.agent.config.ConfigLoader;
import io.lvsha.agent.director.KernelCheck;
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

    /** Runs {@code operation} on the HA loop for the first group; the future completes with its result or its exception. */
    private CompletableFuture<Map<String, Object>> onLoop(Function<GroupController, Map<String, Object>> operation) {
        return onLoopLater(controller -> CompletableFuture.completedFuture(operation.apply(controller)), agent.controller());
    }

    /**
     * Runs {@code operation} for the group named {@code group}, or for every group when it is null:
     * the reply of an agent's only group or of the named one, with "group"; for several, each
     * group's reply (or why it refused) under "groups".
     *
     * @throws IllegalArgumentException naming the groups there are, for a name that is none of them
     */
    private CompletableFuture<Map<String, Object>> forGroups(String group,
            Function<GroupController, CompletableFuture<Map<String, Object>>> operation) {
        List<RunningGroup> chosen = agent.groups();
        if (group != null) {
            chosen = chosen.stream().filter(running -> running.name().equals(group)).toList();
            if (chosen.isEmpty()) {
                return CompletableFuture.failedFuture(new IllegalArgumentException("no group '" + group + "'; the groups are "
                        + agent.groups().stream().map(RunningGroup::name).toList()));
            }
        }
        if (chosen.size() == 1) {
            String name = chosen.get(0).name();
            return onLoopLater(operation, chosen.get(0).controller()).thenApply(reply -> withGroup(name, reply));
        }
        Map<String, CompletableFuture<Map<String, Object>>> replies = new LinkedHashMap<>();
        for (RunningGroup running : chosen) {
            replies.put(running.name(), onLoopLater(operation, running.controller()).handle((reply, error) -> reply != null
                    ? reply : Map.of("refused", String.valueOf((error.getCause() == null ? error : error.getCause()).getMessage()))));
        }
        return CompletableFuture.allOf(replies.values().toArray(CompletableFuture[]::new)).thenApply(done -> {
            Map<String, Object> each = new LinkedHashMap<>();
            replies.forEach((name, reply) -> each.put(name, reply.join()));
            return Map.of("groups", each);
        });
    }

    private static Map<String, Object> withGroup(String name, Map<String, Object> reply) {
        Map<String, Object> named = new LinkedHashMap<>();
        named.put("group", name);
        named.putAll(reply);
        return named;
    }

    /** Runs {@code operation} for {@code controller} on the HA loop; for one that answers later (a make-before-break switchover). */
    private CompletableFuture<Map<String, Object>> onLoopLater(
            Function<GroupController, CompletableFuture<Map<String, Object>>> operation, GroupController controller) {
        CompletableFuture<Map<String, Object>> reply = new CompletableFuture<>();
        try {
            agent.loop().execute(() -> {
                try {
                    operation.apply(controller).whenComplete((result, error) -> {
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
        List<RunningGroup> groups = agent.groups();
        // The director's part is read here, on the socket's thread (the balancer's fields are its
        // own and safe to read from any thread): the HA loop only gathers the groups' state.
        Map<String, Object> directorStatus = new LinkedHashMap<>();
        if (director != null) {
            directorStatus.put("backend", director.backendName());
            if (director.lastError() != null) {
                directorStatus.put("backend_error", director.lastError());
            }
            directorStatus.put("services", director.status());
        }
        return onLoop(c -> {
            Map<String, Object> status = StatusReport.of(groups, config, System.nanoTime());
            status.putAll(directorStatus);
            return status;
        });
    }

    @Override
    public CompletableFuture<Map<String, Object>> switchover(String group, long holdNanos) {
        return forGroups(group, controller -> controller.switchover(holdNanos));
    }

    @Override
    public CompletableFuture<Map<String, Object>> resume(String group) {
        return forGroups(group, c -> CompletableFuture.completedFuture(c.resume()));
    }

    @Override
    public CompletableFuture<Map<String, Object>> maintenance(String group, boolean on) {
        return forGroups(group, c -> CompletableFuture.completedFuture(c.maintenance(on)));
    }

    @Override
    public CompletableFuture<Map<String, Object>> priority(String group, Integer priority) {
        return forGroups(group, c -> CompletableFuture.completedFuture(c.setPriority(priority)));
    }

    @Override
    public CompletableFuture<Map<String, Object>> connections(String group, io.lvsha.vrrp.IpAddress client, int limit) {
        return forGroups(group, c -> CompletableFuture.completedFuture(StatusReport.connections(c, client, limit)));
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
    public CompletableFuture<Map<String, Object>> announce(String group) {
        return forGroups(group, c -> CompletableFuture.completedFuture(c.announceNow()));
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
        for (RunningGroup group : agent.groups()) {
            if (!accepted.group(group.name()).track().equals(config.group(group.name()).track())) {
                group.trackWith(accepted.group(group.name()).track(), agent.loop()); // here, not on the HA loop: see trackWith
            }
        }
        return onLoop(first -> {
            Map<String, Object> result = new LinkedHashMap<>();
            for (RunningGroup group : agent.groups()) {
                AgentConfig.Group settings = accepted.group(group.name());
                Map<String, Object> reloaded = group.controller().reload(settings.priority(), settings.track(), accepted.garp());
                if (agent.groups().size() == 1) {
                    result.putAll(reloaded);
                } else {
                    result.put(group.name(), reloaded);
                }
                group.hooks().replace(List.of(settings.hooks(), accepted.hooks()));
            }
            agent.configure(accepted);
            Balancer balancer = agent.balancer();
            if (balancer != null && accepted.director() != null) {
                balancer.reconfigure(accepted.director().desired());
                agent.replication().reconfigure(accepted);
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
