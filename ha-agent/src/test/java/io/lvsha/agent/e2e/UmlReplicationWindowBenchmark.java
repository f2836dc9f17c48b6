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
 * <pre>uml-replication-window.sh [ROUNDS [PER_SECOND [SEED [SOFTWARE,...]]]]   defaults 10 20 (random, printed)
 * HA_AGENT,HA_AGENT_MAXLEN_1,KEEPALIVED; ROUNDS per software</pre>
 */
public final class UmlReplicationWindowBenchmark {
    private UmlReplicationWindowBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int perSecond = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        long seed = args.length > 2 ? Long.parseLong(args[2]) : new Random().nextInt(1_000_000);
        UmlReplicationWindow.Software[] order = args.length > 3 ? java.util.Arrays.stream(args[3].split(","))
                .map(UmlReplicationWindow.Software::valueOf).toArray(UmlReplicationWindow.Software[]::new)
                : UmlReplicationWindow.Software.values();
        System.out.printf("replication window, direct routing on UML IPVS: %d rounds each of %s, %d new downloads/s, seed %d%n",
                rounds, java.util.Arrays.toString(order), perSecond, seed);
        Random seeds = new Random(seed);
        Map<UmlReplicationWindow.Software, List<UmlReplicationWindow.Round>> bySoftware = new EnumMap<>(UmlReplicationWindow.Software.class);
        Path dir = Files.createTempDirectory("uml-replication-window");
        System.out.println("lab files in " + dir);
        TftpImages images = TftpImages.sized(7, 2, 3, 4, 5, 6, 7, 8);
        try (UmlLab lab = new UmlLab(dir, images, 4)) {
            UmlReplicationWindow window = new UmlReplicationWindow(lab, images, perSecond);
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
                    + "\noldest download missing from the backup's kernel at the kill (ms): " + DownloadAges.stats(done.stream()
                    .mapToDouble(round -> round.backupsKernel().oldestMissing().orElse(Double.NaN)).toArray()));
        }
    }
}
