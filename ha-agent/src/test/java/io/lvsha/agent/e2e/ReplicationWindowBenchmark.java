package io.lvsha.agent.e2e;

import io.lvsha.agent.lab.Lab;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Issue 13's figures for the NAT layout: {@link ReplicationWindow} rounds, each printed, then per
 * figure min/median/max over the rounds and the loss by age bucket over all of them. Needs root
 * (namespaces). Run by deploy/bench/replication-window.sh.
 *
 * <pre>replication-window.sh [ROUNDS [PER_SECOND [SEED [ADVERT_INTERVAL [SETTLE_SECONDS]]]]]   defaults 10 20 (random, printed) 100ms 0</pre>
 *
 * SETTLE_SECONDS: how long the pair runs before each round's stream. With 0 the director revived
 * after a round is the next round's backup within seconds of its start, its JVM still compiling
 * and collecting its start-up garbage; a settled pair shows the window of directors that have run
 * a while, as a failover mostly finds them.
 */
public final class ReplicationWindowBenchmark {
    private ReplicationWindowBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int perSecond = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        long seed = args.length > 2 ? Long.parseLong(args[2]) : new Random().nextInt(1_000_000);
        String interval = args.length > 3 ? args[3] : "100ms";
        int settleSeconds = args.length > 4 ? Integer.parseInt(args[4]) : 0;
        System.out.printf("replication window, NAT layout: %d rounds, %d new downloads/s, seed %d, adverts every %s,"
                + " the pair settled %d s before each round%n", rounds, perSecond, seed, interval, settleSeconds);
        Random seeds = new Random(seed);
        List<ReplicationWindow.Round> done = new ArrayList<>();
        try (Lab lab = Lab.up()) {
            ReplicationWindow window = new ReplicationWindow(lab, interval, perSecond, true);
            window.startPair();
            for (int i = 0; i < rounds; i++) {
                Thread.sleep(settleSeconds * 1000L);
                ReplicationWindow.Round round = window.round(seeds.nextLong());
                done.add(round);
                System.out.printf("round %d: %s%s%n", i + 1, round.describe(), round.uncausedRoleChanges().isEmpty() ? ""
                        : "; ROLE CHANGES THE KILL DID NOT CAUSE: " + round.uncausedRoleChanges());
            }
        }
        System.out.println(DownloadAges.summary(done.stream().map(ReplicationWindow.Round::ages).toList(), 20));
    }
}
