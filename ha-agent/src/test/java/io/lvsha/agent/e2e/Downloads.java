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
 * Downloads by real client programs, started together or one by one, watched from start to end:
 * what each client got, and the longest time its file did not grow (the stall a failover cost it).
 */
final class Downloads {
    /**
     * One download's outcome; {@code startedNanos} is when its client was started,
     * {@code firstDataNanos} when its file was first seen non-empty (0 if never) and
     * {@code endedNanos} when it was first seen exited (System.nanoTime, within 10 ms);
     * {@code logTail} the end of what the client printed.
     */
    record Outcome(String client, int exitStatus, boolean contentRight, long stallMillis, long startedNanos,
                   long firstDataNanos, long endedNanos, String logTail) {
        boolean intact() {
            return contentRight && exitStatus == 0;
        }
    }

    /** A client to start: its name (for its log), its command line, its file and what that must hold. */
    record Client(String name, List<String> command, Path output, String expectedSha256) {
    }

    private final Path logs;
    private final List<Client> clients = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private final List<Long> started = new ArrayList<>();
    private long[] lastSize = new long[16];
    private long[] lastGrowth = new long[16];
    private long[] longestStall = new long[16];
    private long[] ended = new long[16];
    private long[] firstData = new long[16];
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();

    /** Samples the files of the clients it starts every 10 ms; their output goes to {@code logs}/NAME.log. */
    Downloads(Path logs) {
        this.logs = logs;
        // A thread of its own: the test thread waits for events while the stall happens.
        sampler.scheduleWithFixedDelay(this::sample, 0, 10, TimeUnit.MILLISECONDS);
    }

    /** Starts every client at once. */
    static Downloads start(List<Client> clients, Path logs) throws IOException {
        Downloads downloads = new Downloads(logs);
        for (Client client : clients) {
            downloads.start(client);
        }
        return downloads;
    }

    /** Starts one more client. */
    synchronized void start(Client client) throws IOException {
        int index = clients.size();
        if (index == lastSize.length) {
            lastSize = Arrays.copyOf(lastSize, index * 2);
            lastGrowth = Arrays.copyOf(lastGrowth, index * 2);
            longestStall = Arrays.copyOf(longestStall, index * 2);
            ended = Arrays.copyOf(ended, index * 2);
            firstData = Arrays.copyOf(firstData, index * 2);
        }
        long now = System.nanoTime();
        processes.add(new ProcessBuilder(client.command()).redirectErrorStream(true)
                .redirectOutput(logs.resolve(client.name() + ".log").toFile()).start());
        clients.add(client);
        started.add(now);
        lastGrowth[index] = now;
    }

    synchronized int count() {
        return clients.size();
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
                String log = logTail(clients.get(i));
                text.append("\n  ").append(clients.get(i).name()).append(": ").append(lastSize[i]).append(" bytes, ")
                        .append(process.isAlive() ? "running" : "exited " + process.exitValue())
                        .append(log.isEmpty() ? "" : "; its log: " + log);
            }
        }
        return text.toString();
    }

    /** Waits until every client has exited (or the deadline); then judges each download. */
    List<Outcome> finish(Duration timeout) throws Exception {
        return finish(timeout, null);
    }

    /**
     * As {@link #finish(Duration)}, but a client whose file has not grown for
     * {@code brokenAfterStall} is ended there and judged broken: a transfer sent to the wrong real
     * server never moves again, while its client would retry until its own time limit.
     */
    List<Outcome> finish(Duration timeout, Duration brokenAfterStall) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && alive()) {
            if (brokenAfterStall != null) {
                endStalled(brokenAfterStall.toNanos());
            }
            Thread.sleep(20);
        }
        sampler.shutdownNow();
        List<Client> clients;
        List<Process> processes;
        synchronized (this) {
            clients = List.copyOf(this.clients);
            processes = List.copyOf(this.processes);
        }
        List<Outcome> outcomes = new ArrayList<>();
        for (int i = 0; i < processes.size(); i++) {
            Process process = processes.get(i);
            if (process.isAlive()) {
                process.destroyForcibly();
            }
            int status = process.waitFor();
            Path output = clients.get(i).output();
            boolean right = Files.exists(output) && clients.get(i).expectedSha256().equals(HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(output))));
            outcomes.add(new Outcome(clients.get(i).name(), status, right, stallMillis(i), startedAt(i), firstDataAt(i),
                    endedAt(i), logTail(clients.get(i))));
        }
        return outcomes;
    }

    /** "min/median/max" of the stalls, in milliseconds. */
    static String stalls(List<Outcome> outcomes) {
        long[] sorted = outcomes.stream().mapToLong(Outcome::stallMillis).sorted().toArray();
        return sorted[0] + "/" + sorted[sorted.length / 2] + "/" + sorted[sorted.length - 1] + " ms";
    }

    static long intact(List<Outcome> outcomes) {
        return outcomes.stream().filter(Outcome::intact).count();
    }

    private synchronized void endStalled(long stallNanos) {
        long now = System.nanoTime();
        for (int i = 0; i < processes.size(); i++) {
            if (processes.get(i).isAlive() && now - lastGrowth[i] > stallNanos) {
                processes.get(i).destroyForcibly();
            }
        }
    }

    private synchronized boolean alive() {
        return processes.stream().anyMatch(Process::isAlive);
    }

    private synchronized long startedAt(int client) {
        return started.get(client);
    }

    private synchronized long firstDataAt(int client) {
        return firstData[client];
    }

    /** The last 300 characters the client printed, stripped; empty if none. */
    private String logTail(Client client) {
        try {
            String log = Files.readString(logs.resolve(client.name() + ".log")).strip();
            return log.substring(Math.max(0, log.length() - 300));
        } catch (IOException e) {
            return "";
        }
    }

    /** When the sampler first saw the client exited; now if it never did (it was ended by {@link #finish}). */
    private synchronized long endedAt(int client) {
        return ended[client] != 0 ? ended[client] : System.nanoTime();
    }

    private synchronized long smallest() {
        return Arrays.stream(lastSize, 0, clients.size()).min().orElse(0);
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
            boolean alive = processes.get(i).isAlive();
            if (!alive && ended[i] == 0) {
                ended[i] = now;
            }
            if (size != lastSize[i]) {
                if (firstData[i] == 0) {
                    firstData[i] = now;
                }
                lastSize[i] = size;
                lastGrowth[i] = now;
            } else if (alive) {
                longestStall[i] = Math.max(longestStall[i], now - lastGrowth[i]);
            }
        }
    }

    private synchronized long stallMillis(int client) {
        return longestStall[client] / 1_000_000;
    }
}
