package io.lvsha.agent.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lvsha.agent.lab.AdminClient;
import io.lvsha.agent.lab.Capture;
import io.lvsha.agent.lab.Lab;
import io.lvsha.agent.lab.LabTest;
import io.lvsha.agent.lab.RequiresPrograms;
import io.lvsha.netns.NetnsTest;
import io.lvsha.vrrp.IpAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 15, steps 2 and 7: one agent, several groups. Group a is at home on d1, group b on d2
 * (active-active), and an IPv6 group sits beside them on the same interface, with a VRID a
 * already uses for IPv4; group c is in a sync group with a. Each group changes role on its own,
 * but c follows a (one goes, all go, and back); when d1 dies, d2 holds them all,
 * and the client's capture shows the unsolicited NA, its neighbour entry moves and it is answered
 * over IPv6 through the VIP.
 */
@NetnsTest
@RequiresPrograms({"ping", "ip"})
class GroupsNetnsTest extends LabTest {
    private static final Duration SOON = Duration.ofSeconds(15);
    private static final String D1_MAC = "02:00:0a:63:00:0b";
    private static final String D2_MAC = "02:00:0a:63:00:0c";
    private static final String VIP6 = "fd99::10";

    /**
     * {@code node}'s file: groups a (VIP .10) and b (VIP .20) at {@code interval}, then
     * {@code moreGroups} and {@code moreSettings}, each a YAML block.
     */
    private Path config(String node, int aPriority, int bPriority, String interval, String moreGroups, String moreSettings)
            throws Exception {
        return lab.writeConfig(node, "node: " + node + "\ngroups:\n"
                + Lab.groupYaml("a", 51, aPriority, interval, "10.99.0.10/24@pub0")
                + Lab.groupYaml("b", 52, bPriority, interval, "10.99.0.20/24@pub0") + moreGroups + """
                garp: {burst: 2, repeat-delay: 0s}
                events: {file: %s}
                admin: {socket: %s, switchover-hold: 30s}
                """.formatted(lab.eventFile(node), lab.dir().resolve(node + ".sock")) + moreSettings);
    }

    /** a and b, an IPv6 group v6 with a's VRID and priority, and c synced with a. */
    private Path config(String node, int aPriority, int bPriority) throws Exception {
        return config(node, aPriority, bPriority, "100ms", """
                  - name: v6
                    vrid: 51
                    priority: %1$d
                    advert-interval: 100ms
                    channels: [{name: public, interface: pub0}]
                    vips: [{address: %2$s/64, interface: pub0}]
                  - name: c
                    vrid: 53
                    priority: %1$d
                    advert-interval: 100ms
                    channels: [{name: public, interface: pub0}]
                    vips: [{address: 10.99.0.30/24, interface: pub0}]
                sync-groups: [[a, c]]
                """.formatted(aPriority, VIP6), "");
    }

    /** Waits until {@code group}'s latest role change on {@code node} is to {@code role}. */
    private JsonNode awaitGroupRole(String node, String group, String role) throws Exception {
        return lab.awaitEvent(node, group + " " + role, event -> isRoleChange(event, group) && event.path("to").asText().equals(role)
                && event.equals(latestRoleChange(node, group)), SOON);
    }

    private static boolean isRoleChange(JsonNode event, String group) {
        return event.path("event").asText().equals("role-change") && event.path("group").asText().equals(group);
    }

    private JsonNode latestRoleChange(String node, String group) {
        try {
            List<JsonNode> changes = lab.events(node).stream().filter(event -> isRoleChange(event, group)).toList();
            return changes.isEmpty() ? null : changes.get(changes.size() - 1);
        } catch (java.io.IOException e) {
            return null;
        }
    }

    private static String roleOf(JsonNode status, String group) {
        for (JsonNode each : status.path("groups")) {
            if (each.path("group").asText().equals(group)) {
                return each.path("role").asText();
            }
        }
        throw new AssertionError("no group " + group + " in " + status);
    }

    /** Whether {@code frame} is an unsolicited neighbour advertisement (override set, solicited not) of {@code target} sent by {@code mac}. */
    private static boolean unsolicitedNa(Capture.Frame frame, String mac, IpAddress target) {
        byte[] bytes = frame.bytes();
        return bytes.length >= 78 && bytes[12] == (byte) 0x86 && bytes[13] == (byte) 0xdd && bytes[20] == 58
                && (bytes[54] & 0xff) == 136 && (bytes[58] & 0x20) != 0 && (bytes[58] & 0x40) == 0
                && Arrays.equals(Arrays.copyOfRange(bytes, 62, 78), target.toBytes())
                && HexFormat.ofDelimiter(":").formatHex(bytes, 6, 12).equals(mac);
    }

    private String neighbourOf(String address) {
        return lab.exec("cl", "ip", "-6", "neigh", "show", address, "dev", "eth0");
    }

    @Test
    void eachGroupFailsOverOnItsOwnAndTheIpv6GroupBesideThemToo() throws Exception {
        lab.startAgent("d1", config("d1", 150, 100));
        lab.startAgent("d2", config("d2", 100, 150));
        awaitGroupRole("d1", "a", "MASTER");
        awaitGroupRole("d1", "v6", "MASTER");
        awaitGroupRole("d2", "b", "MASTER");
        awaitGroupRole("d1", "b", "BACKUP");
        awaitGroupRole("d2", "a", "BACKUP");
        awaitGroupRole("d2", "v6", "BACKUP");
        awaitGroupRole("d1", "c", "MASTER");
        awaitGroupRole("d2", "c", "BACKUP");
        assertTrue(lab.hasAddress("d1", "pub0", "10.99.0.10") && lab.hasAddress("d2", "pub0", "10.99.0.20")
                && lab.hasAddress("d1", "pub0", VIP6), "active-active: each director holds its own group's VIPs");
        assertFalse(lab.hasAddress("d1", "pub0", "10.99.0.20") || lab.hasAddress("d2", "pub0", "10.99.0.10"));
        Path d1 = lab.awaitAdminSocket("d1", SOON);
        JsonNode status = AdminClient.call(d1, "{\"cmd\":\"status\"}");
        assertEquals(List.of("MASTER", "BACKUP", "MASTER"), List.of(roleOf(status, "a"), roleOf(status, "b"), roleOf(status, "v6")));
        assertTrue(AdminClient.call(d1, "{\"cmd\":\"metrics\"}").has("group.b.vrrp.role"), "metrics carry the group");
        lab.exec("cl", "ping", "-6", "-c", "2", "-i", "0.2", "-W", "2", VIP6);
        assertTrue(neighbourOf(VIP6).contains(D1_MAC), "the client reached the IPv6 VIP at d1: " + neighbourOf(VIP6));

        // A switchover of group a moves a, and c with it (their sync group); b and v6 stay.
        JsonNode moved = AdminClient.call(d1, "{\"cmd\":\"switchover\",\"args\":{\"group\":\"a\"}}");
        assertTrue(moved.path("ok").asBoolean(), moved.toString());
        assertEquals("a", moved.path("group").asText());
        awaitGroupRole("d2", "a", "MASTER");
        awaitGroupRole("d1", "a", "BACKUP");
        awaitGroupRole("d2", "c", "MASTER");
        awaitGroupRole("d1", "c", "BACKUP");
        JsonNode followed = lab.awaitEvent("d1", "c followed a", e -> e.path("event").asText().equals("sync-group")
                && e.path("group").asText().equals("c") && e.path("member").asText().equals("a"), SOON);
        assertFalse(followed.path("member_master").asBoolean(), followed.toString());
        JsonNode after = AdminClient.call(d1, "{\"cmd\":\"status\"}");
        assertEquals(List.of("BACKUP", "BACKUP", "MASTER", "BACKUP"),
                List.of(roleOf(after, "a"), roleOf(after, "b"), roleOf(after, "v6"), roleOf(after, "c")));
        JsonNode unknown = AdminClient.call(d1, "{\"cmd\":\"switchover\",\"args\":{\"group\":\"nosuch\"}}");
        assertEquals("bad-argument", unknown.path("error").path("code").asText(), unknown.toString());
        assertTrue(unknown.path("error").path("message").asText().contains("[a, b, v6, c]"), unknown.toString());
        AdminClient.call(d1, "{\"cmd\":\"resume\",\"args\":{\"group\":\"a\"}}");
        awaitGroupRole("d1", "a", "MASTER");
        awaitGroupRole("d1", "c", "MASTER"); // a is master again: c's hold ends and it preempts

        // d1 dies: d2 holds every group, and the client learns the IPv6 VIP's new home.
        try (Capture client = Capture.start(lab, "cl", "eth0", "icmp6 or arp")) {
            lab.killNow("d1");
            lab.exec("d1", "ip", "link", "set", "pub0", "down");
            lab.exec("d1", "ip", "link", "set", "priv0", "down");
            awaitGroupRole("d2", "a", "MASTER");
            awaitGroupRole("d2", "v6", "MASTER");
            awaitGroupRole("d2", "c", "MASTER");
            IpAddress target = IpAddress.parse(VIP6);
            long deadline = System.nanoTime() + SOON.toNanos();
            while (client.frames().stream().noneMatch(frame -> unsolicitedNa(frame, D2_MAC, target)) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(client.frames().stream().anyMatch(frame -> unsolicitedNa(frame, D2_MAC, target)),
                    "the client saw d2's unsolicited NA for " + VIP6);
            assertTrue(client.frames().stream().anyMatch(frame -> D2_MAC.equals(frame.garpSenderMac("10.99.0.10"))),
                    "and d2's gratuitous ARP for group a's VIP");
        }
        assertTrue(neighbourOf(VIP6).contains(D2_MAC), "the client's neighbour entry moved to d2: " + neighbourOf(VIP6));
        lab.exec("cl", "ping", "-6", "-c", "2", "-i", "0.2", "-W", "2", VIP6);
        assertTrue(lab.hasAddress("d2", "pub0", "10.99.0.10") && lab.hasAddress("d2", "pub0", "10.99.0.20")
                && lab.hasAddress("d2", "pub0", VIP6), "d2 holds every group's VIPs");
    }

    /** a and b with the agents' peer link (d1 listens, d2 connects). */
    private Path linkedConfig(String node, int aPriority, int bPriority, String interval) throws Exception {
        return config(node, aPriority, bPriority, interval, "", lab.peerLinkYaml(node));
    }

    private JsonNode switchover(String node, String group) throws Exception {
        JsonNode reply = AdminClient.call(lab.awaitAdminSocket(node, SOON), "{\"cmd\":\"switchover\",\"args\":{\"group\":\"" + group + "\"}}");
        assertTrue(reply.path("ok").asBoolean(), reply.toString());
        assertTrue(reply.path("make_before_break").asBoolean(), "the peer was asked over the link first: " + reply);
        return reply;
    }

    /**
     * Several groups share one peer link, each group's frames named by its group: a switchover
     * of one group is make-before-break and moves that group only, in either direction; the
     * groups go home once told to; and when d1's agent dies with its links up, the link's
     * loss makes d2 take d1's group without waiting out its Master_Down_Interval, leaving its own
     * untouched; and when d1 returns, a goes home and b stays.
     */
    @Test
    void severalGroupsShareOnePeerLink() throws Exception {
        lab.startAgent("d1", linkedConfig("d1", 150, 100, "1s"));
        lab.startAgent("d2", linkedConfig("d2", 100, 150, "1s"));
        awaitGroupRole("d1", "a", "MASTER");
        awaitGroupRole("d2", "b", "MASTER");
        awaitGroupRole("d1", "b", "BACKUP");
        awaitGroupRole("d2", "a", "BACKUP");
        for (String node : List.of("d1", "d2")) {
            lab.awaitEvent(node, "peer link up", e -> e.path("event").asText().equals("peer-link-up"), SOON);
        }

        switchover("d1", "a");
        JsonNode aMoved = awaitGroupRole("d2", "a", "MASTER");
        assertEquals("SWITCHOVER", aMoved.path("cause").asText(), aMoved.toString());
        awaitGroupRole("d1", "a", "BACKUP");
        switchover("d2", "b");
        JsonNode bMoved = awaitGroupRole("d1", "b", "MASTER");
        assertEquals("SWITCHOVER", bMoved.path("cause").asText(), bMoved.toString());
        awaitGroupRole("d2", "b", "BACKUP");
        JsonNode d1 = AdminClient.call(lab.awaitAdminSocket("d1", SOON), "{\"cmd\":\"status\"}");
        assertEquals(List.of("BACKUP", "MASTER"), List.of(roleOf(d1, "a"), roleOf(d1, "b")), "each switchover moved its group only");
        assertTrue(lab.hasAddress("d2", "pub0", "10.99.0.10") && lab.hasAddress("d1", "pub0", "10.99.0.20"),
                "the VIPs went with their groups");

        // Home again: each new master gives up its raised priority, each old one ends its hold.
        for (String[] home : new String[][] {{"d2", "d1", "a"}, {"d1", "d2", "b"}}) {
            AdminClient.call(lab.awaitAdminSocket(home[0], SOON), "{\"cmd\":\"priority\",\"args\":{\"group\":\"" + home[2]
                    + "\",\"action\":\"reset\"}}");
            AdminClient.call(lab.awaitAdminSocket(home[1], SOON), "{\"cmd\":\"resume\",\"args\":{\"group\":\"" + home[2] + "\"}}");
        }
        awaitGroupRole("d1", "a", "MASTER");
        awaitGroupRole("d2", "b", "MASTER");

        java.time.Instant killed = java.time.Instant.now();
        lab.signal("d1", "KILL"); // the agent dies; its links stay up, its kernel closes the peer link
        JsonNode takeover = awaitGroupRole("d2", "a", "MASTER");
        assertEquals("MASTER_AGENT_DIED", takeover.path("cause").asText(), takeover.toString());
        long millis = Duration.between(killed, java.time.Instant.parse(takeover.path("time").asText())).toMillis();
        System.out.printf("several groups: d1's agent killed -> d2 master of a in %d ms (Master_Down_Interval 3609 ms)%n", millis);
        assertEquals("MASTER", latestRoleChange("d2", "b").path("to").asText(), "b stayed where it was");

        // d1 comes back: a goes home, b stays
        lab.startAgent("d1", linkedConfig("d1", 150, 100, "1s"));
        awaitGroupRole("d1", "a", "MASTER");
        awaitGroupRole("d2", "a", "BACKUP");
        awaitGroupRole("d1", "b", "BACKUP");
        assertEquals("MASTER", latestRoleChange("d2", "b").path("to").asText(), "b stayed on d2");
    }
}
