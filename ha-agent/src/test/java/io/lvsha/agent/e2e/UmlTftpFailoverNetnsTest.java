package io.lvsha.agent.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvsha.agent.lab.LabFiles;
import io.lvsha.agent.lab.RequiresPrograms;
import io.lvsha.agent.lab.Uml;
import io.lvsha.netns.NetnsTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 5, the direct-routing layout on real kernels ({@link UmlLab}): two User-Mode Linux directors with IPVS, each
 * running ha-agent with the ipvs backend (the agent inside the guest, as on a real director), two
 * real servers with the VIP on loopback and ARP suppressed, running tftpd-hpa, and 40 curl TFTP
 * clients, each from its own address (persistence is per client). The master guest is killed
 * mid-transfer.
 */
@NetnsTest
@ExtendWith(Uml.HostCanRunUml.class)
@RequiresPrograms({"linux.uml", "/usr/lib/uml/modules", "taskset", "modprobe", "ipvsadm", "iptables-legacy", "in.tftpd", "curl", "sysctl", "timeout", "python3"})
class UmlTftpFailoverNetnsTest {
    private static final int CLIENTS = 40;
    private static final String IMAGE = TftpImages.sized(8);
    private static final Duration BOOT = UmlLab.BOOT;
    /**
     * Issue 13's bound for the IPVS layout, above every window measured (README): the backup's
     * kernel lacked downloads up to 426 ms old at the kill, and one run of this test lost three
     * 184 ms old; none older than 300 ms broke in 16 rounds. The goal (20 ms) is not met yet.
     */
    private static final double STREAM_GOAL_MILLIS = 1000;
    /**
     * How long the master may have run after it forwarded a download's request and the backup
     * agent's table still lacks it. The master polls its table every 5 ms (README: every request
     * 6.8 ms old and more was held); the bound leaves room for the guest's own stalls, and is
     * below what the 250 ms export the poll replaced would miss (the kill comes 0-50 ms after a
     * request, and the requests before it are 50 ms apart). Counted to the master's last
     * forwarded frame, not to the kill: a guest the host stopped for 250 ms just before the kill
     * (seen once, with every download surviving) replicated nothing then and must not be judged
     * on that time.
     */
    private static final double AGENT_WINDOW_BOUND_MILLIS = 100;
    private static final int STREAM_ROUNDS = 3;

    @RegisterExtension
    final LabFiles files = LabFiles.perTest();
    private final TftpImages images = TftpImages.sized(7, 2, 3, 4, 5, 6, 7, 8);
    private UmlLab lab;

    @BeforeEach
    void setUp() throws Exception {
        lab = new UmlLab(files.dir(), images, 4);
    }

    @AfterEach
    void tearDown() {
        lab.close();
    }

    private static String events(Uml uml) throws Exception {
        return UmlLab.events(uml);
    }

    private static void awaitEvent(Uml uml, String what, String fragment, Duration timeout) throws Exception {
        UmlLab.awaitEvent(uml, what, fragment, timeout);
    }

    /**
     * 40 curl downloads, each from its own address, half at 512-byte blocks and half at 1468,
     * each at least 1 MiB in; curl gives up after {@code maxSeconds} (a transfer sent to the wrong
     * real server only ever gets ICMP port-unreachable, which curl's TFTP ignores).
     */
    private Downloads downloadsUnderWay(int maxSeconds) throws Exception {
        Path round = Files.createTempDirectory(lab.dir(), "round");
        List<Downloads.Client> clients = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            clients.add(lab.download(round, i, IMAGE, images.sha256(IMAGE), i % 2 == 0 ? 512 : 1468, maxSeconds));
        }
        Downloads downloads = Downloads.start(clients, round);
        boolean underWay = downloads.awaitEachAtLeast(1 << 20, Duration.ofSeconds(120));
        assertTrue(underWay, () -> "not every download passed 1 MiB within 120 s:" + downloads.behind(1 << 20)
                + "\ntftpd logs in " + lab.dir());
        return downloads;
    }

    /**
     * The master dies mid-transfer; the first director comes back (at a lower priority, so it stays
     * backup) and the new master dies too; the second comes back and a graceful switchover hands
     * mastership over mid-transfer. Every round: every download intact.
     */
    @Test
    void everyDownloadSurvivesTwoDeathsAndASwitchover() throws Exception {
        Uml d1 = lab.agent(1, 150, true);
        awaitEvent(d1, "d1 master", "\"to\":\"MASTER\"", BOOT);
        Uml d2 = lab.agent(2, 100, true);
        awaitEvent(d2, "d2 in sync", "\"event\":\"sync-in-sync\"", BOOT);
        round("master killed", d2, d1::kill);

        Uml d1Again = lab.agent(1, 50, true);
        awaitEvent(d1Again, "d1 back in sync", "\"event\":\"sync-in-sync\"", BOOT);
        round("the new master killed too", d1Again, d2::kill);

        Uml d2Again = lab.agent(2, 40, true);
        awaitEvent(d2Again, "d2 back in sync", "\"event\":\"sync-in-sync\"", BOOT);
        round("graceful switchover", d2Again, () -> {
            try {
                System.out.println("ha-agentctl switchover: " + lab.agentctl(d1Again, 1, "switchover"));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** Downloads under way, then {@code failure}; {@code newMaster} must take over and every download finish intact. */
    private void round(String what, Uml newMaster, Runnable failure) throws Exception {
        Downloads downloads = downloadsUnderWay(240);
        failure.run();
        awaitEvent(newMaster, what + ": takeover", "\"to\":\"MASTER\"", Duration.ofSeconds(60));
        List<Downloads.Outcome> outcomes = downloads.finish(Duration.ofSeconds(300));
        String committed = events(newMaster).lines().filter(line -> line.contains("state-committed")).findFirst().orElse("none");
        System.out.printf("UML IPVS, direct routing, replicated, %s: %d/%d downloads intact; stall min/median/max %s; %s%n",
                what, Downloads.intact(outcomes), CLIENTS, Downloads.stalls(outcomes), committed);
        assertEquals(CLIENTS, Downloads.intact(outcomes), what + ": every download survives; curl logs in " + lab.dir() + ": " + outcomes);
    }

    @Test
    void withoutSyncDownloadsBreak() throws Exception {
        Uml d1 = lab.agent(1, 150, false);
        awaitEvent(d1, "d1 master", "\"to\":\"MASTER\"", BOOT);
        Uml d2 = lab.agent(2, 100, false);
        awaitEvent(d2, "d2 backup", "\"to\":\"BACKUP\"", BOOT);
        Downloads downloads = downloadsUnderWay(45);
        d1.kill();
        awaitEvent(d2, "d2 takes over", "\"to\":\"MASTER\"", Duration.ofSeconds(60));
        long intact = Downloads.intact(downloads.finish(Duration.ofSeconds(120)));
        System.out.printf("UML IPVS, direct routing, no sync: %d/%d downloads broke%n", CLIENTS - intact, CLIENTS);
        assertTrue(intact < CLIENTS, "the test can fail: without the connection table the new master re-balances");
    }

    /**
     * Issue 13, the direct-routing layout: a fresh pair per round, 20 new downloads a second, and
     * the master guest killed at a random moment of the stream without waiting for anything.
     * Every download in flight that was older than {@link #STREAM_GOAL_MILLIS} at the kill
     * survives; four real servers make a download the new master re-balances break three times
     * in four.
     */
    @Test
    void aStreamOfNewSessionsSurvivesAKillThatWaitsForNothing() throws Exception {
        long seed = new Random().nextInt(1_000_000);
        System.out.println("UML stream rounds, seed " + seed);
        Random seeds = new Random(seed);
        UmlReplicationWindow window = new UmlReplicationWindow(lab, images, 20, 0, 50);
        for (int i = 0; i < STREAM_ROUNDS; i++) {
            UmlReplicationWindow.Round round = window.round(UmlReplicationWindow.Software.HA_AGENT, seeds.nextLong());
            System.out.println("UML stream round " + (i + 1) + ": " + round.describe());
            assertTrue(round.ages().downloads().size() >= 10, "the stream had downloads in flight at the kill: " + round.describe());
            assertEquals(List.of(), round.ages().brokenBeforeTheKill(), "no download breaks before the kill: " + round.describe());
            assertEquals(List.of(), round.ages().lostByTheDirectorOlderThan(STREAM_GOAL_MILLIS), "every download older than "
                    + STREAM_GOAL_MILLIS + " ms at the kill survives: " + round.describe());
            if (round.backupsAgent() == null) {
                System.out.println("UML stream round " + (i + 1) + ": the backup agent's table was read after the takeover, not judged");
            } else {
                assertTrue(round.backupsAgent().downloads() >= 10, "the master was seen forwarding the requests of the downloads"
                        + " in flight: " + round.describe());
                assertTrue(round.backupsAgent().oldestMissing().orElse(0) < AGENT_WINDOW_BOUND_MILLIS, "the backup agent held"
                        + " every download whose request the master forwarded " + AGENT_WINDOW_BOUND_MILLIS + " ms of its run-time before"
                        + " the kill: " + round.describe());
            }
        }
    }

    /** The latest event of {@code name} of {@code group} in {@code uml}'s event file that {@code matches}, or null. */
    private static com.fasterxml.jackson.databind.JsonNode groupEvent(Uml uml, String name, String group,
            java.util.function.Predicate<com.fasterxml.jackson.databind.JsonNode> matches) throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.JsonNode found = null;
        for (String line : events(uml).split("\n")) {
            if (line.startsWith("{")) {
                com.fasterxml.jackson.databind.JsonNode event = json.readTree(line);
                if (event.path("event").asText().equals(name) && event.path("group").asText().equals(group) && matches.test(event)) {
                    found = event;
                }
            }
        }
        return found;
    }

    private static com.fasterxml.jackson.databind.JsonNode awaitGroupEvent(Uml uml, String what, String name, String group,
            java.util.function.Predicate<com.fasterxml.jackson.databind.JsonNode> matches, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        com.fasterxml.jackson.databind.JsonNode found;
        while ((found = groupEvent(uml, name, group, matches)) == null) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError(what + ": not within " + timeout + "; events:\n" + events(uml));
            }
            Thread.sleep(200);
        }
        return found;
    }

    /**
     * Issue 15, step 3 on real IPVS: an active-active pair of UML directors, group a (its VIP,
     * service tftp-a) at home on d1 and group b (VIP_B, tftp-b) on d2, both kernels running both
     * sync daemons. 20 downloads through each VIP; d1 dies; d2 takes a with a's connections
     * committed and b untouched, and every download finishes intact.
     */
    @Test
    void anActiveActivePairKeepsBothGroupsDownloadsWhenOneDirectorDies() throws Exception {
        Uml d1 = lab.activeActiveAgent(1, 150, 100);
        awaitGroupEvent(d1, "d1 master of a", "role-change", "a", e -> e.path("to").asText().equals("MASTER"), BOOT);
        Uml d2 = lab.activeActiveAgent(2, 100, 150);
        awaitGroupEvent(d2, "d2 master of b", "role-change", "b", e -> e.path("to").asText().equals("MASTER"), BOOT);
        awaitGroupEvent(d2, "d2 in sync for a", "sync-in-sync", "a", e -> true, BOOT);
        awaitGroupEvent(d1, "d1 in sync for b", "sync-in-sync", "b", e -> true, BOOT);
        String daemons = d1.shell("ipvsadm -L --daemon").output();
        assertTrue(daemons.contains("master sync daemon") && daemons.contains("backup sync daemon"), daemons);

        Path round = Files.createTempDirectory(lab.dir(), "active-active");
        List<Downloads.Client> clients = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            clients.add(lab.download(round, i, IMAGE, images.sha256(IMAGE), i % 2 == 0 ? 512 : 1468, 240,
                    i < CLIENTS / 2 ? UmlLab.VIP : UmlLab.VIP_B));
        }
        Downloads downloads = Downloads.start(clients, round);
        assertTrue(downloads.awaitEachAtLeast(1 << 20, Duration.ofSeconds(120)),
                () -> "not every download passed 1 MiB within 120 s:" + downloads.behind(1 << 20) + "\ntftpd logs in " + lab.dir());
        java.time.Instant killed = java.time.Instant.now();
        d1.kill();
        awaitGroupEvent(d2, "d2 takes a", "role-change", "a", e -> e.path("to").asText().equals("MASTER")
                && !e.path("cause").asText().equals("STARTUP"), Duration.ofSeconds(60));
        com.fasterxml.jackson.databind.JsonNode committed = awaitGroupEvent(d2, "a's table committed", "state-committed", "a",
                e -> e.path("connections").asInt() > 0, Duration.ofSeconds(60));
        List<Downloads.Outcome> outcomes = downloads.finish(Duration.ofSeconds(300));
        System.out.printf("UML IPVS, active-active, d1 killed: %d/%d downloads intact (half through each group); stall"
                + " min/median/max %s; %s%n", Downloads.intact(outcomes), CLIENTS, Downloads.stalls(outcomes), committed);
        assertEquals(CLIENTS, Downloads.intact(outcomes), "every download survives; curl logs in " + lab.dir() + ": " + outcomes);
        java.util.function.Predicate<com.fasterxml.jackson.databind.JsonNode> afterTheKill =
                e -> java.time.Instant.parse(e.path("time").asText()).isAfter(killed);
        assertEquals(null, groupEvent(d2, "state-committed", "b", afterTheKill), "b did not move on d2, nor commit");
        assertEquals(null, groupEvent(d2, "role-change", "b", afterTheKill), "b did not move on d2, nor commit");
    }
}
