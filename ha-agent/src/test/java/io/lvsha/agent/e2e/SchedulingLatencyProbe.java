package io.lvsha.agent.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The machine's own floor under a latency figure: cyclictest (rt-tests) on every CPU at the
 * SCHED_FIFO priority of the thread being judged, waking every millisecond until stopped. What it
 * waits beyond its timer, no thread of that priority can beat on this machine: a kernel without
 * preemption (PREEMPT_NONE) finishes what it is doing in kernel mode first, and a virtual
 * machine's vCPU may not run at all while its host schedules something else.
 */
final class SchedulingLatencyProbe implements AutoCloseable {
    private final Process process;
    private final Path histogram;

    private SchedulingLatencyProbe(Process process, Path histogram) {
        this.process = process;
        this.histogram = histogram;
    }

    /** Starts cyclictest at {@code priority}, its histogram (µs, up to 100 ms) to be kept in {@code histogram}. */
    static SchedulingLatencyProbe start(int priority, Path histogram) throws IOException {
        int cpus = Runtime.getRuntime().availableProcessors();
        Process process = new ProcessBuilder("cyclictest", "--mlockall", "--priority=" + priority, "--threads=" + cpus,
                "--affinity=0-" + (cpus - 1), "--interval=1000", "--distance=0", "--quiet",
                "--histogram=100000", "--histfile=" + histogram)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return new SchedulingLatencyProbe(process, histogram);
    }

    /** Stops the probe (it writes its histogram as it ends); @return its wake-up latency over all CPUs, "median/p99/p99.9/max µs of N wake-ups" */
    String finish() throws IOException, InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return "unmeasured (cyclictest did not end)";
        }
        if (!Files.exists(histogram)) {
            return "unmeasured (cyclictest wrote no histogram, exit " + process.exitValue() + ")";
        }
        return describe(Files.readAllLines(histogram));
    }

    /** Ends the probe if {@link #finish} did not (a round that failed on the way). */
    @Override
    public void close() {
        process.destroyForcibly();
    }

    /**
     * Percentiles of a cyclictest histogram: lines "LATENCY_US COUNT_CPU0 COUNT_CPU1 ...", and
     * comments with '#', among them "# Max Latencies: US US ..." (which also counts wake-ups
     * beyond the histogram's range).
     */
    static String describe(List<String> lines) {
        List<long[]> rows = new ArrayList<>();
        long total = 0;
        long max = 0;
        for (String line : lines) {
            if (line.startsWith("# Max Latencies:")) {
                for (String cpu : line.substring("# Max Latencies:".length()).trim().split("\\s+")) {
                    max = Math.max(max, Long.parseLong(cpu));
                }
            }
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] fields = line.trim().split("\\s+");
            long count = 0;
            for (int cpu = 1; cpu < fields.length; cpu++) {
                count += Long.parseLong(fields[cpu]);
            }
            rows.add(new long[] {Long.parseLong(fields[0]), count});
            total += count;
        }
        if (total == 0) {
            return "unmeasured (no wake-ups)";
        }
        double[] quantiles = {0.5, 0.99, 0.999, 1.0};
        long[] at = new long[quantiles.length];
        long seen = 0;
        int next = 0;
        for (long[] row : rows) {
            seen += row[1];
            while (next < quantiles.length && seen >= (long) Math.ceil(quantiles[next] * total - 1e-9)) {
                at[next++] = row[0];
            }
        }
        return String.format(Locale.ROOT, "%d/%d/%d/%d us (median/p99/p99.9/max of %d wake-ups)", at[0], at[1], at[2],
                Math.max(at[3], max), total);
    }
}
