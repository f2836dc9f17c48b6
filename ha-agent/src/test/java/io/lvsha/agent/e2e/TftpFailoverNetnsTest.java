package io.lvsha.agent.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lvsha.agent.lab.AdminClient;
import io.lvsha.agent.lab.LabTest;
import io.lvsha.agent.lab.RequiresPrograms;
import java.nio.file.Path;
import java.time.Instant;
import io.lvsha.netns.NetnsTest;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 5, the NAT layout: 40 concurrent 8 MiB TFTP downloads through the VIP of an nftables
 * director pair; the master dies mid-transfer. With conntrack state replicated over the peer link
 * and committed at takeover every download completes intact; without it, downloads break.
 */
@NetnsTest
@RequiresPrograms({"nft", "conntrack", "in.tftpd", "tftp", "atftp", "python3", "timeout", "sysctl"})
class TftpFailoverNetnsTest extends LabTest {
    private static final Duration SOON = Duration.ofSeconds(20);
    private static final Duration TRANSFERS = Duration.ofSeconds(240);
    private static final int CLIENTS = 40;
    private static final int MEGABYTES = 8;

    private TftpFailover tftp;

    @BeforeEach
    void setUp() throws Exception {
        tftp = new TftpFailover(lab, MEGABYTES);
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

    /**
     * CLIENTS downloads started, each at least 2 MiB of 8 in: a failover from here on is
     * mid-transfer. The master hands its flows to the peer every 200 ms, so a flow younger than
     * that dies with a master that dies (as the kernel's own sync loses what it has not flushed,
     * every 2 s); the kill waits (at most 5 s) until {@code backup} holds this round's flows, so
     * that it tests the takeover, not the export's latency on a loaded machine. The wait is printed.
     */
    private Downloads downloadsUnderWay(String backup) throws Exception {
        Path socket = lab.awaitAdminSocket(backup, SOON);
        int before = replicated(socket);
        Downloads downloads = tftp.startDownloads(CLIENTS);
        assertTrue(downloads.awaitEachAtLeast(2 << 20, Duration.ofSeconds(120)), "every download under way");
        long start = System.nanoTime();
        int held = replicated(socket);
        while (held < before + CLIENTS && System.nanoTime() - start < 5_000_000_000L) {
            Thread.sleep(50);
            held = replicated(socket);
        }
        System.out.printf("%s holds %d connections (%d before the round) %d ms after every download passed 2 MiB%n",
                backup, held, before, (System.nanoTime() - start) / 1_000_000);
        return downloads;
    }

    private static int replicated(Path adminSocket) throws Exception {
        return AdminClient.call(adminSocket, "{\"cmd\":\"status\"}").path("sync").path("connections").asInt();
    }

    /**
     * The master dies mid-transfer; the first director comes back (as backup) and the new master
     * dies too; then a graceful switchover hands mastership back, mid-transfer.
     */
    @Test
    void doubleFailoverAndSwitchoverKeepEveryDownload() throws Exception {
        startPair(true);
        Downloads first = downloadsUnderWay("d2");
        Instant killed = Instant.now();
        tftp.killDirector("d1");
        assertAllIntact("first failover", first, "d2", killed);

        tftp.reviveLinks("d1");
        Path config = tftp.config("d1", 150, true);
        java.nio.file.Files.writeString(config, java.nio.file.Files.readString(config).replace("version: 3\n", "version: 3\n  preempt: false\n"));
        Instant restarted = Instant.now();
        lab.startAgent("d1", config);
        lab.awaitEvent("d1", "d1 back in sync", e -> e.path("event").asText().equals("sync-in-sync") && after(e, restarted), SOON);

        Downloads second = downloadsUnderWay("d1");
        Instant killedAgain = Instant.now();
        tftp.killDirector("d2");
        assertAllIntact("second failover (the new master killed)", second, "d1", killedAgain);

        tftp.reviveLinks("d2");
        Instant d2Restarted = Instant.now();
        lab.startAgent("d2", tftp.config("d2", 100, true));
        lab.awaitEvent("d2", "d2 back in sync", e -> e.path("event").asText().equals("sync-in-sync") && after(e, d2Restarted), SOON);
        Downloads third = downloadsUnderWay("d2");
        Instant switched = Instant.now();
        JsonNode reply = AdminClient.call(lab.awaitAdminSocket("d1", SOON), "{\"cmd\":\"switchover\"}");
        assertTrue(reply.path("ok").asBoolean(), reply.toString());
        assertAllIntact("graceful switchover", third, "d2", switched);
    }

    /** Waits for {@code newMaster}'s takeover and commit after {@code since}, then for every download to finish intact. */
    private void assertAllIntact(String what, Downloads downloads, String newMaster, Instant since) throws Exception {
        JsonNode takeover = lab.awaitEvent(newMaster, what + ": takeover", e -> e.path("event").asText().equals("role-change")
                && e.path("to").asText().equals("MASTER") && after(e, since), SOON);
        JsonNode committed = lab.awaitEvent(newMaster, what + ": state committed",
                e -> e.path("event").asText().equals("state-committed") && after(e, since), SOON);
        List<Downloads.Outcome> outcomes = downloads.finish(TRANSFERS);
        System.out.printf("%s: %d connections committed in %d us; takeover %s; %d/%d downloads intact; stall min/median/max %s%n",
                what, committed.path("connections").asInt(), committed.path("commit_us").asLong(), takeover.path("takeover"),
                outcomes.stream().filter(Downloads.Outcome::contentRight).count(), CLIENTS, Downloads.stalls(outcomes));
        assertTrue(committed.path("connections").asInt() >= CLIENTS, "every data flow was replicated: " + committed);
        for (Downloads.Outcome outcome : outcomes) {
            assertEquals(0, outcome.exitStatus(), what + ": " + outcome);
            assertTrue(outcome.contentRight(), what + ": " + outcome);
        }
    }

    private static boolean after(JsonNode event, Instant since) {
        return Instant.parse(event.path("time").asText()).isAfter(since);
    }

    @Test
    void withoutReplicationDownloadsBreak() throws Exception {
        startPair(false);
        Downloads downloads = tftp.startDownloads(CLIENTS);
        assertTrue(downloads.awaitEachAtLeast(2 << 20, Duration.ofSeconds(120)), "every download under way");
        tftp.killDirector("d1");
        lab.awaitRole("d2", "MASTER", SOON);
        List<Downloads.Outcome> outcomes = downloads.finish(TRANSFERS);
        long broken = outcomes.stream().filter(outcome -> !outcome.contentRight()).count();
        System.out.printf("not replicated: %d/%d downloads broke%n", broken, CLIENTS);
        assertTrue(broken > 0, "the test can fail: without replicated state the new master cannot carry the flows");
    }
}
