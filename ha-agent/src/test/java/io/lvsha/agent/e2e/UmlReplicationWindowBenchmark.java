package io.lvsha.agent.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Issue 13's figures for the direct-routing layout on real IPVS: {@link UmlReplicationWindow}
 * rounds, ha-agent and keepalived alternating in the same run (so that the machine's noise hits
 * both alike), each round printed, then per software the figures over its rounds. Needs root
 * (namespaces) and a host that runs UML. Run by deploy/bench/uml-replication-window.sh.
 *
 * <pre>uml-replication-window.sh [ROUNDS [PER_SECOND [SEED [SOFTWARE,... [ACK_DELAY_MS [MAX_KILL_DELAY_MS]]]]]]
 * defaults 10 20 (random, printed) HA_AGENT,HA_AGENT_MAXLEN_1,KEEPALIVED 0 1000; ROUNDS per software;
 * PER_SECOND may be below 1 (a quiet director); ACK_DELAY_MS above 0: slow clients (a python TFTP
 * client that waits that long before each ACK) instead of curl; the kill comes a random 0 to
 * MAX_KILL_DELAY_MS after the last request (and before the next one)</pre>
 */
public final class UmlReplicationWindowBenchmark {
    private UmlReplicationWindowBenchmark() {
    }

    /**
     * What a table of the backup's held at the kill, by how long the master ran after it forwarded
     * each download's request: the oldest it lacked bounds the window from below, the youngest it
     * held from above.
     */
    private static String window(String table, List<UmlReplicationWindow.Synced> rounds) {
        List<UmlReplicationWindow.Synced> read = rounds.stream().filter(java.util.Objects::nonNull).toList();
        return "\n" + table + " at the kill (" + read.size() + " of " + rounds.size() + " rounds read before the takeover), by how"
                + " long the master ran after it forwarded the request: held " + read.stream().mapToInt(UmlReplicationWindow.Synced::held).sum() + " of "
                + read.stream().mapToInt(UmlReplicationWindow.Synced::downloads).sum() + "; oldest missing (ms) "
                + DownloadAges.stats(read.stream().mapToDouble(synced -> synced.oldestMissing().orElse(Double.NaN)).toArray())
                + "; youngest held (ms) "
                + DownloadAges.stats(read.stream().mapToDouble(synced -> synced.youngestHeld().orElse(Double.NaN)).toArray());
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        double perSecond = args.length > 1 ? Double.parseDouble(args[1]) : 20;
        int ackDelayMillis = args.length > 4 ? Integer.parseInt(args[4]) : 0;
        int maxKillDelayMillis = args.length > 5 ? Integer.parseInt(args[5]) : 1000;
        long seed = args.length > 2 ? Long.parseLong(args[2]) : new Random().nextInt(1_000_000);
        UmlReplicationWindow.Software[] order = args.length > 3 ? java.util.Arrays.stream(args[3].split(","))
                .map(UmlReplicationWindow.Software::valueOf).toArray(UmlReplicationWindow.Software[]::new)
                : UmlReplicationWindow.Software.values();
        System.out.printf("replication window, direct routing on UML IPVS: %d rounds each of %s, %s new downloads/s, %s, seed %d%n",
                rounds, java.util.Arrays.toString(order), perSecond, ackDelayMillis == 0 ? "curl clients"
                        : "slow clients (" + ackDelayMillis + " ms before each ACK)", seed);
        System.out.printf("the kill: 0-%d ms after the last request%n", maxKillDelayMillis);
        Random seeds = new Random(seed);
        Map<UmlReplicationWindow.Software, List<UmlReplicationWindow.Round>> bySoftware = new EnumMap<>(UmlReplicationWindow.Software.class);
        Path dir = Files.createTempDirectory("uml-replication-window");
        System.out.println("lab files in " + dir);
        TftpImages images = TftpImages.sized(7, 2, 3, 4, 5, 6, 7, 8);
        try (UmlLab lab = new UmlLab(dir, images, 4)) {
            UmlReplicationWindow window = new UmlReplicationWindow(lab, images, perSecond, ackDelayMillis, maxKillDelayMillis);
            for (int i = 0; i < rounds; i++) {
                // Each sees the same seed; the order rotates so that none always goes first.
                long roundSeed = seeds.nextLong();
                for (int k = 0; k < order.length; k++) {
                    UmlReplicationWindow.Software software = order[(i + k) % order.length];
                    UmlReplicationWindow.Round round = window.round(software, roundSeed);
                    bySoftware.computeIfAbsent(software, s -> new ArrayList<>()).add(round);
                    System.out.printf("round %d: %s%n", i + 1, round.describe());
                }
            }
        }
        for (Map.Entry<UmlReplicationWindow.Software, List<UmlReplicationWindow.Round>> software : bySoftware.entrySet()) {
            List<UmlReplicationWindow.Round> done = software.getValue();
            System.out.println("== " + software.getKey().label() + "\n"
                    + DownloadAges.summary(done.stream().map(UmlReplicationWindow.Round::ages).toList(), 20)
                    + window("the backup's kernel", done.stream().map(UmlReplicationWindow.Round::backupsKernel).toList())
                    + (software.getKey() == UmlReplicationWindow.Software.KEEPALIVED ? ""
                    : window("the backup agent's table", done.stream().map(UmlReplicationWindow.Round::backupsAgent).toList())));
        }
    }
}
