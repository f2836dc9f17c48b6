package io.lvsha.agent.e2e;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.function.ToDoubleFunction;

/**
 * The replication window's figures for one master death: the age of each download in flight
 * when the master died against whether it survived ({@code endedBefore} had ended by then: they
 * say nothing of the failover, but each must be intact). A download the backup had not heard of
 * can still survive: the new master balances its next packet afresh, and sometimes to the same
 * real server.
 */
record DownloadAges(List<Aged> downloads, List<Aged> endedBefore) {
    /** Upper bounds of the age buckets, in ms: 0-10, 10-50, 50-200, 200-1000, over 1000. */
    private static final long[] BUCKETS_MS = {10, 50, 200, 1000};

    /**
     * A download's age at the kill (ms, negative if it started after), how long before the kill its
     * first data had come (ms; negative if it came after, NaN if never) and its outcome.
     */
    record Aged(double ageMillis, double dataMillis, Downloads.Outcome outcome) {
        /**
         * atftp gave up on a second OACK: its ACK of the first was lost in the failover gap and
         * the server sent the OACK again, as it should. No director can save that download, and
         * it says nothing of the replication (tftp-hpa sends no options and never meets it).
         */
        boolean abortedOnRepeatedOack() {
            return !outcome.intact() && outcome.logTail().contains("unexpected OACK");
        }

        /** "c17 58.2 ms old, data for 40.1 ms, exit 1 (Transfer timed out)". */
        String describe() {
            String data = Double.isNaN(dataMillis) ? "no data ever" : dataMillis >= 0
                    ? String.format(Locale.ROOT, "data for %.1f ms", dataMillis) : "no data yet";
            return String.format(Locale.ROOT, "%s %.1f ms old, %s, exit %d%s (%s)", outcome.client(), ageMillis, data,
                    outcome.exitStatus(), outcome.contentRight() ? "" : ", content wrong", outcome.logTail().replace('\n', ' '));
        }
    }

    /** The ages at {@code killedNanos} (System.nanoTime) of the {@code outcomes} still under way then. */
    static DownloadAges at(long killedNanos, List<Downloads.Outcome> outcomes) {
        List<Aged> aged = outcomes.stream().map(outcome -> new Aged((killedNanos - outcome.startedNanos()) / 1e6,
                outcome.firstDataNanos() == 0 ? Double.NaN : (killedNanos - outcome.firstDataNanos()) / 1e6, outcome)).toList();
        return new DownloadAges(aged.stream().filter(download -> download.outcome().endedNanos() > killedNanos).toList(),
                aged.stream().filter(download -> download.outcome().endedNanos() <= killedNanos).toList());
    }

    /** Downloads that broke before the master died: the service failed them, not the failover. */
    List<Aged> brokenBeforeTheKill() {
        return endedBefore.stream().filter(download -> !download.outcome().intact()).toList();
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

    /** The downloads older than {@code millis} at the kill that broke, but for {@link Aged#abortedOnRepeatedOack}. */
    List<Aged> lostByTheDirectorOlderThan(double millis) {
        return downloads.stream().filter(aged -> aged.ageMillis() > millis && !aged.outcome().intact()
                && !aged.abortedOnRepeatedOack()).toList();
    }

    /**
     * The downloads whose data had flowed for more than {@code millis} at the kill that broke, but
     * for {@link Aged#abortedOnRepeatedOack}: their data flow was in the master's table that long,
     * which is what replication is to carry. (A download can be far older and still have had no
     * data yet: a loaded real server took 0.5 s to answer a request, measured.)
     */
    List<Aged> lostByTheDirectorWithDataFor(double millis) {
        return downloads.stream().filter(aged -> aged.dataMillis() > millis && !aged.outcome().intact()
                && !aged.abortedOnRepeatedOack()).toList();
    }

    private boolean brokenOlderThan(double millis) {
        return downloads.stream().anyMatch(aged -> aged.ageMillis() > millis && !aged.outcome().intact());
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

    /**
     * "N/M in flight broke (F had finished); youngest survivor X ms, oldest broken Y ms; lost/started
     * by age: ...; broken: each as {@link Aged#describe}".
     */
    String describe() {
        List<String> broken = downloads.stream().filter(aged -> !aged.outcome().intact()).map(Aged::describe).toList();
        List<String> brokenBefore = brokenBeforeTheKill().stream().map(Aged::describe).toList();
        return String.format(Locale.ROOT, "%d/%d in flight broke (%d had finished%s); youngest survivor %s, oldest broken %s;"
                        + " lost/in flight by age: %s%s", broken(), downloads.size(), endedBefore.size(),
                brokenBefore.isEmpty() ? "" : ", BROKEN BEFORE THE KILL: " + String.join("; ", brokenBefore),
                millis(youngestSurvivor()), millis(oldestBroken()), buckets(), broken.isEmpty() ? "" : "; broken: " + String.join("; ", broken));
    }

    static String millis(OptionalDouble value) {
        return value.isPresent() ? String.format(Locale.ROOT, "%.1f ms", value.getAsDouble()) : "none";
    }

    /**
     * The figures over {@code rounds}, a line each: min/median/max of the youngest survivor, the
     * oldest broken download and the broken count; the rounds in which nothing older than
     * {@code goalMillis} broke (at all, and but for atftp's OACK aborts); the loss by age bucket
     * over every round; and how many broken downloads had data before the kill or were OACK aborts.
     */
    static String summary(List<DownloadAges> rounds, double goalMillis) {
        long clean = rounds.stream().filter(round -> !round.brokenOlderThan(goalMillis)).count();
        long cleanButOack = rounds.stream().filter(round -> round.lostByTheDirectorOlderThan(goalMillis).isEmpty()).count();
        List<Aged> all = rounds.stream().flatMap(round -> round.downloads().stream()).toList();
        return "youngest survivor (ms): " + stats(rounds, round -> round.youngestSurvivor().orElse(Double.NaN))
                + "\noldest broken (ms):     " + stats(rounds, round -> round.oldestBroken().orElse(Double.NaN))
                + "\nbroken per round:       " + stats(rounds, DownloadAges::broken)
                + String.format(Locale.ROOT, "%nrounds in which every download older than %.0f ms survived: %d of %d"
                        + " (%d of %d but for atftp's aborts on a repeated OACK)", goalMillis, clean, rounds.size(), cleanButOack,
                rounds.size())
                + "\nlost/in flight by age over all rounds: " + new DownloadAges(all, List.of()).buckets()
                + "\nof the broken: " + all.stream().filter(aged -> !aged.outcome().intact() && aged.dataMillis() > 0).count()
                + " had data before the kill, " + all.stream().filter(Aged::abortedOnRepeatedOack).count()
                + " were atftp's aborts on a repeated OACK; broken before any kill: "
                + rounds.stream().mapToLong(round -> round.brokenBeforeTheKill().size()).sum();
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
