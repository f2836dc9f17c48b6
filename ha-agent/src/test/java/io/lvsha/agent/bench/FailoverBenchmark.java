package io.lvsha.agent.bench;

import io.lvsha.agent.lab.AdminClient;
import io.lvsha.agent.lab.Capture;
import io.lvsha.agent.lab.Lab;
import io.lvsha.vrrp.AdvertIntervals;
import io.lvsha.vrrp.ReceivedAdvert;
import io.lvsha.vrrp.VrrpVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ha-agent beside keepalived, failover by failover, in the namespace lab: the same two directors,
 * the same client probe (ping every 1 ms, under SCHED_FIFO 50: the client stands for another
 * machine), the same capture in the client's namespace (kernel stamps) and the same
 * analysis for both. The reps alternate (ours, theirs, ours...) so that the machine's noise hits
 * both alike. Prints min / median / max of every figure for each, and the ratio of the medians
 * (ha-agent / keepalived). Bounded in count and time; traffic stays inside the lab.
 *
 * <pre>
 * table [REPS] [SCENARIO...]      the side-by-side table (default 5 reps, every scenario)
 * soak MINUTES INTERVAL [load]    both pairs at once for MINUTES (keepalived on VRID 52, its own VIP),
 *                                 with both cores busy under "load": spurious takeovers, advert gaps
 * </pre>
 */
public final class FailoverBenchmark {
    private static final Duration SOON = Duration.ofSeconds(30);
    private static final String VIP = "10.99.0.10";
    private static final String SOAK_VIP = "10.99.0.20";
    private static final String D1 = "10.99.0.11";
    private static final String D2 = "10.99.0.12";
    private static final String D1_MAC = "02:00:0a:63:00:0b";
    private static final String D2_MAC = "02:00:0a:63:00:0c";
    private static final long PROBE_SPACING_NANOS = 1_000_000L;

    private FailoverBenchmark() {
    }

    /** How one pair is set up for a scenario. */
    private record Setup(VrrpVersion version, String interval, boolean peerLink) {
        int centis() {
            return interval.endsWith("ms") ? Integer.parseInt(interval.replace("ms", "")) / 10
                    : Integer.parseInt(interval.replace("s", "")) * 100;
        }

        long masterDownNanos() {
            return AdvertIntervals.masterDownIntervalNanos(version, 100, centis());
        }

        long skewNanos() {
            return AdvertIntervals.skewTimeNanos(version, 100, centis());
        }
    }

    /** What happens to the master, d1; a switchover is keepalived's track_file priority drop, or its FAULT. */
    private enum Fault { DEATH, CRASH, SIGTERM, SWITCHOVER, SWITCHOVER_VS_FAULT }

    private record Scenario(String name, Fault fault, Setup ours, Setup theirs) {
    }

    private static final List<Scenario> SCENARIOS = List.of(
            new Scenario("death-v3-10ms", Fault.DEATH, new Setup(VrrpVersion.V3, "10ms", false), new Setup(VrrpVersion.V3, "10ms", false)),
            new Scenario("death-v3-100ms", Fault.DEATH, new Setup(VrrpVersion.V3, "100ms", false), new Setup(VrrpVersion.V3, "100ms", false)),
            new Scenario("death-v2-1s", Fault.DEATH, new Setup(VrrpVersion.V2, "1s", false), new Setup(VrrpVersion.V2, "1s", false)),
            new Scenario("crash-100ms", Fault.CRASH, new Setup(VrrpVersion.V3, "100ms", false), new Setup(VrrpVersion.V3, "100ms", false)),
            new Scenario("crash-100ms-peer-link", Fault.CRASH, new Setup(VrrpVersion.V3, "100ms", true), new Setup(VrrpVersion.V3, "100ms", false)),
            new Scenario("sigterm-100ms", Fault.SIGTERM, new Setup(VrrpVersion.V3, "100ms", false), new Setup(VrrpVersion.V3, "100ms", false)),
            new Scenario("switchover-100ms-vs-track-file", Fault.SWITCHOVER, new Setup(VrrpVersion.V3, "100ms", false), new Setup(VrrpVersion.V3, "100ms", false)),
            new Scenario("switchover-100ms-peer-link-vs-track-file", Fault.SWITCHOVER, new Setup(VrrpVersion.V3, "100ms", true), new Setup(VrrpVersion.V3, "100ms", false)),
            new Scenario("switchover-100ms-peer-link-vs-fault", Fault.SWITCHOVER_VS_FAULT, new Setup(VrrpVersion.V3, "100ms", true), new Setup(VrrpVersion.V3, "100ms", false)));

    public static void main(String[] args) throws Exception {
        if (args.length >= 1 && args[0].equals("table")) {
            int reps = args.length > 1 ? Integer.parseInt(args[1]) : 5;
            List<String> only = args.length > 2 ? List.of(args).subList(2, args.length) : List.of();
            for (Scenario scenario : SCENARIOS) {
                if (only.isEmpty() || only.contains(scenario.name())) {
                    table(scenario, reps);
                }
            }
        } else if ((args.length == 3 || args.length == 4) && args[0].equals("soak")) {
            soak(Integer.parseInt(args[1]), args[2], args.length == 4 && args[3].equals("load"));
        } else {
            System.err.println("usage: table [REPS] [SCENARIO...] | soak MINUTES INTERVAL [load]\nscenarios: "
                    + SCENARIOS.stream().map(Scenario::name).toList());
            System.exit(64);
        }
    }

    /** One scenario, REPS times each, alternating; then its part of the table. */
    private static void table(Scenario scenario, int reps) throws Exception {
        Map<String, List<Long>> ours = new LinkedHashMap<>();
        Map<String, List<Long>> theirs = new LinkedHashMap<>();
        try (Lab lab = Lab.up()) {
            for (int rep = 0; rep < reps; rep++) {
                oneRound(lab, new Agent(lab, scenario.ours()), scenario, ours);
                oneRound(lab, new Keepalived(lab, scenario.theirs()), scenario, theirs);
            }
        }
        System.out.printf("%n%s: %d reps each; ha-agent %s%s, keepalived 2.2.7 %s%n", scenario.name(), reps,
                scenario.ours().interval(), scenario.ours().peerLink() ? " with the peer link" : "",
                switch (scenario.fault()) {
                    case SWITCHOVER -> "priority drop (track_file)";
                    case SWITCHOVER_VS_FAULT -> "FAULT (track_file, weight 0)";
                    default -> scenario.theirs().interval();
                });
        System.out.printf("  %-62s %-34s %-34s %s%n", "figure (ms)", "ha-agent min / median / max",
                "keepalived min / median / max", "ratio of medians");
        for (Map.Entry<String, List<Long>> figure : ours.entrySet()) {
            List<Long> other = theirs.getOrDefault(figure.getKey(), List.of());
            double ratio = median(figure.getValue()) / median(other);
            System.out.printf("  %-62s %-34s %-34s %.2f%n", figure.getKey(), describe(figure.getValue()), describe(other), ratio);
        }
    }

    private static void oneRound(Lab lab, Pair pair, Scenario scenario, Map<String, List<Long>> figures) throws Exception {
        Setup setup = pair.setup;
        pair.start();
        try (Capture client = Capture.start(lab, "cl", "eth0", "arp or ip proto 112 or icmp")) {
            // The client stands for another machine: under SCHED_FIFO above both directors' threads,
            // so that a gap is the directors', not the prober's wait for a CPU they share in the lab.
            lab.start("ping", List.of("ip", "netns", "exec", lab.namespace("cl"), "chrt", "-f", "50", "ping", "-q", "-i",
                    "0.001", "-W", "1", VIP));
            Thread.sleep(300 + 3L * setup.centis() * 10);
            long faultAt = System.nanoTime();
            switch (scenario.fault()) {
                case DEATH -> {
                    pair.kill("d1");
                    lab.exec("d1", "ip", "link", "set", "pub0", "down");
                    lab.exec("d1", "ip", "link", "set", "priv0", "down");
                }
                case CRASH -> pair.kill("d1");
                case SIGTERM -> pair.terminate("d1");
                case SWITCHOVER, SWITCHOVER_VS_FAULT -> pair.switchover(scenario.fault() == Fault.SWITCHOVER_VS_FAULT);
            }
            pair.awaitTakenOver();
            Thread.sleep(300);
            lab.signal("ping", "KILL");
            Round round = Round.of(client.frames(), faultAt);
            if (System.getenv("FAILOVER_TIMELINE") != null) {
                printTimeline(pair.name, client.frames(), faultAt);
            }
            if (round == null) {
                System.out.println("  " + pair.name + ": round not measurable (a frame is missing from the capture); skipped");
            } else {
                record(figures, scenario, setup, round);
            }
        } finally {
            pair.stop();
            lab.exec("d1", "ip", "link", "set", "pub0", "up");
            lab.exec("d1", "ip", "link", "set", "priv0", "up");
            // A killed agent's or keepalived's VIPs stay behind; the next round starts from none.
            for (String node : List.of("d1", "d2")) {
                lab.exec(node, "ip", "addr", "flush", "dev", "pub0", "to", VIP + "/32");
                lab.exec(node, "ip", "addr", "flush", "dev", "priv0", "to", "192.168.50.1/32");
            }
        }
    }

    /**
     * With FAILOVER_TIMELINE set: what the client saw from the fault on (adverts, ARP, the MAC its
     * probes went to, and the gaps in the answers over 2 ms), in ms from the fault: where a gap comes from.
     */
    private static void printTimeline(String software, List<Capture.Frame> frames, long faultAt) {
        System.out.println("  timeline of " + software + " (ms from the fault):");
        java.util.HexFormat hex = java.util.HexFormat.ofDelimiter(":");
        String probesTo = null;
        long lastAnswer = 0;
        for (Capture.Frame frame : frames) {
            byte[] b = frame.bytes();
            double at = (frame.atNanos() - faultAt) / 1e6;
            ReceivedAdvert advert = frame.advert();
            boolean icmp = b.length > 34 && b[12] == 0x08 && b[13] == 0x00 && b[23] == 1;
            if (icmp && b[34] == 8) {
                String to = hex.formatHex(b, 0, 6);
                if (!to.equals(probesTo) && at > -50) {
                    System.out.printf("    %9.3f  probes now go to %s%n", at, to);
                }
                probesTo = to;
            } else if (icmp && b[34] == 0) {
                if (lastAnswer != 0 && frame.atNanos() - lastAnswer > 2_000_000L) {
                    System.out.printf("    %9.3f  answer from %s after a gap of %.3f ms%n", at, hex.formatHex(b, 6, 12),
                            (frame.atNanos() - lastAnswer) / 1e6);
                }
                lastAnswer = frame.atNanos();
            } else if (at > -50 && advert != null) {
                System.out.printf("    %9.3f  advert from %s priority %d%n", at, advert.source(), advert.advert().priority());
            } else if (at > -50 && frame.isArp()) {
                System.out.printf("    %9.3f  ARP op %d from %s: %d.%d.%d.%d asks/tells %d.%d.%d.%d%n", at, b[21],
                        hex.formatHex(b, 22, 28), b[28] & 0xff, b[29] & 0xff, b[30] & 0xff, b[31] & 0xff,
                        b[38] & 0xff, b[39] & 0xff, b[40] & 0xff, b[41] & 0xff);
            }
        }
    }

    private static void record(Map<String, List<Long>> figures, Scenario scenario, Setup setup, Round round) {
        switch (scenario.fault()) {
            case DEATH, CRASH -> {
                add(figures, "last advert of d1 -> first advert of d2", round.firstNewAdvert() - round.lastOldAdvert());
                if (!setup.peerLink()) {
                    add(figures, "  the same, over Master_Down_Interval (" + setup.masterDownNanos() / 1_000_000.0 + " ms)",
                            round.firstNewAdvert() - round.lastOldAdvert() - setup.masterDownNanos());
                }
            }
            case SIGTERM -> {
                add(figures, "SIGTERM -> priority-0 advert of d1", round.resign() - round.faultAt());
                add(figures, "priority-0 advert -> first advert of d2, over Skew_Time (" + setup.skewNanos() / 1_000_000.0 + " ms)",
                        round.firstNewAdvert() - round.resign() - setup.skewNanos());
            }
            case SWITCHOVER, SWITCHOVER_VS_FAULT -> add(figures, "command -> first GARP of d2",
                    round.firstGarp() - round.faultAt());
        }
        add(figures, "first advert of d2 -> its first GARP", round.firstGarp() - round.firstNewAdvert());
        if (scenario.fault() != Fault.SWITCHOVER && scenario.fault() != Fault.SWITCHOVER_VS_FAULT) {
            add(figures, "last advert of d1 -> first probe answered by d2", round.firstAnswer() - round.lastOldAdvert());
        }
        add(figures, "longest gap between answered probes", round.longestGap());
        add(figures, "probes lost (1 ms apart; shown as a count)",
                Math.max(0, Math.round((double) round.longestGap() / PROBE_SPACING_NANOS) - 1) * 1_000_000L);
    }

    private static void add(Map<String, List<Long>> figures, String figure, long nanos) {
        figures.computeIfAbsent(figure, f -> new ArrayList<>()).add(nanos);
    }

    /** One failover as the client's capture saw it; times on System.nanoTime's clock. */
    private record Round(long faultAt, long lastOldAdvert, long resign, long firstNewAdvert, long firstGarp,
                         long firstAnswer, long longestGap) {
        static Round of(List<Capture.Frame> frames, long faultAt) {
            long lastOld = 0;
            long resign = 0;
            long firstNew = 0;
            long firstGarp = 0;
            long firstAnswer = 0;
            long lastAnswer = 0;
            long longestGap = 0;
            for (Capture.Frame frame : frames) {
                ReceivedAdvert advert = frame.advert();
                if (advert != null && firstNew == 0) {
                    String source = advert.source().toString();
                    if (source.equals(D1) && advert.advert().priority() == 0 && resign == 0) {
                        resign = frame.atNanos();
                    } else if (source.equals(D1) && advert.advert().priority() > 0) {
                        lastOld = frame.atNanos();
                    } else if (source.equals(D2) && frame.atNanos() > faultAt) {
                        firstNew = frame.atNanos();
                    }
                }
                if (firstGarp == 0 && frame.atNanos() > faultAt && D2_MAC.equals(frame.garpSenderMac(VIP))) {
                    firstGarp = frame.atNanos();
                }
                boolean fromD2 = frame.isEchoReply(VIP, D2_MAC);
                if (fromD2 || frame.isEchoReply(VIP, D1_MAC)) {
                    if (fromD2 && firstAnswer == 0 && frame.atNanos() > faultAt) {
                        firstAnswer = frame.atNanos();
                    }
                    if (lastAnswer != 0) {
                        longestGap = Math.max(longestGap, frame.atNanos() - lastAnswer);
                    }
                    lastAnswer = frame.atNanos();
                }
            }
            return lastOld == 0 || firstNew == 0 || firstGarp == 0 || firstAnswer == 0 ? null
                    : new Round(faultAt, lastOld, resign, firstNew, firstGarp, firstAnswer, longestGap);
        }
    }

    /** One software's pair of directors in the lab: d1 master (priority 150), d2 backup (100). */
    private abstract static class Pair {
        final Lab lab;
        final Setup setup;
        final String name;

        Pair(Lab lab, Setup setup, String name) {
            this.lab = lab;
            this.setup = setup;
            this.name = name;
        }

        /** Starts both and returns once d1 is master and d2 backup, past d1's announcements. */
        abstract void start() throws Exception;

        /** SIGKILL to everything of it on {@code node}. */
        abstract void kill(String node);

        /** SIGTERM to its main process on {@code node}, as systemd stops it. */
        abstract void terminate(String node);

        /** Hands mastership from d1 to d2 the best way the software offers. */
        abstract void switchover(boolean faultState) throws Exception;

        /** Waits until d2 holds the VIP. */
        abstract void awaitTakenOver() throws Exception;

        abstract void stop() throws InterruptedException;
    }

    private static void stopAll(Lab lab, String... names) throws InterruptedException {
        for (String name : names) {
            lab.killNow(name);
        }
        for (String name : names) {
            lab.awaitExit(name, SOON);
        }
    }

    private static final class Agent extends Pair {
        private int d2Changes;

        Agent(Lab lab, Setup setup) {
            super(lab, setup, "ha-agent");
        }

        private Path config(String node, int priority) throws Exception {
            Path standard = setup.peerLink() ? lab.peerLinkedConfig(node, priority, setup.interval())
                    : lab.standardConfig(node, priority, setup.interval());
            return lab.writeConfig(node, Files.readString(standard).replace("version: 3", "version: " + setup.version().wireValue()));
        }

        @Override
        void start() throws Exception {
            Files.deleteIfExists(lab.eventFile("d1"));
            Files.deleteIfExists(lab.eventFile("d2"));
            lab.startAgent("d1", config("d1", 150));
            lab.awaitRole("d1", "MASTER", SOON);
            lab.startAgent("d2", config("d2", 100));
            lab.awaitRole("d2", "BACKUP", SOON);
            if (setup.peerLink()) {
                lab.awaitEvent("d2", "peer link", e -> e.path("event").asText().equals("peer-link-up"), SOON);
            }
            d2Changes = lab.roleChanges("d2").size();
            Thread.sleep(2500); // past d1's repeated GARP burst
        }

        @Override
        void kill(String node) {
            lab.killNow(node);
        }

        @Override
        void terminate(String node) {
            lab.terminateNow(node);
        }

        @Override
        void switchover(boolean faultState) throws Exception {
            AdminClient.call(lab.dir().resolve("d1.sock"), "{\"cmd\":\"switchover\",\"args\":{\"hold\":5}}");
        }

        /** Also prints d2's own record of the takeover's steps: where the time between advert and GARP goes. */
        @Override
        void awaitTakenOver() throws Exception {
            System.out.println("  ha-agent d2's takeover record: "
                    + lab.awaitRole("d2", "MASTER", SOON, d2Changes).path("takeover"));
        }

        @Override
        void stop() throws InterruptedException {
            stopAll(lab, "d1", "d2");
        }
    }

    private static final class Keepalived extends Pair {
        Keepalived(Lab lab, Setup setup) {
            super(lab, setup, "keepalived");
        }

        private Path trackFile(String node) {
            return lab.dir().resolve("ka-" + node + ".track");
        }

        /** The lab pair's instance, as close to ours as keepalived allows: same VRID, VIPs, GARPs, preemption. */
        static String config(String node, Setup setup, int vrid, int priority, String vips, Path trackFile) {
            String interval = setup.version() == VrrpVersion.V2 ? String.valueOf(setup.centis() / 100)
                    : String.valueOf(setup.centis() / 100.0);
            return """
                    global_defs {
                      router_id ka-%s
                      vrrp_version %d
                      vrrp_garp_master_delay 2
                      vrrp_garp_master_repeat 5
                      script_user root
                    }
                    track_file handover {
                      file "%s"
                      weight 1
                    }
                    track_file fault {
                      file "%s.fault"
                      weight 0
                    }
                    vrrp_instance VI_%d {
                      state %s
                      interface pub0
                      virtual_router_id %d
                      priority %d
                      advert_int %s
                      track_file {
                        handover
                        fault
                      }
                      virtual_ipaddress {
                    %s  }
                    }
                    """.formatted(node, setup.version().wireValue(), trackFile, trackFile, vrid,
                    priority > 100 ? "MASTER" : "BACKUP", vrid, priority, interval, vips);
        }

        private void startOn(String node, int priority) throws Exception {
            Files.writeString(trackFile(node), "0\n");
            Files.writeString(Path.of(trackFile(node) + ".fault"), "0\n");
            Path conf = lab.dir().resolve("ka-" + node + ".conf");
            Files.writeString(conf, config(node, setup, 51, priority,
                    "    10.99.0.10/24 dev pub0\n    192.168.50.1/24 dev priv0\n", trackFile(node)));
            startKeepalived(lab, node, "ka-" + node, conf);
        }

        @Override
        void start() throws Exception {
            startOn("d1", 150);
            awaitAddress(lab, "d1", VIP, true);
            startOn("d2", 100);
            awaitLog(lab, "ka-d2", "Entering BACKUP STATE");
            Thread.sleep(2500);
        }

        @Override
        void kill(String node) {
            lab.killNow("ka-" + node);
        }

        @Override
        void terminate(String node) {
            lab.terminateNow("ka-" + node);
        }

        @Override
        void switchover(boolean faultState) throws Exception {
            if (faultState) {
                Files.writeString(Path.of(trackFile("d1") + ".fault"), "1\n");
            } else {
                Files.writeString(trackFile("d1"), "-60\n");
            }
        }

        @Override
        void awaitTakenOver() throws Exception {
            awaitAddress(lab, "d2", VIP, true);
        }

        @Override
        void stop() throws InterruptedException {
            stopAll(lab, "ka-d1", "ka-d2");
        }
    }

    private static void startKeepalived(Lab lab, String node, String name, Path conf) throws Exception {
        lab.start(name, List.of("ip", "netns", "exec", lab.namespace(node), "keepalived", "-n", "-l", "-D", "-P",
                "-f", conf.toString(), "-p", lab.dir().resolve(name + ".pid").toString(),
                "-r", lab.dir().resolve(name + "-vrrp.pid").toString()));
    }

    private static void awaitAddress(Lab lab, String node, String address, boolean present) throws Exception {
        long deadline = System.nanoTime() + SOON.toNanos();
        while (lab.hasAddress(node, "pub0", address) != present) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(node + (present ? " never got " : " kept ") + address + "; " + lab.diagnosis());
            }
            Thread.sleep(20);
        }
    }

    private static void awaitLog(Lab lab, String name, String line) throws Exception {
        long deadline = System.nanoTime() + SOON.toNanos();
        while (!(Files.readString(lab.dir().resolve(name + ".out")) + Files.readString(lab.dir().resolve(name + ".err")))
                .contains(line)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(name + " never logged '" + line + "'; " + lab.diagnosis());
            }
            Thread.sleep(20);
        }
    }

    /**
     * Both pairs at once (ha-agent on VRID 51, keepalived on VRID 52 with VIP .20, both d1 master)
     * for MINUTES; counts each software's spurious takeovers (runs of adverts from d2) and the gaps
     * between its master's adverts on the client's wire.
     */
    private static void soak(int minutes, String interval, boolean load) throws Exception {
        Setup setup = new Setup(VrrpVersion.V3, interval, false);
        try (Lab lab = Lab.up()) {
            lab.startAgent("d1", lab.standardConfig("d1", 150, interval));
            lab.awaitRole("d1", "MASTER", SOON);
            lab.startAgent("d2", lab.standardConfig("d2", 100, interval));
            lab.awaitRole("d2", "BACKUP", SOON);
            for (String node : List.of("d1", "d2")) {
                Path conf = lab.dir().resolve("ka-" + node + ".conf");
                Path track = lab.dir().resolve("ka-" + node + ".track");
                Files.writeString(track, "0\n");
                Files.writeString(Path.of(track + ".fault"), "0\n");
                Files.writeString(conf, Keepalived.config(node, setup, 52, node.equals("d1") ? 150 : 100,
                        "    " + SOAK_VIP + "/24 dev pub0\n", track));
                startKeepalived(lab, node, "ka-" + node, conf);
                if (node.equals("d1")) {
                    awaitAddress(lab, "d1", SOAK_VIP, true);
                }
            }
            awaitLog(lab, "ka-d2", "Entering BACKUP STATE");
            Thread.sleep(3000);
            String seconds = String.valueOf(minutes * 60);
            if (load) {
                for (int i = 0; i < 2; i++) {
                    lab.start("load" + i, List.of("timeout", seconds, "sha256sum", "/dev/zero"));
                }
            }
            System.out.printf("soak: %d min at %s adverts%s, ha-agent (VRID 51) and keepalived (VRID 52) at once...%n",
                    minutes, interval, load ? " with both cores busy" : "");
            try (Capture client = Capture.start(lab, "cl", "eth0", "ip proto 112")) {
                Thread.sleep(minutes * 60_000L);
                List<Capture.Frame> frames = client.frames();
                for (int vrid : new int[] {51, 52}) {
                    long takeovers = 0;
                    String lastSource = D1;
                    long last = 0;
                    List<Long> gaps = new ArrayList<>();
                    for (Capture.Frame frame : frames) {
                        ReceivedAdvert advert = frame.advert();
                        if (advert == null || advert.advert().vrid() != vrid) {
                            continue;
                        }
                        String source = advert.source().toString();
                        if (source.equals(D2) && !lastSource.equals(D2)) {
                            takeovers++;
                        }
                        if (last != 0) {
                            gaps.add(frame.atNanos() - last);
                        }
                        last = frame.atNanos();
                        lastSource = source;
                    }
                    System.out.printf("  %-10s spurious takeovers %3d   advert gap (any source) median %s%n",
                            vrid == 51 ? "ha-agent" : "keepalived", takeovers, describeTail(gaps));
                }
            }
            for (String node : List.of("d1", "d2")) {
                com.fasterxml.jackson.databind.JsonNode reply = AdminClient.call(lab.dir().resolve(node + ".sock"),
                        "{\"cmd\":\"metrics\"}");
                com.fasterxml.jackson.databind.JsonNode metrics = reply.has("metrics") ? reply.path("metrics") : reply;
                long events = lab.events(node).stream().filter(e -> e.path("event").asText().equals("host-stall")).count();
                System.out.printf("  ha-agent %s: HA loop timers served over 5 ms late %s (host-stall events %d)%n", node,
                        metrics.path("ha.loop.stalls").asText("?"), events);
            }
        }
    }

    private static double median(List<Long> nanos) {
        if (nanos.isEmpty()) {
            return Double.NaN;
        }
        long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
        return sorted[sorted.length / 2] / 1e6;
    }

    static String describe(List<Long> nanos) {
        if (nanos.isEmpty()) {
            return "no data";
        }
        long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
        return String.format("%8.3f / %8.3f / %8.3f", sorted[0] / 1e6, sorted[sorted.length / 2] / 1e6,
                sorted[sorted.length - 1] / 1e6);
    }

    private static String describeTail(List<Long> nanos) {
        if (nanos.isEmpty()) {
            return "no data";
        }
        long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
        return String.format("%.2f, p99 %.2f, max %.2f ms (%d gaps)", sorted[sorted.length / 2] / 1e6,
                sorted[Math.min(sorted.length - 1, (int) (sorted.length * 0.99))] / 1e6, sorted[sorted.length - 1] / 1e6,
                sorted.length);
    }
}
