package io.lvsha.agent.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lvsha.agent.group.Versions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The admin protocol: one JSON request per line, {@code {"cmd": ..., "args": {...}}}, and one JSON
 * reply per line, {@code {"ok": true, ...}} or {@code {"ok": false, "error": {"code", "message"}}}.
 * Parses and checks a request, runs it on the agent, and formats the reply. Thread-safe.
 */
public final class AdminCommands {
    static final ObjectMapper JSON = new ObjectMapper();
    /** A command that takes longer than this gets a timeout error; the HA loop is never blocked by it. */
    static final long REPLY_TIMEOUT_SECONDS = 10;

    private final AgentControl agent;

    public AdminCommands(AgentControl agent) {
        this.agent = agent;
    }

    /** A parsed request; {@link #follow()} asks the server to stream events after the reply. */
    record Request(AdminCommand command, JsonNode args) {
        boolean follow() {
            return command == AdminCommand.EVENTS && args.path("follow").asBoolean(false);
        }
    }

    /** @throws AdminException with code bad-json or unknown-command */
    static Request parse(String line) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new AdminException("bad-json", "not a JSON object: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new AdminException("bad-json", "a request is a JSON object such as {\"cmd\": \"status\"}");
        }
        JsonNode cmd = node.get("cmd");
        if (cmd == null || !cmd.isTextual()) {
            throw new AdminException("bad-json", "\"cmd\" is missing or not a string");
        }
        AdminCommand command;
        try {
            command = AdminCommand.named(cmd.asText());
        } catch (IllegalArgumentException unknown) {
            throw new AdminException("unknown-command", unknown.getMessage() + "; known: "
                    + java.util.Arrays.stream(AdminCommand.values()).map(AdminCommand::word).toList());
        }
        JsonNode args = node.path("args");
        if (!args.isMissingNode() && !args.isObject()) {
            throw new AdminException("bad-argument", "\"args\" must be an object");
        }
        return new Request(command, args.isMissingNode() ? JSON.createObjectNode() : args);
    }

    /**
     * Runs a request; the future always completes with a reply line (never exceptionally).
     *
     * @param replyThread where the reply is encoded: most commands complete on the HA loop, and
     *     encoding there (a status's first encoding loads Jackson's serializers, tens of ms) would
     *     hold the loop's timers up
     */
    CompletableFuture<String> execute(Request request, Executor replyThread) {
        agent.metrics().adminRequest();
        CompletableFuture<Map<String, Object>> work;
        try {
            work = dispatch(request.command(), request.args());
        } catch (AdminException e) {
            return CompletableFuture.completedFuture(error(e.code(), e.getMessage()));
        }
        return work.orTimeout(REPLY_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                .handleAsync((fields, thrown) -> thrown == null ? ok(fields) : failure(thrown), replyThread);
    }

    private CompletableFuture<Map<String, Object>> dispatch(AdminCommand command, JsonNode args) {
        return switch (command) {
            case HELLO -> CompletableFuture.completedFuture(Map.of("protocol", Versions.ADMIN_PROTOCOL,
                    "agent", Versions.AGENT, "node", agent.node()));
            case STATUS -> agent.status();
            case SWITCHOVER -> agent.switchover(group(args), seconds(args, "hold", agent.defaultSwitchoverHoldNanos()));
            case RESUME -> agent.resume(group(args));
            case MAINTENANCE -> agent.maintenance(group(args), onOff(args));
            case PRIORITY -> agent.priority(group(args), priority(args));
            case RELOAD -> agent.reload();
            case EVENTS -> CompletableFuture.completedFuture(events(args));
            case METRICS -> CompletableFuture.completedFuture(agent.metrics().snapshot());
            case GARP -> agent.announce(group(args));
            case CONNECTIONS -> agent.connections(group(args), client(args), limit(args));
            case REAL_SERVER -> agent.realServer(text(args, "service"), text(args, "address"), mode(args));
            case DOCTOR -> agent.doctor();
        };
    }

    private Map<String, Object> events(JsonNode args) {
        int last = args.path("last").isMissingNode() ? 20 : args.path("last").asInt(-1);
        if (last < 0 || last > io.lvsha.agent.event.EventLog.RECENT) {
            throw new AdminException("bad-argument", "\"last\" is 0.." + io.lvsha.agent.event.EventLog.RECENT);
        }
        agent.events().awaitWritten();
        List<JsonNode> events = agent.events().recent(last).stream().map(AdminCommands::tree).toList();
        return Map.of("events", events);
    }

    private static JsonNode tree(String line) {
        try {
            return JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long seconds(JsonNode args, String name, long defaultNanos) {
        JsonNode value = args.get(name);
        if (value == null) {
            return defaultNanos;
        }
        if (!value.isNumber() || value.asDouble() < 0 || value.asDouble() > 86_400) {
            throw new AdminException("bad-argument", "\"" + name + "\" is a number of seconds, 0..86400");
        }
        return (long) (value.asDouble() * 1e9);
    }

    /** Replies stay well below the socket's line limit: an entry is about 170 bytes. */
    static final int MAX_CONNECTIONS_SHOWN = 10_000;

    private static io.lvsha.vrrp.IpAddress client(JsonNode args) {
        JsonNode client = args.get("client");
        if (client == null) {
            return null;
        }
        try {
            return io.lvsha.vrrp.IpAddress.parse(client.asText());
        } catch (IllegalArgumentException e) {
            throw new AdminException("bad-argument", "\"client\" is an IPv4 or IPv6 address, not '" + client.asText() + "'");
        }
    }

    private static int limit(JsonNode args) {
        JsonNode limit = args.get("limit");
        if (limit == null) {
            return 100;
        }
        if (!limit.canConvertToInt() || limit.asInt() < 0 || limit.asInt() > MAX_CONNECTIONS_SHOWN) {
            throw new AdminException("bad-argument", "\"limit\" is a whole number, 0.." + MAX_CONNECTIONS_SHOWN);
        }
        return limit.asInt();
    }

    /** The group a command is for, or null (the only one, or all). */
    private static String group(JsonNode args) {
        JsonNode group = args.get("group");
        if (group != null && (!group.isTextual() || group.asText().isBlank())) {
            throw new AdminException("bad-argument", "\"group\" is a group's name");
        }
        return group == null ? null : group.asText();
    }

    private static String text(JsonNode args, String name) {
        JsonNode value = args.get(name);
        if (value == null || !value.isTextual() || value.asText().isBlank()) {
            throw new AdminException("bad-argument", "real-server takes {\"action\": \"drain\"|\"disable\"|\"enable\","
                    + " \"service\": NAME, \"address\": ADDRESS}; \"" + name + "\" is missing");
        }
        return value.asText();
    }

    private static io.lvsha.agent.balancer.RealServerOverrides.Mode mode(JsonNode args) {
        try {
            return io.lvsha.agent.balancer.RealServerOverrides.Mode.named(args.path("action").asText(""));
        } catch (IllegalArgumentException e) {
            throw new AdminException("bad-argument", e.getMessage());
        }
    }

    private static boolean onOff(JsonNode args) {
        String state = args.path("state").asText("");
        if (!state.equals("on") && !state.equals("off")) {
            throw new AdminException("bad-argument", "maintenance takes {\"state\": \"on\"} or {\"state\": \"off\"}");
        }
        return state.equals("on");
    }

    private static Integer priority(JsonNode args) {
        String action = args.path("action").asText("");
        if (action.equals("reset")) {
            return null;
        }
        JsonNode value = args.get("value");
        if (!action.equals("set") || value == null || !value.isInt() || value.asInt() < 1 || value.asInt() > 254) {
            throw new AdminException("bad-argument",
                    "priority takes {\"action\": \"set\", \"value\": 1..254} or {\"action\": \"reset\"}");
        }
        return value.asInt();
    }

    void follow(java.util.function.Consumer<String> follower) {
        agent.events().follow(follower);
    }

    void unfollow(java.util.function.Consumer<String> follower) {
        agent.events().unfollow(follower);
    }

    static String ok(Map<String, Object> fields) {
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("ok", true);
        reply.putAll(fields);
        return write(reply);
    }

    static String error(String code, String message) {
        return write(Map.of("ok", false, "error", Map.of("code", code, "message", message)));
    }

    private static String failure(Throwable thrown) {
        Throwable cause = thrown instanceof CompletionException && thrown.getCause() != null ? thrown.getCause() : thrown;
        if (cause instanceof AdminException admin) {
            return error(admin.code(), admin.getMessage());
        }
        if (cause instanceof IllegalStateException) {
            return error("refused", cause.getMessage());
        }
        if (cause instanceof IllegalArgumentException) {
            return error("bad-argument", cause.getMessage());
        }
        if (cause instanceof TimeoutException) {
            return error("timeout", "no answer within " + REPLY_TIMEOUT_SECONDS + " s; the command may still complete");
        }
        return error("internal", cause.toString());
    }

    private static String write(Map<String, Object> reply) {
        try {
            return JSON.writeValueAsString(reply);
        } catch (JsonProcessingException e) {
            return "{\"ok\":false,\"error\":{\"code\":\"internal\",\"message\":\"reply not encodable\"}}";
        }
    }
}
