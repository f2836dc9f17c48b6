package io.lvsha.agent.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class AgentCtlTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return AgentCtl.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void commandWordsBecomeTheProtocolsRequests() {
        assertEquals("{\"cmd\":\"status\"}", AgentCtl.request(List.of("status")).toString());
        assertEquals("{\"cmd\":\"switchover\",\"args\":{\"hold\":120.0}}",
                AgentCtl.request(List.of("switchover", "--hold", "120")).toString());
        assertEquals("{\"cmd\":\"maintenance\",\"args\":{\"state\":\"on\"}}",
                AgentCtl.request(List.of("maintenance", "on")).toString());
        assertEquals("{\"cmd\":\"priority\",\"args\":{\"action\":\"set\",\"value\":120}}",
                AgentCtl.request(List.of("priority", "set", "120")).toString());
        assertEquals("{\"cmd\":\"priority\",\"args\":{\"action\":\"reset\"}}",
                AgentCtl.request(List.of("priority", "reset")).toString());
        assertEquals("{\"cmd\":\"events\",\"args\":{\"last\":5,\"follow\":true}}",
                AgentCtl.request(List.of("events", "--last", "5", "--follow")).toString());
        assertEquals("{\"cmd\":\"connections\",\"args\":{\"client\":\"10.0.0.5\",\"limit\":10}}",
                AgentCtl.request(List.of("connections", "--client", "10.0.0.5", "--limit", "10")).toString());
    }

    @Test
    void badUsageIsRefusedBeforeAnythingIsSent() {
        assertThrows(IllegalArgumentException.class, () -> AgentCtl.request(List.of("maintenance", "maybe")));
        assertThrows(IllegalArgumentException.class, () -> AgentCtl.request(List.of("priority", "set", "high")));
        assertThrows(IllegalArgumentException.class, () -> AgentCtl.request(List.of("status", "now")));
        assertThrows(IllegalArgumentException.class, () -> AgentCtl.request(List.of("connections", "--client")));
        assertEquals(2, run("explode"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown command 'explode'"));
    }

    @Test
    void noAgentListeningIsExitCodeThreeWithAHint() {
        assertEquals(3, run("--socket", "/nonexistent/admin.sock", "status"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("is ha-agent running?"));
    }
}
