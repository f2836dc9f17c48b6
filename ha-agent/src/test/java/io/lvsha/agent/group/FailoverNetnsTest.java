package io.lvsha.agent.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lvsha.agent.lab.Capture;
import io.lvsha.agent.lab.LabTest;
import io.lvsha.agent.lab.RequiresPrograms;
import io.lvsha.agent.lab.StallWatch;
import io.lvsha.netns.NetnsTest;
import io.lvsha.vrrp.ReceivedAdvert;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Two agents in the namespace lab (deploy/lab/lab.sh), real frames on real bridges. Time bounds
 * are generous (seconds): the machines are shared; precise timings are the harness's job.
 */
@NetnsTest
@RequiresPrograms({"ping", "sysctl"})
class FailoverNetnsTest extends LabTest {
    private static final Duration SOON = Duration.ofSeconds(15);
    private static final String VIP = "10.99.0.10";
    private static final String NAT_VIP = "192.168.50.1";
    private static final String D1_MAC = "02:00:0a:63:00:0b";
    private static final String D2_MAC = "02:00:0a:63:00:0c";
    /** d2's Master_Down_Interval at 100 ms adverts: a longer machine stall can fail over by itself. */
    private static final Duration FAILOVER_BOUND = Duration.ofMillis(360);


    private void startPair() throws Exception {
        lab.startAgent("d1", lab.standardConfig("d1", 150, "100ms"));
        lab.awaitRole("d1", "MASTER", SOON);
        lab.startAgent("d2", lab.standardConfig("d2", 100, "100ms"));
        lab.awaitRole("d2", "BACKUP", SOON);
    }

    private void assertOwnsVips(String node) {
        assertTrue(lab.hasAddress(node, "pub0", VIP), node + " lacks the public VIP");
        assertTrue(lab.hasAddress(node, "priv0", NAT_VIP), node + " lacks the NAT-router VIP");
    }

    private void assertHoldsNoVip(String node) {
        assertFalse(lab.hasAddress(node, "pub0", VIP), node + " still has the public VIP");
        assertFalse(lab.hasAddress(node, "priv0", NAT_VIP), node + " still has the NAT-router VIP");
    }

    private void cutLink(String port) {
        lab.exec("sw", "ip", "link", "set", port, "down");
    }

    private void healLink(String port) {
        lab.exec("sw", "ip", "link", "set", port, "up");
    }

    @Test
    void deadMasterIsReplacedAndTheClientSeesTheNewOwnersGratuitousArp() throws Exception {
        startPair();
        assertOwnsVips("d1");
        try (Capture client = Capture.start(lab, "cl", "eth0")) {
            lab.signal("d1", "KILL");
            lab.exec("d1", "ip", "link", "set", "pub0", "down");
            lab.exec("d1", "ip", "link", "set", "priv0", "down");

            JsonNode takeover = lab.awaitRole("d2", "MASTER", SOON);
            assertEquals("MASTER_DOWN", takeover.path("cause").asText());
            assertOwnsVips("d2");
            long deadline = System.nanoTime() + SOON.toNanos();
            while (client.frames().stream().noneMatch(f -> D2_MAC.equals(f.garpSenderMac(VIP)))
                    && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(client.frames().stream().anyMatch(f -> D2_MAC.equals(f.garpSenderMac(VIP))),
                    "no gratuitous ARP from d2 reached the client");
            Thread.sleep(500); // the rest of the burst; its repeat comes 2 s after
            List<Capture.Frame> frames = client.frames();
            assertEquals(5, frames.stream().filter(f -> D2_MAC.equals(f.garpSenderMac(VIP))).count(),
                    "the lab's burst of 5, the first of them sent right after the VIP's add, counted once");
            int firstAdvert = indexOf(frames, "10.99.0.12", -1);
            int firstGarp = frames.indexOf(frames.stream().filter(f -> D2_MAC.equals(f.garpSenderMac(VIP))).findFirst().get());
            assertTrue(firstAdvert >= 0 && firstAdvert < firstGarp, "d2 advertised before its GARP (DESIGN.md §5)");
        }
        lab.exec("cl", "ping", "-c", "3", "-i", "0.2", "-W", "2", VIP);
        assertTrue(lab.exec("cl", "ip", "neigh", "show", VIP).contains(D2_MAC), "the client still talks to d1");
    }

    @Test
    void gracefulStopResignsWithPriorityZeroBeforeTheBackupTakesOver() throws Exception {
        startPair();
        try (Capture client = Capture.start(lab, "cl", "eth0")) {
            lab.signal("d1", "TERM");
            JsonNode takeover = lab.awaitRole("d2", "MASTER", SOON);
            assertEquals("MASTER_RESIGNED", takeover.path("cause").asText());
            assertTrue(lab.awaitExit("d1", SOON), "d1 did not exit on SIGTERM");
            assertHoldsNoVip("d1");
            assertOwnsVips("d2");
            Thread.sleep(300);
            List<Capture.Frame> frames = client.frames();
            int resign = indexOf(frames, "10.99.0.11", 0);
            int firstFromD2 = indexOf(frames, "10.99.0.12", -1);
            assertTrue(resign >= 0, "no priority-0 advert from d1 on the wire");
            assertTrue(firstFromD2 > resign, "d2 advertised before d1 resigned");
        }
    }

    /** Index of the first advert from {@code source} with {@code priority} (-1: any), or -1. */
    private static int indexOf(List<Capture.Frame> frames, String source, int priority) {
        for (int i = 0; i < frames.size(); i++) {
            ReceivedAdvert advert = frames.get(i).advert();
            if (advert != null && advert.source().toString().equals(source)
                    && (priority < 0 || advert.advert().priority() == priority)) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void privateChannelCutIsAChannelLossOnBothNodesAndOnlyBothCutFailOver() throws Exception {
        startPair();
        cutLink("d1priv");
        lab.awaitEvent("d1", "channel-lost", e -> e.path("event").asText().equals("channel-lost")
                && e.path("channel").asText().equals("private"), SOON);
        lab.awaitEvent("d2", "channel-lost", e -> e.path("event").asText().equals("channel-lost")
                && e.path("channel").asText().equals("private"), SOON);
        try (StallWatch machine = StallWatch.start()) {
            Thread.sleep(1000);
            if (machine.quieterThan(FAILOVER_BOUND)) {
                assertEquals(1, lab.roleChanges("d2").size(), "d2 failed over with one channel still up");
            }
        }
        lab.awaitRole("d1", "MASTER", SOON);

        cutLink("d1pub");
        lab.awaitRole("d2", "MASTER", SOON);

        healLink("d1pub");
        healLink("d1priv");
        // d1 has the higher priority and preempts: exactly one master, d1, and only it has the VIPs.
        lab.awaitRole("d2", "BACKUP", SOON);
        lab.awaitRole("d1", "MASTER", SOON);
        Thread.sleep(1000);
        assertEquals("BACKUP", lab.roleChanges("d2").get(lab.roleChanges("d2").size() - 1).path("to").asText());
        assertOwnsVips("d1");
        assertHoldsNoVip("d2");
    }

    @Test
    void masterWhosePublicLinkFailsLowersItsPriorityAndTheBackupTakesOver() throws Exception {
        startPair();
        cutLink("d1pub");
        lab.awaitEvent("d1", "tracked link down", e -> e.path("event").asText().equals("link-down")
                && e.path("priority").asInt() == 50, SOON);
        JsonNode takeover = lab.awaitRole("d2", "MASTER", SOON);
        assertEquals("PREEMPT_LOWER_PRIORITY_MASTER", takeover.path("cause").asText());
        lab.awaitRole("d1", "BACKUP", SOON);
        assertOwnsVips("d2");
    }

    private java.nio.file.Path unicastConfig(String node, int priority, String publicPeer, String privatePeer)
            throws Exception {
        java.nio.file.Path config = lab.standardConfig(node, priority, "100ms");
        java.nio.file.Files.writeString(config, java.nio.file.Files.readString(config)
                .replace("{name: public, interface: pub0}", "{name: public, interface: pub0, peers: [" + publicPeer + "]}")
                .replace("{name: private, interface: priv0}", "{name: private, interface: priv0, peers: [" + privatePeer + "]}"));
        return config;
    }

    @Test
    void unicastPeersCarryTheAdvertsAndADeadMasterIsStillReplaced() throws Exception {
        lab.startAgent("d1", unicastConfig("d1", 150, "10.99.0.12", "192.168.50.12"));
        lab.awaitRole("d1", "MASTER", SOON);
        lab.startAgent("d2", unicastConfig("d2", 100, "10.99.0.11", "192.168.50.11"));
        lab.awaitRole("d2", "BACKUP", SOON);
        try (Capture backup = Capture.start(lab, "d2", "pub0", "ip proto 112")) {
            Thread.sleep(500);
            List<ReceivedAdvert> adverts = backup.frames().stream().map(Capture.Frame::advert)
                    .filter(java.util.Objects::nonNull).toList();
            assertFalse(adverts.isEmpty(), "no advert reached d2");
            assertTrue(adverts.stream().allMatch(a -> a.destination().toString().equals("10.99.0.12")),
                    "an advert was not sent unicast to d2: " + adverts);
        }
        try (StallWatch machine = StallWatch.start()) {
            Thread.sleep(1000);
            if (machine.quieterThan(FAILOVER_BOUND)) {
                assertEquals(1, lab.roleChanges("d2").size(), "d2 did not stay backup under unicast adverts");
            }
        }
        lab.signal("d1", "KILL");
        assertEquals("MASTER_DOWN", lab.awaitRole("d2", "MASTER", SOON).path("cause").asText());
    }

    @Test
    void vipLeftByAnEarlierRunIsRemovedBeforeJoiningAsBackup() throws Exception {
        lab.startAgent("d1", lab.standardConfig("d1", 150, "100ms"));
        lab.awaitRole("d1", "MASTER", SOON);
        lab.exec("d2", "ip", "addr", "add", VIP + "/24", "dev", "pub0");

        lab.startAgent("d2", lab.standardConfig("d2", 100, "100ms"));
        JsonNode removed = lab.awaitEvent("d2", "leftover VIP removal", e -> e.path("event").asText().equals("vip-removed")
                && e.path("reason").asText().equals("leftover"), SOON);
        assertNotNull(removed);
        lab.awaitRole("d2", "BACKUP", SOON);
        assertHoldsNoVip("d2");
        assertOwnsVips("d1");
    }
}
