package io.lvsha.agent.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lvsha.agent.lab.AdminClient;
import io.lvsha.agent.lab.Lab;
import io.lvsha.agent.lab.LabTest;
import io.lvsha.agent.lab.MachineStalls;
import io.lvsha.agent.lab.RequiresPrograms;
import io.lvsha.netns.NetnsTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 5, the NAT layout: 40 concurrent 8 MiB TFTP downloads through the VIP of an nftables
 * director pair; the master dies mid-transfer. With conntrack state replicated over the peer link
 * and committed at takeover every download completes intact; without it, downloads break.
 *
 * <p>The shared test machines stall every process at once: a master whose adverts come later than
 * Master_Down_Interval is replaced, as VRRP says it must be, and such a round tests the machine, not
 * the code. Each round therefore checks that the only role changes were the ones it caused; one that
 * nobody caused is judged by {@link MachineStalls}: with a stall on record the scenario is run again
 * with wider adverts (and says so), without one it is a defect and fails.
 */
@NetnsTest
@RequiresPrograms({"nft", "conntrack", "in.tftpd", "tftp", "atftp", "python3", "timeout", "sysctl"})
class TftpFailoverNetnsTest extends LabTest {
    private static final Duration SOON = Duration.ofSeconds(20);
    private static final Duration TRANSFERS = Duration.ofSeconds(240);
    private static final int CLIENTS = 40;
    private static final int MEGABYTES = 8;
    /** The first attempt at the lab's 100 ms; a stall-decided one is run again at 400 ms (MDI ~1.4 s). */
    private static final List<String> ADVERT_INTERVALS = List.of("100ms", "400ms");
    /** A stall this long (one 100 ms interval) can push a master's advert past Master_Down_Interval. */
    private static final Duration STALL_BOUND = Duration.ofMillis(100);
    /**
     * A download whose data has flowed this long at the master's death is on the backup. Issue 13's
     * goal is 20 ms from the session's start; on the shared 2-core machines, with 50 client
     * processes running, 10 benchmark rounds lost no download that had data before the kill, and
     * none older than 70 ms from its start but for atftp's aborts on a repeated OACK (which no
     * director can prevent); the event-to-peer-link lag had a p99 of 2-34 ms (51 ms in one CI
     * round). The bound leaves room for a loaded CI machine.
     */
    private static final double STREAM_DATA_GOAL_MILLIS = 200;
    /**
     * A download this old from its start at the master's death survives, data or not yet: a loaded
     * real server took up to 0.5 s to answer a request, and a download whose first data came only
     * in the last milliseconds of the master is in the window whatever its age. (This was the only
     * bound, at 1 s, while the kill left the machine forwarding for up to 1.6 s after its agent
     * died, and while the event thread ran at normal priority and waited up to 0.6 s for a CPU.)
     */
    private static final double STREAM_START_GOAL_MILLIS = 1000;
    private static final int STREAM_ROUNDS = 3;

    /** A round whose role changes were not all the test's doing, while the machine stalled. */
    private static final class DecidedByStall extends Exception {
        DecidedByStall(String message) {
            super(message);
        }
    }

    private TftpFailover tftp;

    private void startPair(boolean peerLink) throws Exception {
        startPair(peerLink, "rr");
    }

    private void startPair(boolean peerLink, String scheduler) throws Exception {
        lab.startAgent("d1", tftp.config("d1", 150, peerLink, scheduler));
        lab.awaitRole("d1", "MASTER", SOON);
        lab.startAgent("d2", tftp.config("d2", 100, peerLink, scheduler));
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
        awaitUnderWay(downloads);
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

    private void awaitUnderWay(Downloads downloads) throws InterruptedException {
        boolean underWay = downloads.awaitEachAtLeast(2 << 20, Duration.ofSeconds(120));
        assertTrue(underWay, () -> "not every download passed 2 MiB within 120 s:" + downloads.behind(2 << 20)
                + lab.diagnosis());
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
        for (int attempt = 0; ; attempt++) {
            String interval = ADVERT_INTERVALS.get(attempt);
            if (attempt > 0) {
                lab.close();
                lab = Lab.up(Files.createDirectories(files.dir().resolve("attempt-" + interval)));
            }
            tftp = new TftpFailover(lab, MEGABYTES, interval);
            try {
                doubleFailoverAndSwitchover();
                return;
            } catch (DecidedByStall stall) {
                if (attempt + 1 == ADVERT_INTERVALS.size()) {
                    throw new AssertionError("the machine stalled the pair at every advert interval tried "
                            + ADVERT_INTERVALS + "; the last: " + stall.getMessage());
                }
                System.out.printf("MACHINE STALL at %s adverts: %s; running the scenario again at %s%n", interval,
                        stall.getMessage(), ADVERT_INTERVALS.get(attempt + 1));
            }
        }
    }

    private void doubleFailoverAndSwitchover() throws Exception {
        startPair(true);
        round("first failover", "d2", "d1", () -> tftp.killDirector("d1"));

        tftp.reviveLinks("d1");
        Path config = tftp.config("d1", 150, true);
        Files.writeString(config, Files.readString(config).replace("version: 3\n", "version: 3\n  preempt: false\n"));
        Instant restarted = Instant.now();
        lab.startAgent("d1", config);
        lab.awaitEvent("d1", "d1 back in sync", e -> e.path("event").asText().equals("sync-in-sync") && after(e, restarted), SOON);
        round("second failover (the new master killed)", "d1", "d2", () -> tftp.killDirector("d2"));

        tftp.reviveLinks("d2");
        Instant d2Restarted = Instant.now();
        lab.startAgent("d2", tftp.config("d2", 100, true));
        lab.awaitEvent("d2", "d2 back in sync", e -> e.path("event").asText().equals("sync-in-sync") && after(e, d2Restarted), SOON);
        round("graceful switchover", "d2", "d1", () -> {
            JsonNode reply = AdminClient.call(lab.awaitAdminSocket("d1", SOON), "{\"cmd\":\"switchover\"}");
            assertTrue(reply.path("ok").asBoolean(), reply.toString());
        });
    }

    /** What ends a round's master: a kill or a command. */
    @FunctionalInterface
    private interface Disruption {
        void run() throws Exception;
    }

    /** Downloads under way with {@code newMaster} as backup, then {@code disruption}: every download must survive. */
    private void round(String what, String newMaster, String oldMaster, Disruption disruption) throws Exception {
        try (MachineStalls stalls = MachineStalls.watch(lab)) {
            Instant start = Instant.now();
            Downloads downloads = downloadsUnderWay(newMaster);
            expectNoRoleChangeSince(start, what + ", before the disruption", stalls);
            Instant disrupted = Instant.now();
            disruption.run();
            assertAllIntact(what, downloads, newMaster, oldMaster, disrupted, stalls);
        }
    }

    /**
     * Waits for {@code newMaster}'s takeover and commit after {@code since}, then for every
     * download to finish; checks that the round's only role changes were its own (the takeover, and
     * {@code oldMaster} stepping down if it lived), then that every download is intact.
     */
    private void assertAllIntact(String what, Downloads downloads, String newMaster, String oldMaster, Instant since,
            MachineStalls stalls) throws Exception {
        JsonNode takeover = lab.awaitEvent(newMaster, what + ": takeover", e -> e.path("event").asText().equals("role-change")
                && e.path("to").asText().equals("MASTER") && after(e, since), SOON);
        JsonNode committed = lab.awaitEvent(newMaster, what + ": state committed",
                e -> e.path("event").asText().equals("state-committed") && after(e, since), SOON);
        List<Downloads.Outcome> outcomes = downloads.finish(TRANSFERS);
        System.out.printf("%s: %d connections committed in %d us; takeover %s; %d/%d downloads intact; stall min/median/max %s; %s%n",
                what, committed.path("connections").asInt(), committed.path("commit_us").asLong(), takeover.path("takeover"),
                outcomes.stream().filter(Downloads.Outcome::contentRight).count(), CLIENTS, Downloads.stalls(outcomes),
                stalls.describe("d1", "d2"));
        List<JsonNode> ours = roleChangesSince(newMaster, since);
        List<JsonNode> theirs = roleChangesSince(oldMaster, since);
        boolean onlyOurs = ours.size() == 1 && theirs.size() <= 1
                && theirs.stream().allMatch(change -> change.path("to").asText().equals("BACKUP"));
        if (!onlyOurs) {
            uncaused(what + ", after it", stalls, ours, theirs);
        }
        assertTrue(committed.path("connections").asInt() >= CLIENTS, "every data flow was replicated: " + committed);
        for (Downloads.Outcome outcome : outcomes) {
            assertEquals(0, outcome.exitStatus(), what + ": " + outcome);
            assertTrue(outcome.contentRight(), what + ": " + outcome);
        }
    }

    private void expectNoRoleChangeSince(Instant since, String what, MachineStalls stalls) throws Exception {
        List<JsonNode> d1 = roleChangesSince("d1", since);
        List<JsonNode> d2 = roleChangesSince("d2", since);
        if (!d1.isEmpty() || !d2.isEmpty()) {
            uncaused(what, stalls, d1, d2);
        }
    }

    /** Role changes the test did not cause: the machine's, if it stalled; otherwise a defect. */
    private static void uncaused(String what, MachineStalls stalls, List<JsonNode> one, List<JsonNode> other)
            throws DecidedByStall {
        List<JsonNode> changes = new ArrayList<>(one);
        changes.addAll(other);
        String found = what + ": role changes the test did not cause " + changes + "; " + stalls.describe("d1", "d2");
        if (stalls.reached(STALL_BOUND, "d1", "d2")) {
            throw new DecidedByStall(found);
        }
        throw new AssertionError(found + "; no stall of " + STALL_BOUND.toMillis() + " ms explains them");
    }

    private List<JsonNode> roleChangesSince(String node, Instant since) throws IOException {
        return lab.roleChanges(node).stream().filter(change -> after(change, since)).toList();
    }

    private static boolean after(JsonNode event, Instant since) {
        return Instant.parse(event.path("time").asText()).isAfter(since);
    }

    /**
     * Issue 13: new sessions start all the time and the master is killed without waiting for
     * anything. Every download with data for {@link #STREAM_DATA_GOAL_MILLIS}, and every one older
     * than {@link #STREAM_START_GOAL_MILLIS}, at the kill survives (atftp's OACK aborts aside). A
     * machine stall holds the events up like every other process, so the bound is widened by the
     * longest stall recorded in the round (printed). Adverts are 400 ms apart: a takeover is seen
     * at once over the peer link anyway, and a stall must reach 1.2 s to make the pair flap.
     */
    @Test
    void aStreamOfNewSessionsSurvivesAKillThatWaitsForNothing() throws Exception {
        long seed = new java.util.Random().nextInt(1_000_000);
        System.out.println("stream rounds, seed " + seed);
        java.util.Random seeds = new java.util.Random(seed);
        ReplicationWindow window = new ReplicationWindow(lab, "400ms", 20, false);
        window.startPair();
        int judged = 0;
        for (int attempt = 0; judged < STREAM_ROUNDS; attempt++) {
            ReplicationWindow.Round round = window.round(seeds.nextLong());
            System.out.println("stream round " + (attempt + 1) + ": " + round.describe());
            if (!round.uncausedRoleChanges().isEmpty()) {
                String found = "role changes the kill did not cause " + round.uncausedRoleChanges() + "; " + round.stalls();
                assertTrue(round.longestStallMillis() >= 1000 && attempt < STREAM_ROUNDS + 1,
                        found + " (no stall of 1 s explains them, or too many rounds were decided by stalls)");
                System.out.println("MACHINE STALL decided this round, not judged: " + found);
                continue;
            }
            assertEquals(List.of(), round.ages().brokenBeforeTheKill(), "no download breaks before the kill: " + round.describe());
            double dataBound = STREAM_DATA_GOAL_MILLIS + round.longestStallMillis();
            assertEquals(List.of(), round.ages().lostByTheDirectorWithDataFor(dataBound), "every download with data for more"
                    + " than " + dataBound + " ms at the kill survives (" + STREAM_DATA_GOAL_MILLIS + " ms, plus the round's"
                    + " longest stall): " + round.describe());
            double startBound = STREAM_START_GOAL_MILLIS + round.longestStallMillis();
            assertEquals(List.of(), round.ages().lostByTheDirectorOlderThan(startBound), "every download older than "
                    + startBound + " ms at the kill survives: " + round.describe());
            judged++;
        }
    }

    /**
     * With source hashing both directors send a client to the same real server, so the new master
     * commits the replicated flows after its GARP (director.commit-order: auto): a packet that
     * comes first is sent where its flow's entry would have sent it, and the entry replaces the
     * one that packet made. Every download survives, and the commit is timed after the GARP.
     */
    @Test
    void withHashedSchedulingTheCommitFollowsTheGarpAndEveryDownloadSurvives() throws Exception {
        tftp = new TftpFailover(lab, MEGABYTES, "400ms");
        startPair(true, "sh");
        try (MachineStalls stalls = MachineStalls.watch(lab)) {
            Downloads downloads = downloadsUnderWay("d2");
            Instant killed = Instant.now();
            tftp.killDirector("d1");
            JsonNode takeover = lab.awaitEvent("d2", "takeover", e -> e.path("event").asText().equals("role-change")
                    && e.path("to").asText().equals("MASTER") && after(e, killed), SOON).path("takeover");
            JsonNode committed = lab.awaitEvent("d2", "state committed",
                    e -> e.path("event").asText().equals("state-committed") && after(e, killed), SOON);
            List<Downloads.Outcome> outcomes = downloads.finish(TRANSFERS);
            System.out.printf("source hashing, commit after the GARP: takeover %s; %d connections committed %d us from the"
                            + " cause; %d/%d downloads intact; stall min/median/max %s; %s%n", takeover,
                    committed.path("connections").asInt(), committed.path("commit_us").asLong(),
                    outcomes.stream().filter(Downloads.Outcome::contentRight).count(), CLIENTS, Downloads.stalls(outcomes),
                    stalls.describe("d1", "d2"));
            assertFalse(takeover.has("commit_us"), "the takeover did not wait for the commit: " + takeover);
            assertTrue(committed.path("commit_us").asLong() > takeover.path("garp_us").asLong(),
                    "the commit comes after the first GARP: " + committed + ", takeover " + takeover);
            assertEquals(List.of(), outcomes.stream().filter(outcome -> !outcome.contentRight()).map(Downloads.Outcome::client)
                    .toList(), "every download survives");
        }
    }

    @Test
    void withoutReplicationDownloadsBreak() throws Exception {
        tftp = new TftpFailover(lab, MEGABYTES, ADVERT_INTERVALS.get(0));
        startPair(false);
        Downloads downloads = tftp.startDownloads(CLIENTS);
        awaitUnderWay(downloads);
        tftp.killDirector("d1");
        lab.awaitRole("d2", "MASTER", SOON);
        List<Downloads.Outcome> outcomes = downloads.finish(TRANSFERS);
        long broken = outcomes.stream().filter(outcome -> !outcome.contentRight()).count();
        System.out.printf("not replicated: %d/%d downloads broke%n", broken, CLIENTS);
        assertTrue(broken > 0, "the test can fail: without replicated state the new master cannot carry the flows");
    }
}
