package io.lvsha.agent.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lvsha.agent.lab.Lab;
import io.lvsha.netns.NetnsTest;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 5, the NAT layout: 40 concurrent 8 MiB TFTP downloads through the VIP of an nftables
 * director pair; the master dies mid-transfer. With conntrack state replicated over the peer link
 * and committed at takeover every download completes intact; without it, downloads break.
 */
@NetnsTest
class TftpFailoverNetnsTest {
    private static final Duration SOON = Duration.ofSeconds(20);
    private static final Duration TRANSFERS = Duration.ofSeconds(240);
    private static final int CLIENTS = 40;
    private static final int MEGABYTES = 8;

    private Lab lab;
    private TftpFailover tftp;

    @BeforeEach
    void setUp() throws Exception {
        lab = Lab.up();
        tftp = new TftpFailover(lab, MEGABYTES);
    }

    @AfterEach
    void tearDown() {
        lab.close();
    }

    private void startPair(boolean peerLink) throws Exception {
        lab.startAgent("d1", tftp.config("d1", 150, peerLink));
        lab.awaitRole("d1", "MASTER", SOON);
        lab.startAgent("d2", tftp.config("d2", 100, peerLink));
        lab.awaitRole("d2", "BACKUP", SOON);
        if (peerLink) {
            lab.awaitEvent("d2", "in sync", e -> e.path("event").asText().equals("sync-in-sync"), SOON);
        }
    }

    @Test
    void everyDownloadSurvivesTheMastersDeath() throws Exception {
        startPair(true);
        tftp.startDownloads(CLIENTS);
        assertTrue(tftp.awaitEachAtLeast(1 << 20, Duration.ofSeconds(120)), "every download under way");
        tftp.killDirector("d1");
        JsonNode takeover = lab.awaitRole("d2", "MASTER", SOON);
        JsonNode committed = lab.awaitEvent("d2", "state committed", e -> e.path("event").asText().equals("state-committed"), SOON);
        List<TftpFailover.Outcome> outcomes = tftp.finish(TRANSFERS);
        System.out.printf("replicated: %d connections committed in %d us; takeover %s; %d/%d downloads intact; stall %s%n",
                committed.path("connections").asInt(), committed.path("commit_us").asLong(), takeover.path("takeover"),
                outcomes.stream().filter(TftpFailover.Outcome::contentRight).count(), CLIENTS, TftpFailover.stalls(outcomes));
        assertTrue(committed.path("connections").asInt() >= CLIENTS, "every data flow was replicated: " + committed);
        for (TftpFailover.Outcome outcome : outcomes) {
            assertEquals(0, outcome.exitStatus(), outcome.toString());
            assertTrue(outcome.contentRight(), outcome.toString());
        }
    }

    @Test
    void withoutReplicationDownloadsBreak() throws Exception {
        startPair(false);
        tftp.startDownloads(CLIENTS);
        assertTrue(tftp.awaitEachAtLeast(1 << 20, Duration.ofSeconds(120)), "every download under way");
        tftp.killDirector("d1");
        lab.awaitRole("d2", "MASTER", SOON);
        List<TftpFailover.Outcome> outcomes = tftp.finish(TRANSFERS);
        long broken = outcomes.stream().filter(outcome -> !outcome.contentRight()).count();
        System.out.printf("not replicated: %d/%d downloads broke%n", broken, CLIENTS);
        assertTrue(broken > 0, "the test can fail: without replicated state the new master cannot carry the flows");
    }
}
