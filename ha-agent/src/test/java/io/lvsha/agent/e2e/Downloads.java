package io.lvsha.agent.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One round of concurrent downloads by real client programs, watched from start to end: what each
 * client got, and the longest time its file did not grow (the stall a failover cost it).
 */
final class Downloads {
    /** One download's outcome. */
    record Outcome(String client, int exitStatus, boolean contentRight, long stallMillis) {
    }

    /** A client to start: its name (for its log) and its command line. */
    record Client(String name, List<String> command, Path output) {
    }

    private final List<Client> clients;
    private final Path logs;
    private final List<Process> processes = new ArrayList<>();
    private final String expectedSha256;
    private final long[] lastSize;
    private final long[] lastGrowth;
    private final long[] longestStall;
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();

    /** Starts every client (its output to {@code logs}/NAME.log) and samples the files every 10 ms. */
    Downloads(List<Client> clients, Path logs, String expectedSha256) throws IOException {
        this.clients = List.copyOf(clients);
        this.logs = logs;
        this.expectedSha256 = expectedSha256;
        for (Client client : clients) {
            processes.add(new ProcessBuilder(client.command()).redirectErrorStream(true)
                    .redirectOutput(logs.resolve(client.name() + ".log").toFile()).start());
        }
        lastSize = new long[clients.size()];
        lastGrowth = new long[clients.size()];
        longestStall = new long[clients.size()];
        Arrays.fill(lastGrowth, System.nanoTime());
        // A thread of its own: the test thread waits for events while the stall happens.
        sampler.scheduleWithFixedDelay(this::sample, 0, 10, TimeUnit.MILLISECONDS);
    }

    /** Waits until every file has at least {@code bytes}; false at the deadline. */
    boolean awaitEachAtLeast(long bytes, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (smallest() >= bytes) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    /**
     * The downloads that have fewer than {@code bytes}, each with its size, whether its client
     * still runs, and the tail of its log ("Transfer timed out"), for a failure message.
     */
    synchronized String behind(long bytes) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < clients.size(); i++) {
            if (lastSize[i] < bytes) {
                Process process = processes.get(i);
                String log;
                try {
                    log = Files.readString(logs.resolve(clients.get(i).name() + ".log")).strip();
                } catch (IOException e) {
                    log = "";
                }
                text.append("\n  ").append(clients.get(i).name()).append(": ").append(lastSize[i]).append(" bytes, ")
                        .append(process.isAlive() ? "running" : "exited " + process.exitValue())
                        .append(log.isEmpty() ? "" : "; its log: " + log.substring(Math.max(0, log.length() - 300)));
            }
        }
        return text.toString();
    }

    /** Waits until every client has exited (or the deadline); then judges each download. */
    List<Outcome> finish(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && processes.stream().anyMatch(Process::isAlive)) {
            Thread.sleep(20);
        }
        sampler.shutdownNow();
        List<Outcome> outcomes = new ArrayList<>();
        for (int i = 0; i < processes.size(); i++) {
            Process process = processes.get(i);
            if (process.isAlive()) {
                process.destroyForcibly();
            }
            int status = process.waitFor();
            Path output = clients.get(i).output();
            boolean right = Files.exists(output) && expectedSha256.equals(HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(output))));
            outcomes.add(new Outcome(clients.get(i).name(), status, right, stallMillis(i)));
        }
        return outcomes;
    }

    /** "min/median/max" of the stalls, in milliseconds. */
    static String stalls(List<Outcome> outcomes) {
        long[] sorted = outcomes.stream().mapToLong(Outcome::stallMillis).sorted().toArray();
        return sorted[0] + "/" + sorted[sorted.length / 2] + "/" + sorted[sorted.length - 1] + " ms";
    }

    static long intact(List<Outcome> outcomes) {
        return outcomes.stream().filter(outcome -> outcome.contentRight() && outcome.exitStatus() == 0).count();
    }

    private synchronized long smallest() {
        return Arrays.stream(lastSize).min().orElse(0);
    }

    private synchronized void sample() {
        long now = System.nanoTime();
        for (int i = 0; i < clients.size(); i++) {
            long size;
            try {
                Path output = clients.get(i).output();
                size = Files.exists(output) ? Files.size(output) : 0;
            } catch (IOException e) {
                continue; // a file being replaced by its client: the next sample sees it
            }
            if (size != lastSize[i]) {
                lastSize[i] = size;
                lastGrowth[i] = now;
            } else if (processes.get(i).isAlive()) {
                longestStall[i] = Math.max(longestStall[i], now - lastGrowth[i]);
            }
        }
    }

    private synchronized long stallMillis(int client) {
        return longestStall[client] / 1_000_000;
    }
}
