package io.lvsha.agent.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lvsha.agent.lab.AdminClient;
import io.lvsha.agent.lab.Lab;
import io.lvsha.netns.NetnsTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Two agents joined by their peer link in the namespace lab. */
@NetnsTest
class PeerLinkAgentNetnsTest {
    private static final Duration SOON = Duration.ofSeconds(15);

    private Lab lab;

    @BeforeEach
    void setUp() throws Exception {
        lab = Lab.up();
    }

    @AfterEach
    void tearDown() {
        lab.close();
    }

    private void startLinkedPair(String interval, Path d2Config) throws Exception {
        lab.startAgent("d1", lab.peerLinkedConfig("d1", 150, interval));
        lab.awaitRole("d1", "MASTER", SOON);
        lab.startAgent("d2", d2Config);
        lab.awaitRole("d2", "BACKUP", SOON);
        lab.awaitEvent("d1", "peer link up", e -> e.path("event").asText().equals("peer-link-up"), SOON);
        lab.awaitEvent("d2", "peer link up", e -> e.path("event").asText().equals("peer-link-up"), SOON);
    }

    @Test
    void aDeadMasterAgentIsReplacedWithoutWaitingForMasterDownInterval() throws Exception {
        startLinkedPair("1s", lab.peerLinkedConfig("d2", 100, "1s"));
        Instant killed = Instant.now();
        lab.signal("d1", "KILL"); // the agent dies; its links stay up, its kernel closes the peer link
        JsonNode takeover = lab.awaitRole("d2", "MASTER", SOON);
        assertEquals("MASTER_AGENT_DIED", takeover.path("cause").asText(), takeover.toString());
        long millis = Duration.between(killed, Instant.parse(takeover.path("time").asText())).toMillis();
        System.out.printf("master agent killed -> backup master in %d ms (Master_Down_Interval 3609 ms,"
                + " Skew_Time + one interval 1609 ms)%n", millis);
    }

    @Test
    void differentSharedSettingsAreReportedOnBothSides() throws Exception {
        Path d2 = lab.peerLinkedConfig("d2", 100, "100ms");
        Files.writeString(d2, Files.readString(d2).replace("burst: 5\n", "burst: 3\n"));
        startLinkedPair("100ms", d2);
        lab.awaitEvent("d1", "config mismatch", e -> e.path("event").asText().equals("config-mismatch"), SOON);
        lab.awaitEvent("d2", "config mismatch", e -> e.path("event").asText().equals("config-mismatch"), SOON);
        JsonNode status = AdminClient.call(lab.awaitAdminSocket("d1", SOON), "{\"cmd\":\"status\"}");
        assertTrue(status.path("peer_link").path("up").asBoolean(), status.toString());
        assertFalse(status.path("peer_link").path("config_match").asBoolean(), status.toString());
    }

    @Test
    void switchoverWithThePeerLinkUpIsMakeBeforeBreak() throws Exception {
        startLinkedPair("100ms", lab.peerLinkedConfig("d2", 100, "100ms"));
        JsonNode reply = AdminClient.call(lab.awaitAdminSocket("d1", SOON), "{\"cmd\":\"switchover\"}");
        assertTrue(reply.path("ok").asBoolean(), reply.toString());
        assertTrue(reply.path("make_before_break").asBoolean(), reply.toString());
        assertEquals("BACKUP", reply.path("role").asText());
        JsonNode takeover = lab.awaitRole("d2", "MASTER", SOON);
        assertEquals("SWITCHOVER", takeover.path("cause").asText());
        // The new master announced the VIPs before the old one released them: no gap of Skew_Time.
        Instant garp = Instant.parse(lab.awaitEvent("d2", "GARP", e -> e.path("event").asText().equals("garp-sent")
                && e.path("reason").asText().equals("takeover"), SOON).path("time").asText());
        Instant released = Instant.parse(lab.awaitEvent("d1", "VIP removal", e -> e.path("event").asText()
                .equals("vip-removed") && !e.path("reason").asText().equals("leftover"), SOON).path("time").asText());
        assertFalse(released.isBefore(garp), "d1 released at " + released + " before d2 announced at " + garp);
        System.out.printf("make-before-break: released %.3f ms after the request%n",
                reply.path("released_after_ms").asDouble());
    }
}
