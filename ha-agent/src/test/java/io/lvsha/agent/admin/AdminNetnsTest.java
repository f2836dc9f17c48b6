package io.lvsha.agent.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lvsha.agent.lab.AdminClient;
import io.lvsha.agent.lab.Capture;
import io.lvsha.agent.lab.LabTest;
import io.lvsha.agent.lab.RequiresPrograms;
import io.lvsha.agent.lab.StallWatch;
import io.lvsha.netns.Netns;
import io.lvsha.netns.NetnsTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The admin socket of real agents in the namespace lab. */
@NetnsTest
@RequiresPrograms({"python3", "runuser", "sysctl"})
class AdminNetnsTest extends LabTest {
    private static final Duration SOON = Duration.ofSeconds(15);
    private static final String VIP = "10.99.0.10";
    /** d2's Master_Down_Interval at 100 ms adverts and priority 100: a longer machine stall can fail over. */
    private static final Duration FAILOVER_BOUND = Duration.ofMillis(360);

    private Path d1Socket;
    private Path d2Socket;

    @BeforeEach
    void setUp() throws Exception {
        Path d1Config = lab.standardConfig("d1", 150, "100ms");
        Files.writeString(d1Config, Files.readString(d1Config) + "metrics: {prometheus: 127.0.0.1:9469}\n");
        lab.startAgent("d1", d1Config);
        lab.awaitRole("d1", "MASTER", SOON);
        lab.startAgent("d2", lab.standardConfig("d2", 100, "100ms"));
        lab.awaitRole("d2", "BACKUP", SOON);
        d1Socket = lab.awaitAdminSocket("d1", SOON);
        d2Socket = lab.awaitAdminSocket("d2", SOON);
    }

    private static JsonNode ok(JsonNode reply) {
        assertTrue(reply.path("ok").asBoolean(), reply.toString());
        return reply;
    }

    private static String role(Path socket) throws Exception {
        return ok(AdminClient.call(socket, "{\"cmd\":\"status\"}")).path("role").asText();
    }

    @Test
    void switchoverOnTheMasterHandsOverAndTheOldMasterDoesNotPreemptBackDuringTheHold() throws Exception {
        JsonNode reply = ok(AdminClient.call(d1Socket, "{\"cmd\":\"switchover\",\"args\":{\"hold\":30}}"));
        assertEquals("BACKUP", reply.path("role").asText());
        lab.awaitRole("d2", "MASTER", SOON);
        assertTrue(lab.hasAddress("d2", "pub0", VIP));
        // Without a peer link d1 resigned with priority 0 but kept its VIPs until d2 showed itself:
        // clients were served by d1 until d2's GARP, not left without anyone for Skew_Time.
        JsonNode released = lab.awaitEvent("d1", "kept VIPs released", e -> e.path("event").asText().equals("vip-removed")
                && e.has("reason"), SOON);
        assertTrue(released.path("reason").asText().matches("the new master (10\\.99\\.0|192\\.168\\.50)\\.12 was heard"),
                released.toString()); // d2's address on whichever channel brought its advert first
        assertFalse(lab.hasAddress("d1", "pub0", VIP));
        try (StallWatch machine = StallWatch.start()) {
            Thread.sleep(2000); // several Master_Down_Intervals: a preempting d1 would be back by now
            if (machine.quieterThan(FAILOVER_BOUND)) {
                assertEquals("BACKUP", role(d1Socket));
            }
        }
        assertTrue(ok(AdminClient.call(d1Socket, "{\"cmd\":\"status\"}")).path("holding").asBoolean());

        ok(AdminClient.call(d1Socket, "{\"cmd\":\"resume\"}"));
        lab.awaitRole("d1", "MASTER", SOON);
    }

    @Test
    void switchoverOnTheBackupTakesOverAndRepliesWithTheTimings() throws Exception {
        JsonNode reply = ok(AdminClient.call(d2Socket, "{\"cmd\":\"switchover\"}"));
        assertEquals("MASTER", reply.path("role").asText());
        assertEquals(151, reply.path("priority").asInt());
        assertTrue(reply.path("takeover").path("garp_us").asLong() >= 0, reply.toString());
        lab.awaitRole("d1", "BACKUP", SOON);
        assertTrue(lab.hasAddress("d2", "pub0", VIP));
        JsonNode refused = AdminClient.call(d1Socket, "{\"cmd\":\"garp\"}");
        assertEquals("refused", refused.path("error").path("code").asText(), refused.toString());
    }

    @Test
    void maintenanceSurvivesReloadAndAChangedPriorityChangesNoRole() throws Exception {
        ok(AdminClient.call(d1Socket, "{\"cmd\":\"maintenance\",\"args\":{\"state\":\"on\"}}"));
        lab.awaitRole("d2", "MASTER", SOON);
        Path config = lab.dir().resolve("d1.yaml");
        Files.writeString(config, Files.readString(config).replace("priority: 150", "priority: 140"));
        JsonNode reloaded = ok(AdminClient.call(d1Socket, "{\"cmd\":\"reload\"}"));
        assertTrue(reloaded.path("maintenance").asBoolean(), reloaded.toString());
        JsonNode status = ok(AdminClient.call(d1Socket, "{\"cmd\":\"status\"}"));
        assertTrue(status.path("maintenance").asBoolean());
        assertEquals("INITIALIZE", status.path("role").asText());
        assertEquals(140, status.path("priority").path("configured").asInt());
        assertFalse(lab.hasAddress("d1", "pub0", VIP));

        ok(AdminClient.call(d1Socket, "{\"cmd\":\"maintenance\",\"args\":{\"state\":\"off\"}}"));
        lab.awaitRole("d1", "MASTER", SOON); // 140 > 100 and preempt: it takes mastership back
        int changes = lab.roleChanges("d1").size();
        Files.writeString(config, Files.readString(config).replace("priority: 140", "priority: 130"));
        try (StallWatch machine = StallWatch.start()) {
            ok(AdminClient.call(d1Socket, "{\"cmd\":\"reload\"}"));
            Thread.sleep(1500);
            if (machine.quieterThan(FAILOVER_BOUND)) {
                assertEquals(changes, lab.roleChanges("d1").size(), "a reload changed the role");
            }
        }
        assertEquals(130, ok(AdminClient.call(d1Socket, "{\"cmd\":\"status\"}")).path("priority").path("effective").asInt());
    }

    @Test
    void brokenOrIncompatibleReloadKeepsTheRunningConfigurationAndSaysWhy() throws Exception {
        Path config = lab.dir().resolve("d1.yaml");
        String good = Files.readString(config);
        Files.writeString(config, good.replace("priority: 150", "priority: 999"));
        JsonNode broken = AdminClient.call(d1Socket, "{\"cmd\":\"reload\"}");
        assertEquals("bad-config", broken.path("error").path("code").asText(), broken.toString());
        assertTrue(broken.path("error").path("message").asText().contains("group.priority: 999 is out of range"));
        Files.writeString(config, good.replace("vrid: 51", "vrid: 52"));
        JsonNode incompatible = AdminClient.call(d1Socket, "{\"cmd\":\"reload\"}");
        assertEquals("needs-restart", incompatible.path("error").path("code").asText(), incompatible.toString());
        assertTrue(incompatible.path("error").path("message").asText().contains("group.vrid"));
        JsonNode status = ok(AdminClient.call(d1Socket, "{\"cmd\":\"status\"}"));
        assertEquals("MASTER", status.path("role").asText());
        assertEquals(150, status.path("priority").path("configured").asInt());
        assertEquals(51, status.path("vrid").asInt());
    }

    @Test
    void badInputGetsClearErrorsAndNeverDelaysTheAdverts() throws Exception {
        try (Capture wire = Capture.start(lab, "cl", "eth0"); StallWatch machine = StallWatch.start()) {
            try (AdminClient client = new AdminClient(d1Socket)) {
                assertEquals("bad-json", client.send("{not json").path("error").path("code").asText());
                assertEquals("bad-json", client.send("[1,2]").path("error").path("code").asText());
                assertEquals("unknown-command", client.send("{\"cmd\":\"selfdestruct\"}").path("error").path("code").asText());
                assertEquals("bad-argument", client.send("{\"cmd\":\"maintenance\",\"args\":{\"state\":\"maybe\"}}")
                        .path("error").path("code").asText());
                assertEquals("bad-argument", client.send("{\"cmd\":\"priority\",\"args\":{\"action\":\"set\",\"value\":900}}")
                        .path("error").path("code").asText());
                assertEquals("MASTER", client.send("{\"cmd\":\"status\"}").path("role").asText(), "the session ended");
            }
            try (AdminClient client = new AdminClient(d1Socket)) {
                client.write("x".repeat(10_000_000) + "\n"); // the whole line first, as a naive client does
                assertEquals("line-too-long", client.readReply().path("error").path("code").asText());
                assertNull(client.readReply(), "the connection is closed after the answer");
            }
            List<AdminClient> crowd = new ArrayList<>();
            int evicted = 0;
            try {
                for (int i = 0; i < 200; i++) {
                    crowd.add(new AdminClient(d1Socket));
                }
                assertEquals("MASTER", ok(AdminClient.call(d1Socket, "{\"cmd\":\"status\"}")).path("role").asText(),
                        "an operator's request is served with 200 idle clients connected");
                for (AdminClient client : crowd) {
                    JsonNode reply;
                    try {
                        reply = client.send("{\"cmd\":\"hello\"}");
                    } catch (java.io.IOException closedBeforeWeWrote) {
                        reply = null;
                    }
                    if (reply == null || reply.path("error").path("code").asText().equals("evicted")) {
                        evicted++;
                    } else {
                        assertTrue(reply.path("ok").asBoolean(), reply.toString());
                    }
                }
            } finally {
                for (AdminClient client : crowd) {
                    client.close();
                }
            }
            assertTrue(evicted >= 200 + 1 - AdminServer.MAX_CLIENTS, "evicted only " + evicted);
            lab.awaitAdminSocket("d1", SOON); // the server notices the crowd's departures asynchronously
            try (AdminClient silent = new AdminClient(d1Socket)) {
                JsonNode goodbye = silent.readReply(); // sends nothing; closed after the idle time
                assertEquals("idle", goodbye.path("error").path("code").asText());
            }
            List<Long> gaps = wire.advertGaps("10.99.0.11");
            long max = gaps.stream().mapToLong(Long::longValue).max().orElseThrow();
            System.out.printf("advert gaps from d1 during the bad-input run: n=%d, median %.1f ms, max %.1f ms%n",
                    gaps.size(), gaps.stream().sorted().toList().get(gaps.size() / 2) / 1e6, max / 1e6);
            if (machine.quieterThan(FAILOVER_BOUND)) {
                assertTrue(max < FAILOVER_BOUND.toNanos(), "an advert gap reached Master_Down_Interval: " + max / 1e6 + " ms");
                assertEquals(1, lab.roleChanges("d2").size(), "d2 left BACKUP during the bad-input run");
            }
        }
        lab.awaitRole("d1", "MASTER", SOON);
    }

    @Test
    void doctorReportsTheSettingsAFailoverDependsOn() throws Exception {
        JsonNode reply = ok(AdminClient.call(d1Socket, "{\"cmd\":\"doctor\"}"));
        JsonNode scheduling = reply.path("checks").get(0);
        assertEquals("real-time scheduling (SCHED_FIFO)", scheduling.path("setting").asText(), reply.toString());
        assertEquals("granted", scheduling.path("value").asText(), "the agent runs as root: " + reply);
        assertEquals(0, reply.path("advised").asLong(), "nothing to change for an agent without a director: " + reply);
    }

    @Test
    void followStreamsEachNewEventAsItHappens() throws Exception {
        try (AdminClient follower = new AdminClient(d1Socket)) {
            JsonNode recent = ok(follower.send("{\"cmd\":\"events\",\"args\":{\"last\":3,\"follow\":true}}"));
            assertEquals(3, recent.path("events").size(), recent.toString());
            ok(AdminClient.call(d1Socket, "{\"cmd\":\"priority\",\"args\":{\"action\":\"set\",\"value\":160}}"));
            JsonNode streamed = follower.readReply();
            assertEquals("priority-changed", streamed.path("event").asText(), streamed.toString());
            assertEquals(160, streamed.path("effective").asInt());
            Thread.sleep(12_000); // longer than the idle limit: a follower is not closed for being quiet
            ok(AdminClient.call(d1Socket, "{\"cmd\":\"priority\",\"args\":{\"action\":\"reset\"}}"));
            JsonNode next = follower.readReply();
            while (next != null && !next.path("event").asText().equals("priority-changed")) {
                next = follower.readReply(); // e.g. the takeover's second GARP burst, streamed meanwhile
            }
            assertEquals(150, next.path("effective").asInt(), String.valueOf(next));
        }
    }

    @Test
    void metricsCountAdvertsAndPrometheusServesThemOnLoopback() throws Exception {
        Thread.sleep(300);
        JsonNode metrics = ok(AdminClient.call(d1Socket, "{\"cmd\":\"metrics\"}"));
        assertTrue(metrics.path("vrrp.channel.public.adverts.sent").asLong() > 0, metrics.toString());
        assertEquals("MASTER", metrics.path("vrrp.role").asText());
        assertEquals(1, metrics.path("vrrp.takeover.micros").path("count").asLong(), metrics.toString());
        assertTrue(metrics.path("ha.loop.lag.micros").path("count").asLong() > 0, metrics.toString());
        assertEquals(0, metrics.path("vrrp.fsm.impossible").asLong(), metrics.toString());
        assertEquals(0, metrics.path("vrrp.late_timer_deferrals").asLong(), metrics.toString());
        assertEquals(0, metrics.path("vrrp.advert_send_failures").asLong(), metrics.toString());
        assertEquals(0, metrics.path("garp.send_failures").asLong(), metrics.toString());
        for (String counter : List.of("vrrp.fsm.impossible", "vrrp.late_timer_deferrals", "vrrp.advert_send_failures",
                "garp.send_failures", "hooks.dropped")) {
            assertTrue(metrics.has(counter), counter + " is not exported: " + metrics); // path() reads 0 when absent
        }
        String scrape = lab.exec("d1", "/usr/bin/python3", "-c",
                "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:9469/metrics').read().decode())");
        assertTrue(scrape.contains("vrrp_channel_public_adverts_sent"), scrape);
        assertTrue(scrape.contains("vrrp_takeover_micros"), scrape);
    }

    @Test
    void socketIsPrivateAndANonRootPeerIsRefusedEvenIfTheFileModeWouldLetItIn() throws Exception {
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(d1Socket)));
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(d1Socket.getParent())));
        String client = """
                import socket, sys
                s = socket.socket(socket.AF_UNIX)
                try:
                    s.connect(sys.argv[1])
                except OSError as e:
                    print("connect-failed", e.errno); sys.exit(0)
                s.sendall(b'{"cmd":"status"}\\n')
                print(s.makefile().readline().strip())
                """;
        Path script = lab.dir().resolve("client.py");
        Files.writeString(script, client);
        Files.setPosixFilePermissions(lab.dir(), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rw-r--r--"));
        String asNobody = Netns.run("runuser", "-u", "nobody", "--", "/usr/bin/python3", script.toString(),
                d1Socket.toString()).trim();
        assertTrue(asNobody.startsWith("connect-failed"), "nobody reached the socket: " + asNobody);

        // Open the file modes wide: the peer-credential check must still refuse.
        Files.setPosixFilePermissions(d1Socket.getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(d1Socket, PosixFilePermissions.fromString("rw-rw-rw-"));
        String refused = Netns.run("runuser", "-u", "nobody", "--", "/usr/bin/python3", script.toString(),
                d1Socket.toString()).trim();
        assertTrue(refused.contains("\"code\":\"forbidden\""), refused);
        assertTrue(Files.readString(lab.dir().resolve("d1.err")).contains("admin connection refused: uid 65534"));
    }
}
