package io.lvsha.agent.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.lvsha.agent.lab.AdminClient;
import io.lvsha.agent.lab.Lab;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Issue 14's soak for leaks: the NAT pair (services, health checks, peer link, replication) runs
 * for MINUTES with what an operator's day brings: status every 5 s, four TFTP downloads every
 * 30 s, and every minute a switchover and a reload on both directors. Every minute each agent is
 * sampled after a full GC (jcmd GC.run): heap used, direct buffers, threads, file descriptors, RSS,
 * and what the JVM's native memory tracking counts as committed, per category (the agents run with
 * -XX:NativeMemoryTracking=summary), and RSS told apart: the heap's resident pages (its mapping in
 * /proc/PID/smaps) and the rest. Prints each sample, then per figure min/median/max and
 * the least-squares slope per hour over the samples after the first five minutes (warm-up: the
 * JIT, class loading, first resync).
 * Needs root (namespaces). Run by deploy/bench/memory-soak.sh.
 *
 * <pre>memory-soak.sh [MINUTES]   default 20 (the short mode; 60 for the full one)</pre>
 */
public final class MemorySoakBenchmark {
    private static final Duration SOON = Duration.ofSeconds(30);
    private static final List<String> AGENT_JVM_OPTIONS = List.of("-XX:NativeMemoryTracking=summary");
    /** A category line of {@code jcmd PID VM.native_memory summary}, in KB: "-   Java Heap (reserved=98304KB, committed=6144KB)". */
    private static final Pattern NMT_CATEGORY = Pattern.compile("^-\\s+(.+?) \\(reserved=(\\d+)KB, committed=(\\d+)KB\\)");
    private static final Pattern NMT_TOTAL = Pattern.compile("^Total: reserved=\\d+KB, committed=(\\d+)KB");
    private static final Pattern NMT_MALLOC = Pattern.compile("^malloc: (\\d+)KB");
    private static final int WARM_UP_MINUTES = 5;

    private MemorySoakBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int minutes = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        System.out.printf("memory soak: %d minutes, NAT pair, status every 5 s, 4 downloads every 30 s,"
                + " a switchover and a reload on both every minute%n", minutes);
        Map<String, List<Map<String, Long>>> samples = new LinkedHashMap<>();
        try (Lab lab = Lab.up()) {
            TftpFailover tftp = new TftpFailover(lab, 2, "100ms");
            Map<String, Long> pids = new LinkedHashMap<>();
            pids.put("d1", lab.startAgent("d1", tftp.config("d1", 150, true), AGENT_JVM_OPTIONS).pid());
            lab.awaitRole("d1", "MASTER", SOON);
            pids.put("d2", lab.startAgent("d2", tftp.config("d2", 100, true), AGENT_JVM_OPTIONS).pid());
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
                        Map<String, Long> sample = sample(lab, node, pids.get(node));
                        samples.get(node).add(sample);
                        System.out.printf(Locale.ROOT, "minute %3d %s: %s%n", tick / 12, node, sample);
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
        for (Map.Entry<String, List<Map<String, Long>>> node : samples.entrySet()) {
            List<Map<String, Long>> all = node.getValue();
            List<Map<String, Long>> after = all.subList(Math.min(WARM_UP_MINUTES, all.size()), all.size());
            Set<String> figures = new LinkedHashSet<>();
            all.forEach(sample -> figures.addAll(sample.keySet()));
            for (String figure : figures) {
                double[] values = all.stream().mapToDouble(sample -> sample.getOrDefault(figure, 0L)).toArray();
                System.out.printf(Locale.ROOT, "%s %-28s %s; slope after minute %d: %s per hour%n", node.getKey(), figure,
                        DownloadAges.stats(values), WARM_UP_MINUTES, after.size() < 3 ? "n/a (too few samples)"
                                : String.format(Locale.ROOT, "%+.1f", slopePerMinute(after, figure) * 60));
            }
        }
    }

    /**
     * Heap used after a full GC, direct buffers (KiB), threads, descriptors, RSS (KiB) of the agent
     * {@code pid}, the native memory tracking's committed KiB per category and in all, and RSS less
     * that total.
     */
    private static Map<String, Long> sample(Lab lab, String node, long pid) throws Exception {
        jcmd(pid, "GC.run");
        JsonNode metrics = AdminClient.call(lab.awaitAdminSocket(node, SOON), "{\"cmd\":\"metrics\"}");
        long fds;
        try (Stream<Path> open = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            fds = open.count();
        }
        List<String> status = Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"));
        long rss = statusField(status, "VmRSS:");
        Map<String, Long> sample = new LinkedHashMap<>();
        sample.put("heap_after_gc_kb", metrics.path("jvm.memory.heap.used").asLong() / 1024);
        sample.put("direct_kb", metrics.path("jvm.buffers.direct.used").asLong() / 1024);
        sample.put("netty_direct_kb", metrics.path("netty.direct.used").asLong() / 1024);
        sample.put("threads", metrics.path("jvm.threads.count").asLong());
        sample.put("fds", fds);
        sample.put("rss_kb", rss);
        // Anonymous memory (heap, malloc, code cache, thread stacks) apart from file pages (the
        // JDK's libraries and the jars as they are read): only the first can leak.
        sample.put("rss_anon_kb", statusField(status, "RssAnon:"));
        sample.put("rss_file_kb", statusField(status, "RssFile:"));
        long tracked = -1;
        long heapReserved = -1;
        for (String line : jcmd(pid, "VM.native_memory", "summary")) {
            Matcher total = NMT_TOTAL.matcher(line.trim());
            Matcher category = NMT_CATEGORY.matcher(line.trim());
            Matcher malloc = NMT_MALLOC.matcher(line.trim());
            if (total.find()) {
                tracked = Long.parseLong(total.group(1));
            } else if (malloc.find()) {
                sample.put("nmt_malloc_kb", Long.parseLong(malloc.group(1)));
            } else if (category.find()) {
                sample.put("nmt_" + category.group(1).toLowerCase(Locale.ROOT).replace(' ', '_') + "_kb",
                        Long.parseLong(category.group(3)));
                if (category.group(1).equals("Java Heap")) {
                    heapReserved = Long.parseLong(category.group(2));
                }
            }
        }
        if (tracked < 0) {
            throw new IllegalStateException("jcmd " + pid + " VM.native_memory summary printed no total:"
                    + " is the agent running with -XX:NativeMemoryTracking=summary?");
        }
        sample.put("nmt_total_committed_kb", tracked);
        long heapResident = residentOfMapping(pid, heapReserved);
        sample.put("rss_heap_kb", heapResident);
        sample.put("rss_outside_heap_kb", rss - heapResident);
        return sample;
    }

    /**
     * The resident KiB of the process's mapping of {@code sizeKb} (the Java heap's reservation: one
     * mapping, as -Xms equals -Xmx here): the heap is committed whole at start but its pages become
     * resident as the collector first touches them, which RSS alone cannot tell from a native leak.
     */
    private static long residentOfMapping(long pid, long sizeKb) throws Exception {
        List<String> smaps = Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps"));
        for (int i = 0; i < smaps.size(); i++) {
            if (smaps.get(i).startsWith("Size:") && kilobytes(smaps.get(i)) == sizeKb) {
                for (int j = i + 1; j < smaps.size() && !smaps.get(j).startsWith("Size:"); j++) {
                    if (smaps.get(j).startsWith("Rss:")) {
                        return kilobytes(smaps.get(j));
                    }
                }
            }
        }
        throw new IllegalStateException("no mapping of " + sizeKb + " kB (the Java heap) in /proc/" + pid + "/smaps");
    }

    /** The KiB of the line of /proc/PID/status that starts with {@code field}, -1 if there is none. */
    private static long statusField(List<String> status, String field) {
        return status.stream().filter(line -> line.startsWith(field)).mapToLong(MemorySoakBenchmark::kilobytes)
                .findFirst().orElse(-1);
    }

    /** The number of a /proc line such as "VmRSS:   1234 kB". */
    private static long kilobytes(String line) {
        return Long.parseLong(line.replaceAll("\\D", ""));
    }

    /** What {@code jcmd PID COMMAND...} printed, line by line. */
    private static List<String> jcmd(long pid, String... command) throws Exception {
        List<String> arguments = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(pid)));
        arguments.addAll(List.of(command));
        Process process = new ProcessBuilder(arguments).redirectErrorStream(true).start();
        List<String> lines;
        try (var output = process.inputReader()) {
            lines = output.lines().toList();
        }
        process.waitFor(30, TimeUnit.SECONDS);
        return lines;
    }

    /** Least-squares slope of {@code figure} against the sample's minute. */
    private static double slopePerMinute(List<Map<String, Long>> samples, String figure) {
        int n = samples.size();
        double meanX = (n - 1) / 2.0;
        double meanY = samples.stream().mapToDouble(s -> s.getOrDefault(figure, 0L)).average().orElse(0);
        double covariance = 0;
        double variance = 0;
        for (int i = 0; i < n; i++) {
            covariance += (i - meanX) * (samples.get(i).getOrDefault(figure, 0L) - meanY);
            variance += (i - meanX) * (i - meanX);
        }
        return covariance / variance;
    }
}
