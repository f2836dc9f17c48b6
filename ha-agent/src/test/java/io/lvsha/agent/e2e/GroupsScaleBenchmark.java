package io.lvsha.agent.e2e;

import io.lvsha.agent.lab.Capture;
import io.lvsha.agent.lab.Lab;
import io.lvsha.vrrp.ReceivedAdvert;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Issue 15's benchmark: one ha-agent master of N groups, beside keepalived master of N
 * vrrp_instances, in one lab at the same time (so the machine's noise hits both): ha-agent in d1
 * on the public LAN, keepalived in d2 on the private one, VRIDs 1..N each, VRRPv3, one VIP per
 * group. After a warm-up, each is measured for SECONDS: CPU % of one core (its processes' user +
 * system time over the window), RSS (every process of it), and the gaps between one group's
 * adverts on the wire (a capture on the client, and on a real server for keepalived), all groups'
 * gaps together: median / p99 / max. Prints a line per software and the ratio ha-agent/keepalived.
 * Needs root (namespaces). Run by deploy/bench/groups-scale.sh.
 *
 * <pre>groups-scale.sh [SECONDS]   default 20</pre>
 */
public final class GroupsScaleBenchmark {
    private static final Duration SOON = Duration.ofSeconds(60);
    private static final long TICKS_PER_SECOND = 100; // USER_HZ on Linux
    /**
     * Both run this long before the window: a JVM compiles its hot paths in its first tens of
     * seconds (C1 and C2 took 9 % of the 2 cores 10 s into a 50-group run), a cost paid once in an
     * agent that runs for months, which a 5 s warm-up counted against every group.
     */
    private static final long WARM_UP_MILLIS = 30_000;
    private static final int[][] RUNS = {{1, 100}, {10, 100}, {50, 100}, {200, 100}, {50, 20}};

    private GroupsScaleBenchmark() {
    }

    /** One software's figures over the window. */
    private record Figures(double cpuPercent, long rssKib, long threads, List<Long> gapsNanos) {
        String describe() {
            List<Long> sorted = new ArrayList<>(gapsNanos);
            Collections.sort(sorted);
            return String.format("CPU %5.1f %%  RSS %6d KiB  threads %3d  advert gap median/p99/max %6.1f / %6.1f / %6.1f ms (%d gaps)",
                    cpuPercent, rssKib, threads, at(sorted, 0.5), at(sorted, 0.99), at(sorted, 1.0), sorted.size());
        }

        double p99() {
            List<Long> sorted = new ArrayList<>(gapsNanos);
            Collections.sort(sorted);
            return at(sorted, 0.99);
        }

        private static double at(List<Long> sorted, double quantile) {
            return sorted.isEmpty() ? Double.NaN : sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(quantile * sorted.size()) - 1)) / 1e6;
        }
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        System.out.printf("groups at scale: ha-agent (d1, public LAN) beside keepalived (d2, private LAN), VRRPv3,"
                + " one VIP per group, %d s measured after %d s of warm-up%n", seconds, WARM_UP_MILLIS / 1000);
        // e.g. "200@100,50@20": only those runs (to profile one, with LAB_AGENT_JAVA_OPTS)
        int[][] runs = args.length > 1 ? java.util.Arrays.stream(args[1].split(","))
                .map(run -> java.util.Arrays.stream(run.split("@")).mapToInt(Integer::parseInt).toArray()).toArray(int[][]::new) : RUNS;
        for (int[] run : runs) {
            run(run[0], run[1], seconds);
        }
    }

    private static void run(int groups, int intervalMillis, int seconds) throws Exception {
        try (Lab lab = Lab.up()) {
            Process agent = lab.startAgent("d1", lab.writeConfig("d1", agentConfig(lab, groups, intervalMillis)));
            Path conf = lab.dir().resolve("keepalived.conf");
            Files.writeString(conf, keepalivedConfig(groups, intervalMillis));
            Process keepalived = lab.start("keepalived", List.of("ip", "netns", "exec", lab.namespace("d2"), "keepalived",
                    "-n", "-l", "-P", "-f", conf.toString(), "-p", lab.dir().resolve("ka.pid").toString(),
                    "-r", lab.dir().resolve("ka-vrrp.pid").toString()));
            awaitAddresses(lab, "d1", "pub0", "10.96.", groups);
            awaitAddresses(lab, "d2", "priv0", "10.95.", groups);
            Thread.sleep(WARM_UP_MILLIS);
            try (Capture agentsWire = Capture.start(lab, "cl", "eth0", "ip proto 112");
                 Capture keepalivedsWire = Capture.start(lab, "rs1", "eth0", "ip proto 112")) {
                long agentTicks = ticks(agent.toHandle());
                long keepalivedTicks = ticks(keepalived.toHandle());
                long start = System.nanoTime();
                Thread.sleep(seconds * 1000L);
                double elapsed = (System.nanoTime() - start) / 1e9;
                Figures ours = new Figures((ticks(agent.toHandle()) - agentTicks) * 100.0 / TICKS_PER_SECOND / elapsed,
                        status(agent.toHandle(), "VmRSS:"), status(agent.toHandle(), "Threads:"), gaps(agentsWire.frames()));
                Figures theirs = new Figures((ticks(keepalived.toHandle()) - keepalivedTicks) * 100.0 / TICKS_PER_SECOND / elapsed,
                        status(keepalived.toHandle(), "VmRSS:"), status(keepalived.toHandle(), "Threads:"),
                        gaps(keepalivedsWire.frames()));
                System.out.printf("%3d groups at %3d ms: ha-agent   %s%n", groups, intervalMillis, ours.describe());
                System.out.printf("%3d groups at %3d ms: keepalived %s%n", groups, intervalMillis, theirs.describe());
                System.out.printf("%3d groups at %3d ms: ha-agent/keepalived: CPU %.2f, RSS %.2f, p99 gap %.2f%n", groups,
                        intervalMillis, ours.cpuPercent() / theirs.cpuPercent(), (double) ours.rssKib() / theirs.rssKib(),
                        ours.p99() / theirs.p99());
            }
        }
    }

    private static String agentConfig(Lab lab, int groups, int intervalMillis) {
        StringBuilder yaml = new StringBuilder("node: d1\ngroups:\n");
        for (int i = 1; i <= groups; i++) {
            yaml.append("  - name: g").append(i).append("\n    vrid: ").append(i).append("\n    priority: 150\n")
                    .append("    advert-interval: ").append(intervalMillis).append("ms\n")
                    .append("    channels: [{name: public, interface: pub0}]\n")
                    .append("    vips: [{address: 10.96.").append(i / 250).append('.').append(i % 250 + 1).append("/32, interface: pub0}]\n");
        }
        return yaml.append("garp: {burst: 1, repeat-delay: 0s}\nevents: {file: ").append(lab.eventFile("d1"))
                .append("}\nadmin: {socket: ").append(lab.dir().resolve("d1.sock")).append("}\n").toString();
    }

    private static String keepalivedConfig(int groups, int intervalMillis) {
        StringBuilder conf = new StringBuilder("global_defs {\n  router_id ka-d2\n  vrrp_version 3\n  vrrp_garp_master_delay 0\n}\n");
        for (int i = 1; i <= groups; i++) {
            conf.append("vrrp_instance VI_").append(i).append(" {\n  state MASTER\n  interface priv0\n  virtual_router_id ")
                    .append(i).append("\n  priority 150\n  advert_int ").append(intervalMillis / 1000.0)
                    .append("\n  virtual_ipaddress {\n    10.95.").append(i / 250).append('.').append(i % 250 + 1)
                    .append("/32 dev priv0\n  }\n}\n");
        }
        return conf.toString();
    }

    private static void awaitAddresses(Lab lab, String node, String iface, String prefix, int count) throws InterruptedException {
        long deadline = System.nanoTime() + SOON.toNanos();
        while (lab.exec(node, "ip", "-o", "addr", "show", "dev", iface).lines().filter(line -> line.contains(" " + prefix)).count() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(node + " did not hold its " + count + " VIPs; " + lab.diagnosis());
            }
            Thread.sleep(200);
        }
    }

    /** Gaps between consecutive adverts of each VRID, all VRIDs together. */
    private static List<Long> gaps(List<Capture.Frame> frames) {
        Map<Integer, Long> last = new HashMap<>();
        List<Long> gaps = new ArrayList<>();
        for (Capture.Frame frame : frames) {
            ReceivedAdvert advert = frame.advert();
            if (advert != null) {
                Long previous = last.put(advert.advert().vrid(), frame.atNanos());
                if (previous != null) {
                    gaps.add(frame.atNanos() - previous);
                }
            }
        }
        return gaps;
    }

    /** User + system clock ticks of the process and all it started. */
    private static long ticks(ProcessHandle process) throws IOException {
        long total = 0;
        for (ProcessHandle each : tree(process)) {
            String stat = Files.readString(Path.of("/proc", Long.toString(each.pid()), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            total += Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime
        }
        return total;
    }

    /** A figure of /proc/PID/status ("VmRSS:" in KiB, "Threads:"), summed over the process and all it started. */
    private static long status(ProcessHandle process, String field) throws IOException {
        long total = 0;
        for (ProcessHandle each : tree(process)) {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(each.pid()), "status"))) {
                if (line.startsWith(field)) {
                    total += Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        }
        return total;
    }

    private static List<ProcessHandle> tree(ProcessHandle process) {
        return Stream.concat(Stream.of(process), process.descendants()).filter(ProcessHandle::isAlive).toList();
    }
}
