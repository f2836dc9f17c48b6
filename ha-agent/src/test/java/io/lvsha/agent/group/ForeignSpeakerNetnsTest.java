package io.lvsha.agent.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lvsha.agent.lab.AdminClient;
import io.lvsha.agent.lab.Capture;
import io.lvsha.agent.lab.LabTest;
import io.lvsha.agent.lab.RequiresPrograms;
import io.lvsha.netns.NetnsTest;
import io.lvsha.vrrp.AdvertCodec;
import io.lvsha.vrrp.Advertisement;
import io.lvsha.vrrp.ChecksumMode;
import io.lvsha.vrrp.IpAddress;
import io.lvsha.vrrp.VrrpVersion;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: a host on the client LAN forges adverts for the pair's VRID at priority 254, with the
 * right address list, 10 a second for 4 s. With the peer's sources known (learned over the peer
 * link) nothing changes; without, the RFC's behaviour: the master obeys the stranger.
 */
@NetnsTest
@RequiresPrograms({"nft", "conntrack", "python3", "sysctl"})
class ForeignSpeakerNetnsTest extends LabTest {
    private static final Duration SOON = Duration.ofSeconds(15);
    private static final String FORGER = "10.99.0.100"; // the client namespace
    private static final int FORGED = 40;

    @Test
    void withThePeersSourcesKnownAForgedAdvertChangesNothing() throws Exception {
        lab.startLinkedPair(lab.peerLinkedConfig("d1", 150, "100ms"), lab.peerLinkedConfig("d2", 100, "100ms"));
        JsonNode speakers = lab.channelStatus("d2", "public").path("known_speakers");
        assertEquals("[\"10.99.0.11\"]", speakers.toString(), "d2 learned d1's advert source over the peer link");

        Instant attack = Instant.now();
        try (Capture wire = Capture.start(lab, "cl", "eth0")) {
            forgeAdverts();
            long max = wire.advertGaps("10.99.0.11").stream().mapToLong(Long::longValue).max().orElseThrow();
            System.out.printf("the master's longest advert gap during the forged adverts: %.1f ms (interval 100 ms)%n", max / 1e6);
        }
        for (String node : List.of("d1", "d2")) {
            JsonNode reported = lab.awaitEvent(node, "foreign-speaker", e -> e.path("event").asText().equals("foreign-speaker"),
                    SOON);
            assertEquals(FORGER, reported.path("source").asText(), reported.toString());
            assertEquals(254, reported.path("priority").asInt(), reported.toString());
            assertEquals(List.of(), lab.roleChanges(node).stream()
                    .filter(change -> Instant.parse(change.path("time").asText()).isAfter(attack)).toList(), node + " changed role");
            assertTrue(lab.events(node).stream().filter(e -> e.path("event").asText().equals("foreign-speaker")).count() == 1,
                    "one event per source");
            JsonNode dropped = lab.channelStatus(node, "public").path("dropped").path("foreign-speaker");
            assertTrue(dropped.asInt() >= FORGED - 5, node + " counted the forged adverts: " + lab.channelStatus(node, "public"));
        }
        assertEquals("MASTER", AdminClient.call(lab.awaitAdminSocket("d1", SOON), "{\"cmd\":\"status\"}").path("role").asText());
        assertTrue(lab.exec("d1", "ip", "-4", "addr", "show", "dev", "pub0").contains("10.99.0.10/24"), "d1 holds the VIP");
    }

    @Test
    void withoutKnownPeersTheRfcsBehaviourStays() throws Exception {
        lab.startAgent("d1", lab.standardConfig("d1", 150, "100ms"));
        lab.awaitRole("d1", "MASTER", SOON);
        assertEquals("[]", lab.channelStatus("d1", "public").path("known_speakers").toString());
        forgeAdverts();
        JsonNode preempted = lab.awaitRole("d1", "BACKUP", SOON);
        assertTrue(preempted.path("reason").asText().contains(FORGER), "the documented risk: " + preempted);
    }

    /** {@link #FORGED} VRRPv3 adverts from the client namespace, 100 ms apart, as a raw socket sends them. */
    private void forgeAdverts() {
        Advertisement forged = Advertisement.of(VrrpVersion.V3, 51, 254, 10,
                List.of(IpAddress.parse("10.99.0.10"), IpAddress.parse("192.168.50.1")));
        String message = HexFormat.of().formatHex(AdvertCodec.encodeMessage(forged, IpAddress.parse(FORGER),
                IpAddress.parse("224.0.0.18"), ChecksumMode.PSEUDO_HEADER));
        lab.exec("cl", "python3", "-c", String.join("\n",
                "import socket, time",
                "s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)",
                "s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 255)",
                "s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton('" + FORGER + "'))",
                "for i in range(" + FORGED + "):",
                "    s.sendto(bytes.fromhex('" + message + "'), ('224.0.0.18', 0))",
                "    time.sleep(0.1)"));
    }
}
