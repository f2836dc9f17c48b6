package io.lvsha.agent.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.lvsha.agent.lab.AdminClient;
import io.lvsha.agent.lab.Lab;
import io.lvsha.agent.lab.MachineStalls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * The window in which a new session dies with the master (NAT layout, replication on): a steady
 * stream of new TFTP downloads (2-8 MiB, four client and block-size kinds), and the master killed
 * at a random moment of it without waiting for anything; then every download's age at the kill
 * against whether it survived ({@link DownloadAges}).
 */
final class ReplicationWindow {
    private static final Duration SOON = Duration.ofSeconds(20);
    private static final Duration TRANSFERS = Duration.ofSeconds(150);

    /**
     * One round: its seed, when in the stream the master died, each download's age and outcome,
     * and the longest stall the machine had meanwhile (the test JVM's or an agent's).
     */
    record Round(String killed, long seed, long killAfterMillis, double killTookMillis, DownloadAges ages,
                 long longestStallMillis, String stalls, List<JsonNode> uncausedRoleChanges, String replicationLag,
                 String machineLatency) {
        String describe() {
            return String.format(Locale.ROOT, "%s killed %d ms into the stream (seed %d, links down and agent dead %.1f ms after): %s;"
                            + " replication lag until 1 s before the kill (us): %s; %s%s", killed,
                    killAfterMillis, seed, killTookMillis, ages.describe(), replicationLag, stalls, machineLatency.isEmpty() ? ""
                            : "; the machine's own wake-up latency at SCHED_FIFO 10 during the stream: " + machineLatency);
        }
    }

    private final Lab lab;
    private final TftpFailover tftp;
    private final int perSecond;
    private final boolean probeMachine;
    private String master = "d1";
    private String backup = "d2";

    /**
     * @param perSecond new downloads per second
     * @param probeMachine whether each round measures the machine's own scheduling latency during
     *     its stream ({@link SchedulingLatencyProbe}: cyclictest, from rt-tests)
     */
    ReplicationWindow(Lab lab, String advertInterval, int perSecond, boolean probeMachine) throws Exception {
        this.lab = lab;
        this.tftp = new TftpFailover(lab, 2, advertInterval, 2, 3, 4, 5, 6, 7, 8);
        this.perSecond = perSecond;
        this.probeMachine = probeMachine;
    }

    /** d1 master, d2 backup in sync; neither preempts, so that a revived director stays backup. */
    void startPair() throws Exception {
        lab.startAgent("d1", config("d1", 150));
        lab.awaitRole("d1", "MASTER", SOON);
        lab.startAgent("d2", config("d2", 100));
        lab.awaitEvent("d2", "d2 in sync", e -> e.path("event").asText().equals("sync-in-sync"), SOON);
        // This JVM's first metrics read loads the JSON and admin client classes: here, and not in
        // the last second before the first kill (a loaded machine made it miss the kill there).
        histogram("d1", "replication.event_lag.micros");
    }

    private Path config(String node, int priority) throws Exception {
        Path config = tftp.config(node, priority, true);
        Files.writeString(config, Files.readString(config).replace("version: 3\n", "version: 3\n  preempt: false\n"));
        return config;
    }

    /**
     * Streams new downloads, kills the master 1.5-3.5 s in (chosen by {@code seed}), lets every
     * download end, then brings the killed director back as backup and waits until it is in sync.
     */
    Round round(long seed) throws Exception {
        Random random = new Random(seed);
        long killAfterMillis = 1500 + random.nextInt(2000);
        TftpFailover.ClientKind[] kinds = TftpFailover.ClientKind.values();
        Path dir = tftp.roundDir();
        Downloads downloads = new Downloads(dir);
        List<Downloads.Outcome> outcomes;
        long killedAt;
        double killTook;
        long longestStall;
        String stalls;
        Instant killInstant;
        String lag;
        String killed = master;
        Instant roundStart = Instant.now();
        List<JsonNode> uncaused = new ArrayList<>();
        tftp.armKill(master);
        String machineLatency = "";
        try (SchedulingLatencyProbe probe = probeMachine ? SchedulingLatencyProbe.start(10, dir.resolve("cyclictest.hist")) : null;
             MachineStalls watch = MachineStalls.watch(lab)) {
            long start = System.nanoTime();
            long killAt = start + killAfterMillis * 1_000_000L;
            long period = 1_000_000_000L / perSecond;
            // Read a second before the kill, beside the stream: the read must not delay the kill.
            String lagOf = master;
            String lagAt = backup;
            java.util.concurrent.CompletableFuture<String> lagRead = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    sleepUntil(killAt - 1_000_000_000L);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return "kernel event to the master's peer link " + histogram(lagOf, "replication.event_lag.micros")
                        + ", to the backup's table " + histogram(lagAt, "replication.backup_table_lag.micros");
            });
            for (int i = 0; start + i * period < killAt; i++) {
                sleepUntil(start + i * period);
                downloads.start(tftp.client(dir, i, TftpFailover.imageOf(2 + random.nextInt(7)), kinds[random.nextInt(kinds.length)]));
            }
            sleepUntil(killAt);
            killInstant = Instant.now();
            killedAt = System.nanoTime();
            tftp.killDirector(master);
            killTook = (System.nanoTime() - killedAt) / 1e6; // the links go down at once; this is until both are, and the agent dead
            if (probe != null) {
                machineLatency = probe.finish();
            }
            lab.awaitEvent(backup, "takeover after the kill", e -> e.path("event").asText().equals("role-change")
                    && e.path("to").asText().equals("MASTER") && after(e, killInstant), SOON);
            outcomes = downloads.finish(TRANSFERS);
            lag = lagRead.join();
            longestStall = Math.max(watch.testJvmMillis(), Math.max(watch.agentMillis("d1"), watch.agentMillis("d2")));
            stalls = watch.describe("d1", "d2");
            for (String node : List.of("d1", "d2")) {
                lab.roleChanges(node).stream().filter(change -> after(change, roundStart)).forEach(uncaused::add);
            }
            // The one change the round causes: the backup's takeover after the kill.
            uncaused.stream().filter(change -> change.path("node").asText().equals(backup)
                    && change.path("to").asText().equals("MASTER") && after(change, killInstant))
                    .findFirst().ifPresent(uncaused::remove);
        }
        revive(killed);
        return new Round(killed, seed, killAfterMillis, killTook, DownloadAges.at(killedAt, outcomes), longestStall, stalls,
                List.copyOf(uncaused), lag, machineLatency);
    }

    private void revive(String node) throws Exception {
        tftp.reviveLinks(node);
        Instant restarted = Instant.now();
        lab.startAgent(node, config(node, node.equals("d1") ? 150 : 100));
        lab.awaitEvent(node, node + " back in sync", e -> e.path("event").asText().equals("sync-in-sync")
                && after(e, restarted), SOON);
        String newBackup = master;
        master = backup;
        backup = newBackup;
    }

    /** {@code node}'s histogram {@code name} so far, as "count N, median/p99/max"; "none" if it has none. */
    private String histogram(String node, String name) {
        try {
            JsonNode lag = AdminClient.call(lab.awaitAdminSocket(node, SOON), "{\"cmd\":\"metrics\"}").path(name);
            if (lag.isMissingNode()) {
                return "none";
            }
            return "count " + lag.path("count").asLong() + ", " + lag.path("median").asLong() + "/"
                    + lag.path("p99").asLong() + "/" + lag.path("max").asLong() + " (median/p99/max)";
        } catch (Exception e) {
            return "unread (" + e.getMessage() + ")";
        }
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left = nanoTime - System.nanoTime();
        if (left > 0) {
            Thread.sleep(left / 1_000_000, (int) (left % 1_000_000));
        }
    }

    private static boolean after(JsonNode event, Instant since) {
        return Instant.parse(event.path("time").asText()).isAfter(since);
    }
}
