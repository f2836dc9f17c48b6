package io.lvsha.agent.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lvsha.agent.lab.AdminClient;
import io.lvsha.agent.lab.Lab;
import io.lvsha.agent.lab.LabTest;
import io.lvsha.agent.lab.RequiresPrograms;
import io.lvsha.netns.NetnsTest;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, step 3: an active-active pair on the nftables backend. Group a (public VIP .10, its
 * NAT-router VIP 192.168.50.1, real server rs1) is at home on d1, group b (.20, 192.168.50.2, rs2)
 * on d2; each real server routes through its group's NAT-router VIP. Each director replicates the
 * connections of the group it masters over one peer link. TFTP downloads run through both VIPs
 * while d1 dies (d2 takes a with a's table committed, b untouched) and while d1 comes back (it
 * takes a back once a's table is in sync, and commits it): every download intact.
 */
@NetnsTest
@RequiresPrograms({"nft", "conntrack", "in.tftpd", "tftp", "atftp", "python3", "timeout", "sysctl"})
class ActiveActiveNetnsTest extends LabTest {
    private static final Duration SOON = Duration.ofSeconds(20);
    private static final Duration TRANSFERS = Duration.ofSeconds(240);
    private static final int PER_GROUP = 8;
    private static final String VIP_A = "10.99.0.10";
    private static final String VIP_B = "10.99.0.20";

    private TftpFailover tftp;

    private Path config(String node, int aPriority, int bPriority) throws Exception {
        return lab.writeConfig(node, "node: " + node + "\ngroups:\n"
                + Lab.groupYaml("a", 51, aPriority, "400ms", "10.99.0.10/24@pub0", "192.168.50.1/24@priv0")
                + Lab.groupYaml("b", 52, bPriority, "400ms", "10.99.0.20/24@pub0", "192.168.50.2/24@priv0") + """
                garp: {burst: 2, repeat-delay: 0s}
                events: {file: %s}
                admin: {socket: %s, switchover-hold: 30s}
                director: {backend: nftables}
                services:
                """.formatted(lab.eventFile(node), lab.dir().resolve(node + ".sock"))
                + tftpService("tftp-a", 1, VIP_A, "192.168.50.21") + tftpService("tftp-b", 2, VIP_B, "192.168.50.22")
                + lab.peerLinkYaml(node));
    }

    private static String tftpService(String name, int mark, String vip, String realServer) {
        return """
                  - name: %s
                    fwmark: %d
                    match: [{vip: %s, protocol: udp, ports: [69, 1024-65535]}]
                    helper: tftp
                    check: {type: tftp, file: whoami, interval: 1s, probe-timeout: 2s}
                    real-servers: [{address: %s}]
                """.formatted(name, mark, vip, realServer);
    }

    private JsonNode groupStatus(String node, String group) throws Exception {
        JsonNode status = AdminClient.call(lab.awaitAdminSocket(node, SOON), "{\"cmd\":\"status\"}");
        for (JsonNode each : status.path("groups")) {
            if (each.path("group").asText().equals(group)) {
                return each;
            }
        }
        throw new AssertionError("no group " + group + " in " + status);
    }

    private static boolean of(JsonNode event, String name, String group, Instant since) {
        return event.path("event").asText().equals(name) && event.path("group").asText().equals(group)
                && !Instant.parse(event.path("time").asText()).isBefore(since);
    }

    private JsonNode awaitGroupEvent(String node, String name, String group, String to, Instant since) throws Exception {
        return lab.awaitEvent(node, group + " " + name + (to == null ? "" : " " + to), e -> of(e, name, group, since)
                && (to == null || e.path("to").asText().equals(to)), SOON);
    }

    /** PER_GROUP downloads through each VIP, each at least 1 MiB in. */
    private Downloads downloadsThroughBothVips() throws Exception {
        Path dir = tftp.roundDir();
        List<Downloads.Client> clients = new ArrayList<>();
        for (int i = 0; i < 2 * PER_GROUP; i++) {
            clients.add(tftp.client(dir, i, TftpFailover.IMAGE, i % 2 == 0 ? TftpFailover.ClientKind.TFTP_HPA_512
                    : TftpFailover.ClientKind.ATFTP_1468, i < PER_GROUP ? VIP_A : VIP_B));
        }
        Downloads downloads = Downloads.start(clients, dir);
        assertTrue(downloads.awaitEachAtLeast(1 << 20, Duration.ofSeconds(120)),
                () -> "not every download passed 1 MiB within 120 s:" + downloads.behind(1 << 20) + lab.diagnosis());
        return downloads;
    }

    /** Until {@code node}'s table of {@code group} holds at least {@code count} connections (at most 5 s; the kill tests the takeover, not the export's lag). */
    private void awaitReplicated(String node, String group, int count) throws Exception {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (groupStatus(node, group).path("sync").path("connections").asInt() < count && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
    }

    private static void assertIntact(String what, List<Downloads.Outcome> outcomes) {
        System.out.printf("active-active, %s: %d/%d downloads intact; stall min/median/max %s%n", what,
                outcomes.stream().filter(Downloads.Outcome::contentRight).count(), outcomes.size(), Downloads.stalls(outcomes));
        for (Downloads.Outcome outcome : outcomes) {
            assertEquals(0, outcome.exitStatus(), what + ": " + outcome);
            assertTrue(outcome.contentRight(), what + ": " + outcome);
        }
    }

    @Test
    void eachDirectorReplicatesTheGroupItMastersAndADeathAndAReturnKeepEveryDownload() throws Exception {
        tftp = new TftpFailover(lab, 16, "400ms");
        lab.exec("rs2", "ip", "route", "replace", "default", "via", "192.168.50.2");
        Instant start = Instant.now();
        lab.startAgent("d1", config("d1", 150, 100));
        lab.startAgent("d2", config("d2", 100, 150));
        awaitGroupEvent("d1", "role-change", "a", "MASTER", start);
        awaitGroupEvent("d2", "role-change", "b", "MASTER", start);
        awaitGroupEvent("d1", "sync-in-sync", "b", null, start);
        awaitGroupEvent("d2", "sync-in-sync", "a", null, start);

        // d1 dies with downloads under way through both VIPs: d2 takes a, with a's table.
        Downloads first = downloadsThroughBothVips();
        awaitReplicated("d2", "a", PER_GROUP);
        awaitReplicated("d1", "b", PER_GROUP);
        assertTrue(groupStatus("d1", "b").path("sync").path("connections").asInt() >= PER_GROUP,
                "d1, b's backup, holds b's connections, replicated by d2: " + groupStatus("d1", "b"));
        assertTrue(groupStatus("d1", "a").path("sync").path("connections").asInt() >= PER_GROUP,
                "d1's table of a holds its own export: " + groupStatus("d1", "a"));
        JsonNode aTable = AdminClient.call(lab.awaitAdminSocket("d2", SOON),
                "{\"cmd\":\"connections\",\"args\":{\"group\":\"a\",\"limit\":1000}}");
        assertEquals("a", aTable.path("group").asText(), aTable.toString());
        assertTrue(aTable.path("connections").size() >= PER_GROUP, aTable.toString());
        for (JsonNode entry : aTable.path("connections")) {
            assertTrue(entry.path("virtual").asText().startsWith(VIP_A + ":") || entry.path("template").asBoolean(),
                    "group a's table holds a's connections only: " + entry);
        }
        Instant killed = Instant.now();
        tftp.killDirector("d1");
        awaitGroupEvent("d2", "role-change", "a", "MASTER", killed);
        JsonNode committed = awaitGroupEvent("d2", "state-committed", "a", null, killed);
        assertTrue(committed.path("connections").asInt() >= PER_GROUP, "a's connections were committed: " + committed);
        assertIntact("d1 killed", first.finish(TRANSFERS));
        assertTrue(lab.events("d2").stream().noneMatch(e -> of(e, "state-committed", "b", killed)), "b did not move, nor commit");

        // d1 comes back while downloads run through d2: it takes a back once in sync, with a's table.
        Downloads second = downloadsThroughBothVips();
        tftp.reviveLinks("d1");
        Instant back = Instant.now();
        lab.startAgent("d1", config("d1", 150, 100));
        JsonNode inSync = awaitGroupEvent("d1", "sync-in-sync", "a", null, back);
        JsonNode home = awaitGroupEvent("d1", "role-change", "a", "MASTER", back);
        assertTrue(!Instant.parse(home.path("time").asText()).isBefore(Instant.parse(inSync.path("time").asText())),
                "a went home only once in sync: " + inSync + " " + home);
        JsonNode recommitted = awaitGroupEvent("d1", "state-committed", "a", null, back);
        assertTrue(recommitted.path("connections").asInt() >= PER_GROUP, "a's table came home: " + recommitted);
        awaitGroupEvent("d1", "role-change", "b", "BACKUP", back);
        assertIntact("d1 back", second.finish(TRANSFERS));
        assertEquals("MASTER", groupStatus("d2", "b").path("role").asText(), "b stayed on d2");
        assertEquals("BACKUP", groupStatus("d2", "a").path("role").asText(), "a left d2");
    }
}
