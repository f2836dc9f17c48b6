package io.lvsha.agent.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.lvsha.agent.lab.AdminClient;
import io.lvsha.agent.lab.Lab;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Issue 14's soak for leaks: the NAT pair (services, health checks, peer link, replication) runs
 * for MINUTES with what an operator's day brings: status every 5 s, four TFTP downloads every
 * 30 s, and every minute a switchover and a reload on both directors. Every minute each agent is
 * sampled after a full GC (jcmd GC.run): heap used, direct buffers, threads, file descriptors and
 * RSS. Prints each sample, then per figure min/median/max and the least-squares slope per hour
 * over the samples after the first five minutes (warm-up: the JIT, class loading, first resync).
 * Needs root (namespaces). Run by deploy/bench/memory-soak.sh.
 *
 * <pre>memory-soak.sh [MINUTES]   default 20 (the short mode; 60 for the full one)</pre>
 */
public final class MemorySoakBenchmark {
    private static final Duration SOON = Duration.ofSeconds(30);
    private static final String[] FIGURES = {"heap_after_gc_kb", "direct_kb", "threads", "fds", "rss_kb"};
    private static final int WARM_UP_MINUTES = 5;

    private MemorySoakBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int minutes = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        System.out.printf("memory soak: %d minutes, NAT pair, status every 5 s, 4 downloads every 30 s,"
                + " a switchover and a reload on both every minute%n", minutes);
        Map<String, List<long[]>> samples = new LinkedHashMap<>();
        try (Lab lab = Lab.up()) {
            TftpFailover tftp = new TftpFailover(lab, 2, "100ms");
            Map<String, Long> pids = new LinkedHashMap<>();
            pids.put("d1", lab.startAgent("d1", tftp.config("d1", 150, true)).pid());
            lab.awaitRole("d1", "MASTER", SOON);
            pids.put("d2", lab.startAgent("d2", tftp.config("d2", 100, true)).pid());
            lab.awaitEvent("d2", "in sync", e -> e.path("event").asText().equals("sync-in-sync"), SOON);
            pids.keySet().forEach(node -> samples.put(node, new ArrayList<>()));
            long start = System.nanoTime();
            long end = start + TimeUnit.MINUTES.toNanos(minutes);
            int broken = 0;
            int downloads = 0;
            for (long tick = 0; System.nanoTime() < end; tick++) {
                long due = start + tick * TimeUnit.SECONDS.toNanos(5);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000);
                }
                for (String node : pids.keySet()) {
                    AdminClient.call(lab.awaitAdminSocket(node, SOON), "{\"cmd\":\"status\"}");
                }
                if (tick % 6 == 3) {
                    List<Downloads.Outcome> outcomes = tftp.startDownloads(4).finish(Duration.ofSeconds(60));
                    downloads += outcomes.size();
                    broken += outcomes.size() - (int) Downloads.intact(outcomes);
                }
                if (tick % 12 == 0) {
                    for (String node : pids.keySet()) {
                        long[] sample = sample(lab, node, pids.get(node));
                        samples.get(node).add(sample);
                        System.out.printf(Locale.ROOT, "minute %3d %s: heap after GC %d KiB, direct %d KiB, %d threads,"
                                + " %d fds, RSS %d KiB%n", tick / 12, node, sample[0], sample[1], sample[2], sample[3], sample[4]);
                    }
                }
                if (tick % 12 == 6) {
                    for (String node : pids.keySet()) {
                        Path socket = lab.awaitAdminSocket(node, SOON);
                        JsonNode status = AdminClient.call(socket, "{\"cmd\":\"status\"}");
                        if (status.path("role").asText().equals("MASTER")) {
                            AdminClient.call(socket, "{\"cmd\":\"switchover\",\"args\":{\"hold\":20}}");
                        }
                        AdminClient.call(socket, "{\"cmd\":\"reload\"}");
                    }
                }
            }
            System.out.printf("downloads: %d, broken: %d%n", downloads, broken);
        }
        for (Map.Entry<String, List<long[]>> node : samples.entrySet()) {
            List<long[]> after = node.getValue().subList(Math.min(WARM_UP_MINUTES, node.getValue().size()), node.getValue().size());
            for (int f = 0; f < FIGURES.length; f++) {
                final int figure = f;
                double[] values = node.getValue().stream().mapToDouble(s -> s[figure]).toArray();
                System.out.printf(Locale.ROOT, "%s %-17s %s; slope after minute %d: %s per hour%n", node.getKey(), FIGURES[f],
                        DownloadAges.stats(values), WARM_UP_MINUTES, after.size() < 3 ? "n/a (too few samples)"
                                : String.format(Locale.ROOT, "%+.1f", slopePerMinute(after, figure) * 60));
            }
        }
    }

    /** Heap used after a full GC, direct buffers (KiB), threads, descriptors, RSS (KiB) of the agent {@code pid}. */
    private static long[] sample(Lab lab, String node, long pid) throws Exception {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.run").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(30, TimeUnit.SECONDS);
        JsonNode metrics = AdminClient.call(lab.awaitAdminSocket(node, SOON), "{\"cmd\":\"metrics\"}");
        long fds;
        try (Stream<Path> open = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            fds = open.count();
        }
        long rss = Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                .filter(line -> line.startsWith("VmRSS:")).mapToLong(line -> Long.parseLong(line.replaceAll("\\D", "")))
                .findFirst().orElse(-1);
        return new long[] {metrics.path("jvm.memory.heap.used").asLong() / 1024,
                metrics.path("jvm.buffers.direct.used").asLong() / 1024, metrics.path("jvm.threads.count").asLong(), fds, rss};
    }

    /** Least-squares slope of {@code figure} against the sample's minute. */
    private static double slopePerMinute(List<long[]> samples, int figure) {
        int n = samples.size();
        double meanX = (n - 1) / 2.0;
        double meanY = samples.stream().mapToDouble(s -> s[figure]).average().orElse(0);
        double covariance = 0;
        double variance = 0;
        for (int i = 0; i < n; i++) {
            covariance += (i - meanX) * (samples.get(i)[figure] - meanY);
            variance += (i - meanX) * (i - meanX);
        }
        return covariance / variance;
    }
}
