package io.lvsha.agent.bench;

import io.lvsha.agent.lab.Capture;
import io.lvsha.agent.lab.Lab;
import io.lvsha.vrrp.AdvertIntervals;
import io.lvsha.vrrp.ReceivedAdvert;
import io.lvsha.vrrp.VrrpVersion;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Failover timings measured on the wire in the client namespace of the lab, for several advert
 * intervals; and a soak mode that counts unexpected role changes on a busy machine. Bounded in
 * count and time; traffic stays inside the lab's namespaces.
 *
 * <pre>
 * failover N INTERVAL...   e.g. failover 10 1s 100ms 20ms
 * soak MINUTES INTERVAL    e.g. soak 10 20ms
 * switchover N INTERVAL [peer]   e.g. switchover 10 100ms peer (ha-agentctl switchover on the master,
 *                                alternating; with "peer", make-before-break over the peer link, probes every 1 ms)
 * </pre>
 */
public final class FailoverBenchmark {
    private static final Duration SOON = Duration.ofSeconds(30);
    private static final String VIP = "10.99.0.10";
    private static final String D1 = "10.99.0.11";
    private static final String D2 = "10.99.0.12";
    private static final String D2_MAC = "02:00:0a:63:00:0c";

    private FailoverBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length >= 3 && args[0].equals("failover")) {
            int n = Integer.parseInt(args[1]);
            for (String interval : Arrays.copyOfRange(args, 2, args.length)) {
                failovers(n, interval);
            }
        } else if (args.length == 3 && args[0].equals("soak")) {
            soak(Integer.parseInt(args[1]), args[2]);
        } else if ((args.length == 3 || args.length == 4) && args[0].equals("switchover")) {
            switchovers(Integer.parseInt(args[1]), args[2], args.length == 4 && args[3].equals("peer"));
        } else {
            System.err.println("usage: failover N INTERVAL... | soak MINUTES INTERVAL | switchover N INTERVAL [peer]");
            System.exit(64);
        }
    }

    private static int centis(String interval) {
        return interval.endsWith("ms") ? Integer.parseInt(interval.replace("ms", "")) / 10
                : Integer.parseInt(interval.replace("s", "")) * 100;
    }

    private static void failovers(int n, String interval) throws Exception {
        long masterDown = AdvertIntervals.masterDownIntervalNanos(VrrpVersion.V3, 100, centis(interval));
        List<Long> detection = new ArrayList<>();
        List<Long> garpAfterAdvert = new ArrayList<>();
        List<Long> garp = new ArrayList<>();
        List<Long> answered = new ArrayList<>();
        try (Lab lab = Lab.up()) {
            lab.startAgent("d1", lab.standardConfig("d1", 150, interval));
            lab.awaitRole("d1", "MASTER", SOON);
            lab.startAgent("d2", lab.standardConfig("d2", 100, interval));
            lab.awaitRole("d2", "BACKUP", SOON);
            for (int i = 0; i < n; i++) {
                Thread.sleep(2500); // past the GARP repeat, so that every round starts alike
                int d1Changes = lab.roleChanges("d1").size();
                int d2Changes = lab.roleChanges("d2").size();
                try (Capture client = Capture.start(lab, "cl", "eth0", "arp or ip proto 112 or icmp")) {
                    lab.start("ping", List.of("ip", "netns", "exec", lab.namespace("cl"), "ping", "-q", "-i", "0.001",
                            "-W", "1", VIP));
                    Thread.sleep(300 + 3 * centis(interval) * 10L);
                    lab.signal("d1", "KILL");
                    lab.exec("d1", "ip", "link", "set", "pub0", "down");
                    lab.exec("d1", "ip", "link", "set", "priv0", "down");
                    lab.awaitRole("d2", "MASTER", SOON, d2Changes);
                    Thread.sleep(300);
                    lab.signal("ping", "KILL");
                    measure(client.frames(), detection, garpAfterAdvert, garp, answered);
                }
                lab.exec("d1", "ip", "link", "set", "pub0", "up");
                lab.exec("d1", "ip", "link", "set", "priv0", "up");
                lab.startAgent("d1", lab.standardConfig("d1", 150, interval));
                lab.awaitRole("d1", "MASTER", SOON, d1Changes);
                lab.awaitRole("d2", "BACKUP", SOON, d2Changes + 1);
            }
        }
        System.out.printf("%nadvert interval %s: %d failovers; Master_Down_Interval of d2 = %.3f ms%n", interval, n,
                masterDown / 1e6);
        print("(a) last advert of dead master -> first advert of new master", detection, 0);
        print("(a) - Master_Down_Interval", detection, masterDown);
        print("(b) first advert of new master -> its first GARP", garpAfterAdvert, 0);
        print("    last advert of dead master -> first GARP", garp, 0);
        print("(c) last advert of dead master -> first probe answered by new master", answered, 0);
    }

    private static void measure(List<Capture.Frame> frames, List<Long> detection, List<Long> garpAfterAdvert,
                                List<Long> garp, List<Long> answered) {
        long lastD1 = 0;
        long firstD2 = 0;
        long firstGarp = 0;
        long firstReply = 0;
        for (Capture.Frame frame : frames) {
            ReceivedAdvert advert = frame.advert();
            if (advert != null && firstD2 == 0) {
                String source = advert.source().toString();
                if (source.equals(D1)) {
                    lastD1 = frame.atNanos();
                } else if (source.equals(D2)) {
                    firstD2 = frame.atNanos();
                }
            }
            if (firstGarp == 0 && D2_MAC.equals(frame.garpSenderMac(VIP))) {
                firstGarp = frame.atNanos();
            }
            if (firstReply == 0 && frame.isEchoReply(VIP, D2_MAC)) {
                firstReply = frame.atNanos();
            }
        }
        if (lastD1 == 0 || firstD2 == 0 || firstGarp == 0 || firstReply == 0) {
            System.out.println("  round not measurable (a frame is missing from the capture); skipped");
            return;
        }
        detection.add(firstD2 - lastD1);
        garpAfterAdvert.add(firstGarp - firstD2);
        garp.add(firstGarp - lastD1);
        answered.add(firstReply - lastD1);
    }

    private static void print(String what, List<Long> nanos, long minus) {
        if (nanos.isEmpty()) {
            System.out.printf("  %-72s no data%n", what);
            return;
        }
        long[] sorted = nanos.stream().mapToLong(v -> v - minus).sorted().toArray();
        System.out.printf("  %-72s min %8.3f  median %8.3f  p99 %8.3f  max %8.3f ms%n", what, sorted[0] / 1e6,
                sorted[sorted.length / 2] / 1e6, sorted[Math.min(sorted.length - 1, (int) (sorted.length * 0.99))] / 1e6,
                sorted[sorted.length - 1] / 1e6);
    }

    /** Hands mastership back and forth with the admin command while the client probes every 10 ms. */
    private static void switchovers(int n, String interval, boolean peerLink) throws Exception {
        String probeSpacing = peerLink ? "0.001" : "0.01";
        List<Long> gaps = new ArrayList<>();
        List<Long> lost = new ArrayList<>();
        List<Long> commandToGarp = new ArrayList<>();
        try (Lab lab = Lab.up()) {
            lab.startAgent("d1", peerLink ? lab.peerLinkedConfig("d1", 150, interval) : lab.standardConfig("d1", 150, interval));
            lab.awaitRole("d1", "MASTER", SOON);
            lab.startAgent("d2", peerLink ? lab.peerLinkedConfig("d2", 100, interval) : lab.standardConfig("d2", 100, interval));
            lab.awaitRole("d2", "BACKUP", SOON);
            if (peerLink) {
                lab.awaitEvent("d2", "peer link", e -> e.path("event").asText().equals("peer-link-up"), SOON);
            }
            java.nio.file.Path[] sockets = {lab.awaitAdminSocket("d1", SOON), lab.awaitAdminSocket("d2", SOON)};
            String[] macs = {"02:00:0a:63:00:0b", D2_MAC};
            int master = 0;
            for (int i = 0; i < n; i++) {
                Thread.sleep(2500);
                try (Capture client = Capture.start(lab, "cl", "eth0", "arp or icmp")) {
                    lab.start("ping", List.of("ip", "netns", "exec", lab.namespace("cl"), "ping", "-q", "-i", probeSpacing,
                            "-W", "1", VIP));
                    Thread.sleep(500);
                    long command = System.nanoTime();
                    io.lvsha.agent.lab.AdminClient.call(sockets[master], "{\"cmd\":\"switchover\",\"args\":{\"hold\":5}}");
                    Thread.sleep(700);
                    lab.signal("ping", "KILL");
                    int next = 1 - master;
                    long firstGarp = 0;
                    long lastReply = 0;
                    long maxGap = 0;
                    for (Capture.Frame frame : client.frames()) {
                        if (firstGarp == 0 && frame.atNanos() > command && macs[next].equals(frame.garpSenderMac(VIP))) {
                            firstGarp = frame.atNanos();
                        }
                        if (frame.isEchoReply(VIP, macs[0]) || frame.isEchoReply(VIP, macs[1])) {
                            if (lastReply != 0) {
                                maxGap = Math.max(maxGap, frame.atNanos() - lastReply);
                            }
                            lastReply = frame.atNanos();
                        }
                    }
                    if (firstGarp == 0) {
                        System.out.println("  round without a GARP from the new master; skipped");
                    } else {
                        commandToGarp.add(firstGarp - command);
                        gaps.add(maxGap);
                        long spacing = peerLink ? 1_000_000L : 10_000_000L;
                        lost.add(Math.max(0, Math.round((double) maxGap / spacing) - 1) * 1_000_000L);
                    }
                    master = next;
                }
            }
        }
        System.out.printf("%nswitchover at %s adverts%s: %d handovers, client probing every %s s%n", interval,
                peerLink ? " over the peer link (make-before-break)" : "", n, probeSpacing);
        print("command -> first GARP of the new master", commandToGarp, 0);
        print("longest gap between two answered probes", gaps, 0);
        print("probes lost (count, shown as ms = count)", lost, 0);
    }

    private static void soak(int minutes, String interval) throws Exception {
        try (Lab lab = Lab.up()) {
            lab.startAgent("d1", lab.standardConfig("d1", 150, interval));
            lab.awaitRole("d1", "MASTER", SOON);
            lab.startAgent("d2", lab.standardConfig("d2", 100, interval));
            lab.awaitRole("d2", "BACKUP", SOON);
            int d1Before = lab.roleChanges("d1").size();
            int d2Before = lab.roleChanges("d2").size();
            // Keep both cores busy for the whole run, bounded by timeout(1).
            String seconds = String.valueOf(minutes * 60);
            for (int i = 0; i < 2; i++) {
                lab.start("load" + i, List.of("timeout", seconds, "sha256sum", "/dev/zero"));
            }
            System.out.printf("soak: %d min at %s adverts with both cores busy...%n", minutes, interval);
            Thread.sleep(minutes * 60_000L);
            int unexpected = lab.roleChanges("d1").size() - d1Before + lab.roleChanges("d2").size() - d2Before;
            long stalls = java.nio.file.Files.readAllLines(lab.dir().resolve("d1.err")).stream()
                    .filter(l -> l.contains("late")).count()
                    + java.nio.file.Files.readAllLines(lab.dir().resolve("d2.err")).stream()
                    .filter(l -> l.contains("late")).count();
            System.out.printf("soak: %d unexpected role changes; %d HA-loop timer stalls over 5 ms logged%n",
                    unexpected, stalls);
        }
    }
}
