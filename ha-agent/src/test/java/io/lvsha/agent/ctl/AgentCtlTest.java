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
        assertEquals("{\"cmd\":\"status\"}", AgentCtl.request(List.of("status"), null).toString());
        assertEquals("{\"cmd\":\"switchover\",\"args\":{\"hold\":120.0}}",
                AgentCtl.request(List.of("switchover", "--hold", "120"), null).toString());
        assertEquals("{\"cmd\":\"maintenance\",\"args\":{\"state\":\"on\"}}",
                AgentCtl.request(List.of("maintenance", "on"), null).toString());
        assertEquals("{\"cmd\":\"priority\",\"args\":{\"action\":\"set\",\"value\":120}}",
                AgentCtl.request(List.of("priority", "set", "120"), null).toString());
        assertEquals("{\"cmd\":\"priority\",\"args\":{\"action\":\"reset\"}}",
                AgentCtl.request(List.of("priority", "reset"), null).toString());
        assertEquals("{\"cmd\":\"events\",\"args\":{\"last\":5,\"follow\":true}}",
                AgentCtl.request(List.of("events", "--last", "5", "--follow"), null).toString());
        assertEquals("{\"cmd\":\"connections\",\"args\":{\"client\":\"10.0.0.5\",\"limit\":10}}",
                AgentCtl.request(List.of("connections", "--client", "10.0.0.5", "--limit", "10"), null).toString());
        assertEquals("{\"cmd\":\"real-server\",\"args\":{\"action\":\"disable\",\"service\":\"web\",\"address\":\"10.0.0.21:80\"}}",
                AgentCtl.request(List.of("real-server", "disable", "web", "10.0.0.21:80"), null).toString());
        assertEquals("{\"cmd\":\"switchover\",\"args\":{\"hold\":30.0,\"group\":\"tftp-b\"}}",
                AgentCtl.request(List.of("switchover", "--hold", "30"), "tftp-b").toString());
        assertEquals("{\"cmd\":\"garp\",\"args\":{\"group\":\"v6\"}}", AgentCtl.request(List.of("garp"), "v6").toString());
        assertEquals("{\"cmd\":\"connections\",\"args\":{\"limit\":5,\"group\":\"a\"}}",
                AgentCtl.request(List.of("connections", "--limit", "5"), "a").toString());
    }

    @Test
    void eachGroupsConnectionsUnderItsName() throws Exception {
        com.fasterxml.jackson.databind.JsonNode reply = new com.fasterxml.jackson.databind.ObjectMapper().readTree("""
                {"groups": {"a": {"role": "MASTER", "connections": [{"protocol": 17, "client": "10.0.0.5:40000",
                 "virtual": "10.0.0.10:69", "real_server": "10.0.1.1:69", "state": "-", "timeout_s": 120}],
                 "matched": 1, "total": 1},
                 "b": {"role": "BACKUP", "connections": [], "matched": 0, "total": 0}}}""");
        String text = Render.reply(io.lvsha.agent.admin.AdminCommand.CONNECTIONS, reply);
        assertTrue(text.startsWith("group a\npro "), text);
        assertTrue(text.contains("10.0.0.10:69") && text.contains("1 shown, 1 matched, 1 in the table"), text);
        assertTrue(text.contains("group b\npro ") && text.endsWith("0 shown, 0 matched, 0 in the table"), text);
    }

    @Test
    void doctorShowsEachSettingAndWhatToChange() throws Exception {
        assertEquals("{\"cmd\":\"doctor\"}", AgentCtl.request(List.of("doctor"), null).toString());
        com.fasterxml.jackson.databind.JsonNode reply = new com.fasterxml.jackson.databind.ObjectMapper().readTree("""
                {"ok":true,"checks":[
                  {"setting":"real-time scheduling (SCHED_FIFO)","value":"granted","ok":true},
                  {"setting":"net.ipv4.vs.conntrack","value":"0","ok":false,"advice":"sysctl -w net.ipv4.vs.conntrack=1"}],
                 "advised":1}""");
        assertEquals("""
                ok      real-time scheduling (SCHED_FIFO) = granted
                CHANGE  net.ipv4.vs.conntrack = 0
                        sysctl -w net.ipv4.vs.conntrack=1
                1 setting(s) to change""", Render.reply(io.lvsha.agent.admin.AdminCommand.DOCTOR, reply));
    }

    @Test
    void archiveTrainingSendsEveryKindOfReplyThroughASocket() throws Exception {
        assertEquals(0, ArchiveTraining.run(new PrintStream(err, true, StandardCharsets.UTF_8)), err.toString());
        java.util.Set<String> trained = new java.util.HashSet<>();
        ArchiveTraining.samples().forEach(sample -> trained.add(sample.path("command").asText()));
        // One of each way Render lays a reply out, and a refusal.
        assertTrue(trained.containsAll(List.of("status", "events", "connections", "doctor", "switchover")), trained.toString());
        assertTrue(ArchiveTraining.samples().stream().anyMatch(sample -> !sample.path("reply").path("ok").asBoolean()),
                "a refused command is trained too");
    }

    @Test
    void badUsageIsRefusedBeforeAnythingIsSent() {
        assertThrows(IllegalArgumentException.class, () -> AgentCtl.request(List.of("maintenance", "maybe"), null));
        assertThrows(IllegalArgumentException.class, () -> AgentCtl.request(List.of("priority", "set", "high"), null));
        assertThrows(IllegalArgumentException.class, () -> AgentCtl.request(List.of("status", "now"), null));
        assertThrows(IllegalArgumentException.class, () -> AgentCtl.request(List.of("doctor", "--fix"), null));
        assertThrows(IllegalArgumentException.class, () -> AgentCtl.request(List.of("connections", "--client"), null));
        assertThrows(IllegalArgumentException.class, () -> AgentCtl.request(List.of("real-server", "drain", "web"), null));
        assertThrows(IllegalArgumentException.class, () -> AgentCtl.request(List.of("status"), "tftp-b"),
                "status shows every group: --group is for the commands that act on one");
        assertThrows(IllegalArgumentException.class, () -> AgentCtl.request(List.of("real-server", "kill", "web", "10.0.0.21"), null));
        assertEquals(2, run("explode"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown command 'explode'"));
    }

    @Test
    void theUsageListsEveryCommandFromTheProtocolsTable() {
        assertEquals(0, run("--help"));
        String usage = out.toString(StandardCharsets.UTF_8);
        for (io.lvsha.agent.admin.AdminCommand command : io.lvsha.agent.admin.AdminCommand.values()) {
            assertTrue(usage.contains("\n  " + command.word()), command + " is missing from:\n" + usage);
        }
        assertTrue(usage.contains("  status                        who is master and why"), usage);
        assertTrue(usage.contains("  connections [--client ADDRESS] [--limit N]\n" + " ".repeat(32) + "the replicated"), usage);
        assertTrue(usage.contains("conntrack,\n" + " ".repeat(32) + "the kernel's sync daemon"), usage);
    }

    @Test
    void noAgentListeningIsExitCodeThreeWithAHint() {
        assertEquals(3, run("--socket", "/nonexistent/admin.sock", "status"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("is ha-agent running?"));
    }
}
