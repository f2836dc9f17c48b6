package io.lvsha.agent.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lvsha.agent.event.EventLog;
import io.lvsha.agent.metrics.AgentMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The admin protocol without an agent or root: requests parsed, dispatched to a recording agent, replies and errors. */
class AdminCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Records what it was asked; answers each call with its name. */
    private static class RecordingAgent implements AgentControl {
        final List<String> calls = new ArrayList<>();

        private CompletableFuture<Map<String, Object>> answer(String call) {
            calls.add(call);
            return CompletableFuture.completedFuture(Map.of("did", call));
        }

        @Override
        public String node() {
            return "d1";
        }

        @Override
        public CompletableFuture<Map<String, Object>> status() {
            return answer("status");
        }

        @Override
        public CompletableFuture<Map<String, Object>> switchover(String group, long holdNanos) {
            return answer("switchover " + group + " " + holdNanos);
        }

        @Override
        public CompletableFuture<Map<String, Object>> resume(String group) {
            return answer("resume");
        }

        @Override
        public CompletableFuture<Map<String, Object>> maintenance(String group, boolean on) {
            return answer("maintenance " + group + " " + on);
        }

        @Override
        public CompletableFuture<Map<String, Object>> priority(String group, Integer priority) {
            return answer("priority " + priority);
        }

        @Override
        public CompletableFuture<Map<String, Object>> reload() {
            return answer("reload");
        }

        @Override
        public CompletableFuture<Map<String, Object>> announce(String group) {
            return answer("garp");
        }

        @Override
        public CompletableFuture<Map<String, Object>> connections(String group, io.lvsha.vrrp.IpAddress client, int limit) {
            return answer("connections " + client + " " + limit);
        }

        @Override
        public CompletableFuture<Map<String, Object>> realServer(String service, String address,
                                                                 io.lvsha.agent.balancer.RealServerOverrides.Mode mode) {
            return answer("real-server " + mode.word() + " " + service + " " + address);
        }

        @Override
        public CompletableFuture<Map<String, Object>> doctor() {
            return answer("doctor");
        }

        @Override
        public long defaultSwitchoverHoldNanos() {
            return 60_000_000_000L;
        }

        @Override
        public EventLog events() {
            throw new AssertionError("not asked in these tests");
        }

        @Override
        public AgentMetrics metrics() {
            return METRICS;
        }
    }

    private static final AgentMetrics METRICS = new AgentMetrics();
    private final RecordingAgent agent = new RecordingAgent();
    private final AdminCommands commands = new AdminCommands(agent);

    private JsonNode reply(String line) throws Exception {
        return JSON.readTree(commands.execute(AdminCommands.parse(line), Runnable::run).get());
    }

    @Test
    void aReplyIsEncodedOnTheReplyThreadNotOnTheThreadThatCompletedTheWork() throws Exception {
        CompletableFuture<Map<String, Object>> onLoop = new CompletableFuture<>();
        AgentControl loopAgent = new RecordingAgent() {
            @Override
            public CompletableFuture<Map<String, Object>> status() {
                return onLoop;
            }
        };
        List<String> encodedOn = new ArrayList<>();
        java.util.concurrent.Executor replyThread = task -> {
            encodedOn.add(Thread.currentThread().getName());
            task.run();
        };
        CompletableFuture<String> reply = new AdminCommands(loopAgent).execute(AdminCommands.parse("{\"cmd\":\"status\"}"), replyThread);
        Thread loop = new Thread(() -> onLoop.complete(Map.of("role", "MASTER")), "ha-loop");
        loop.start();
        loop.join();
        assertEquals("MASTER", JSON.readTree(reply.get()).path("role").asText());
        assertEquals(1, encodedOn.size(), "the reply went through the reply thread");
    }

    @Test
    void eachCommandReachesItsCallWithItsArguments() throws Exception {
        assertEquals("switchover null 120000000000", reply("{\"cmd\":\"switchover\",\"args\":{\"hold\":120}}").path("did").asText());
        assertEquals("switchover null 60000000000", reply("{\"cmd\":\"switchover\"}").path("did").asText(), "the configured hold");
        assertEquals("switchover tftp-b 60000000000", reply("{\"cmd\":\"switchover\",\"args\":{\"group\":\"tftp-b\"}}").path("did").asText());
        assertEquals("maintenance null true", reply("{\"cmd\":\"maintenance\",\"args\":{\"state\":\"on\"}}").path("did").asText());
        assertEquals("priority 120", reply("{\"cmd\":\"priority\",\"args\":{\"action\":\"set\",\"value\":120}}").path("did").asText());
        assertEquals("priority null", reply("{\"cmd\":\"priority\",\"args\":{\"action\":\"reset\"}}").path("did").asText());
        assertEquals("connections 10.0.0.5 10",
                reply("{\"cmd\":\"connections\",\"args\":{\"client\":\"10.0.0.5\",\"limit\":10}}").path("did").asText());
        assertEquals("doctor", reply("{\"cmd\":\"doctor\"}").path("did").asText());
        assertEquals("real-server drain tftp 10.0.0.21", reply("{\"cmd\":\"real-server\",\"args\":{\"action\":\"drain\","
                + "\"service\":\"tftp\",\"address\":\"10.0.0.21\"}}").path("did").asText());
        JsonNode hello = reply("{\"cmd\":\"hello\"}");
        assertTrue(hello.path("ok").asBoolean());
        assertEquals("d1", hello.path("node").asText());
    }

    @Test
    void everyCommandOfTheTableIsServed() {
        for (AdminCommand command : AdminCommand.values()) {
            AdminCommands.Request request = AdminCommands.parse("{\"cmd\":\"" + command.word() + "\"}");
            assertEquals(command, request.command());
        }
        assertTrue(AdminCommands.parse("{\"cmd\":\"events\",\"args\":{\"follow\":true}}").follow());
        assertFalse(AdminCommands.parse("{\"cmd\":\"status\",\"args\":{\"follow\":true}}").follow());
    }

    @Test
    void badRequestsGetTheirCodeAndReachNothing() throws Exception {
        AdminException unknown = assertThrows(AdminException.class, () -> AdminCommands.parse("{\"cmd\":\"explode\"}"));
        assertEquals("unknown-command", unknown.code());
        assertTrue(unknown.getMessage().contains("doctor"), "the known commands are listed: " + unknown.getMessage());
        assertEquals("bad-json", assertThrows(AdminException.class, () -> AdminCommands.parse("[1,2")).code());
        assertEquals("bad-json", assertThrows(AdminException.class, () -> AdminCommands.parse("{\"cmd\":7}")).code());
        assertEquals("bad-argument", assertThrows(AdminException.class,
                () -> AdminCommands.parse("{\"cmd\":\"status\",\"args\":[]}")).code());
        for (String line : List.of("{\"cmd\":\"maintenance\",\"args\":{\"state\":\"maybe\"}}",
                "{\"cmd\":\"priority\",\"args\":{\"action\":\"set\",\"value\":255}}",
                "{\"cmd\":\"switchover\",\"args\":{\"hold\":-1}}",
                "{\"cmd\":\"resume\",\"args\":{\"group\":7}}",
                "{\"cmd\":\"connections\",\"args\":{\"limit\":\"all\"}}",
                "{\"cmd\":\"real-server\",\"args\":{\"action\":\"remove\",\"service\":\"tftp\",\"address\":\"10.0.0.21\"}}",
                "{\"cmd\":\"real-server\",\"args\":{\"action\":\"drain\",\"address\":\"10.0.0.21\"}}")) {
            JsonNode reply = reply(line);
            assertFalse(reply.path("ok").asBoolean(), line);
            assertEquals("bad-argument", reply.path("error").path("code").asText(), line);
        }
        assertEquals(List.of(), agent.calls, "no bad request reached the agent");
    }
}
