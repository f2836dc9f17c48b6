package io.lvsha.agent.e2e;

import io.lvsha.agent.lab.Lab;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Issue 13's figures for the NAT layout: {@link ReplicationWindow} rounds, each printed, then per
 * figure min/median/max over the rounds and the loss by age bucket over all of them. Needs root
 * (namespaces). Run by deploy/bench/replication-window.sh.
 *
 * <pre>replication-window.sh [ROUNDS [PER_SECOND [SEED [ADVERT_INTERVAL]]]]   defaults 10 20 (random, printed) 100ms</pre>
 */
public final class ReplicationWindowBenchmark {
    private ReplicationWindowBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int perSecond = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        long seed = args.length > 2 ? Long.parseLong(args[2]) : new Random().nextInt(1_000_000);
        String interval = args.length > 3 ? args[3] : "100ms";
        System.out.printf("replication window, NAT layout: %d rounds, %d new downloads/s, seed %d, adverts every %s%n",
                rounds, perSecond, seed, interval);
        Random seeds = new Random(seed);
        List<ReplicationWindow.Round> done = new ArrayList<>();
        try (Lab lab = Lab.up()) {
            ReplicationWindow window = new ReplicationWindow(lab, interval, perSecond);
            window.startPair();
            for (int i = 0; i < rounds; i++) {
                ReplicationWindow.Round round = window.round(seeds.nextLong());
                done.add(round);
                System.out.printf("round %d: %s%s%n", i + 1, round.describe(), round.uncausedRoleChanges().isEmpty() ? ""
                        : "; ROLE CHANGES THE KILL DID NOT CAUSE: " + round.uncausedRoleChanges());
            }
        }
        System.out.println("youngest survivor (ms): " + stats(done.stream().mapToDouble(r -> r.youngestSurvivor().orElse(Double.NaN)).toArray()));
        System.out.println("oldest broken (ms):     " + stats(done.stream().mapToDouble(r -> r.oldestBroken().orElse(Double.NaN)).toArray()));
        System.out.println("broken per round:       " + stats(done.stream().mapToDouble(ReplicationWindow.Round::broken).toArray()));
        long cleanAt20 = done.stream().filter(r -> r.brokenOlderThan(20).isEmpty()).count();
        System.out.printf("rounds in which every download older than 20 ms survived: %d of %d%n", cleanAt20, done.size());
        List<ReplicationWindow.Aged> all = done.stream().flatMap(r -> r.downloads().stream()).toList();
        System.out.println("lost/started by age over all rounds: " + new ReplicationWindow.Round("all", seed, 0, 0, all, 0, "", List.of(), "").buckets());
    }

    /** "min/median/max" of the values that exist (a round without a broken download has no oldest broken). */
    private static String stats(double[] values) {
        double[] present = Arrays.stream(values).filter(v -> !Double.isNaN(v)).sorted().toArray();
        if (present.length == 0) {
            return "none";
        }
        return String.format(Locale.ROOT, "%.1f/%.1f/%.1f (min/median/max of %d rounds)", present[0],
                present[present.length / 2], present[present.length - 1], present.length);
    }
}
