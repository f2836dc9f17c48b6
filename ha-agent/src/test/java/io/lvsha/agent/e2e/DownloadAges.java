package io.lvsha.agent.e2e;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.function.ToDoubleFunction;

/**
 * The replication window's figures for one master death: the age of each download in flight
 * when the master died against whether it survived ({@code finishedBefore} had ended by then and
 * tell nothing). A download the backup had not heard of can still survive: the new master
 * balances its next packet afresh, and sometimes to the same real server.
 */
record DownloadAges(List<Aged> downloads, int finishedBefore) {
    /** Upper bounds of the age buckets, in ms: 0-10, 10-50, 50-200, 200-1000, over 1000. */
    private static final long[] BUCKETS_MS = {10, 50, 200, 1000};

    /** A download's age at the kill (ms, negative if it started after) and its outcome. */
    record Aged(double ageMillis, Downloads.Outcome outcome) {
    }

    /** The ages at {@code killedNanos} (System.nanoTime) of the {@code outcomes} still under way then. */
    static DownloadAges at(long killedNanos, List<Downloads.Outcome> outcomes) {
        List<Aged> inFlight = outcomes.stream().filter(outcome -> outcome.endedNanos() > killedNanos)
                .map(outcome -> new Aged((killedNanos - outcome.startedNanos()) / 1e6, outcome)).toList();
        return new DownloadAges(inFlight, outcomes.size() - inFlight.size());
    }

    OptionalDouble youngestSurvivor() {
        return downloads.stream().filter(aged -> aged.outcome().intact()).mapToDouble(Aged::ageMillis).min();
    }

    OptionalDouble oldestBroken() {
        return downloads.stream().filter(aged -> !aged.outcome().intact()).mapToDouble(Aged::ageMillis).max();
    }

    long broken() {
        return downloads.stream().filter(aged -> !aged.outcome().intact()).count();
    }

    /** The downloads older than {@code millis} at the kill that broke. */
    List<Aged> brokenOlderThan(double millis) {
        return downloads.stream().filter(aged -> aged.ageMillis() > millis && !aged.outcome().intact()).toList();
    }

    /** Lost/in flight per age bucket, e.g. "0-10 ms 0/1, 10-50 ms 1/2, ...". */
    String buckets() {
        StringBuilder text = new StringBuilder();
        for (int bucket = 0; bucket <= BUCKETS_MS.length; bucket++) {
            double low = bucket == 0 ? Double.NEGATIVE_INFINITY : BUCKETS_MS[bucket - 1];
            double high = bucket == BUCKETS_MS.length ? Double.POSITIVE_INFINITY : BUCKETS_MS[bucket];
            long started = downloads.stream().filter(aged -> aged.ageMillis() >= low && aged.ageMillis() < high).count();
            long lost = downloads.stream().filter(aged -> aged.ageMillis() >= low && aged.ageMillis() < high
                    && !aged.outcome().intact()).count();
            text.append(bucket == 0 ? "" : ", ").append(bucket == 0 ? "0" : BUCKETS_MS[bucket - 1])
                    .append(bucket == BUCKETS_MS.length ? "+" : "-" + BUCKETS_MS[bucket]).append(" ms ")
                    .append(lost).append('/').append(started);
        }
        return text.toString();
    }

    /** "N/M in flight broke (F had finished); youngest survivor X ms, oldest broken Y ms; lost/started by age: ...". */
    String describe() {
        return String.format(Locale.ROOT, "%d/%d in flight broke (%d had finished); youngest survivor %s, oldest broken %s;"
                        + " lost/in flight by age: %s", broken(), downloads.size(), finishedBefore, millis(youngestSurvivor()),
                millis(oldestBroken()), buckets());
    }

    static String millis(OptionalDouble value) {
        return value.isPresent() ? String.format(Locale.ROOT, "%.1f ms", value.getAsDouble()) : "none";
    }

    /**
     * The figures over {@code rounds}, a line each: min/median/max of the youngest survivor, the
     * oldest broken download and the broken count; the rounds in which nothing older than
     * {@code goalMillis} broke; and the loss by age bucket over every round.
     */
    static String summary(List<DownloadAges> rounds, double goalMillis) {
        long clean = rounds.stream().filter(round -> round.brokenOlderThan(goalMillis).isEmpty()).count();
        return "youngest survivor (ms): " + stats(rounds, round -> round.youngestSurvivor().orElse(Double.NaN))
                + "\noldest broken (ms):     " + stats(rounds, round -> round.oldestBroken().orElse(Double.NaN))
                + "\nbroken per round:       " + stats(rounds, DownloadAges::broken)
                + String.format(Locale.ROOT, "%nrounds in which every download older than %.0f ms survived: %d of %d", goalMillis,
                clean, rounds.size())
                + "\nlost/in flight by age over all rounds: "
                + new DownloadAges(rounds.stream().flatMap(round -> round.downloads().stream()).toList(), 0).buckets();
    }

    private static String stats(List<DownloadAges> rounds, ToDoubleFunction<DownloadAges> figure) {
        return stats(rounds.stream().mapToDouble(figure).toArray());
    }

    /** "min/median/max" of the values that exist (NaN: a round without a broken download has no oldest broken). */
    static String stats(double[] values) {
        double[] present = Arrays.stream(values).filter(v -> !Double.isNaN(v)).sorted().toArray();
        if (present.length == 0) {
            return "none";
        }
        return String.format(Locale.ROOT, "%.1f/%.1f/%.1f (min/median/max of %d rounds)", present[0],
                present[present.length / 2], present[present.length - 1], present.length);
    }
}
