package io.lvsha.agent.loop;

/**
 * Turns the HA loop's late timers into reports an operator can read without drowning in them: the
 * first stall at once, then at most one report per {@code quietNanos}, summing up the stalls since
 * the last one. A stall is the machine or the JVM holding this node up; a backup that takes over
 * right after one may have missed adverts its peer did send, and the report says so. Pure: time
 * comes in as {@code now}; loop thread only.
 */
public final class StallReports {
    /** What to report: this stall's lateness, and the stalls (and the longest) since the last report. */
    public record Report(long lagNanos, int stalls, long longestNanos) {
    }

    private final long quietNanos;
    private boolean reported;
    private long lastReportAt;
    private int pending;
    private long pendingLongest;

    public StallReports(long quietNanos) {
        this.quietNanos = quietNanos;
    }

    /** A timer was served {@code lagNanos} late; @return the report to make now, or null to stay quiet */
    public Report stalled(long now, long lagNanos) {
        pending++;
        pendingLongest = Math.max(pendingLongest, lagNanos);
        if (reported && now - lastReportAt < quietNanos) {
            return null;
        }
        Report report = new Report(lagNanos, pending, pendingLongest);
        reported = true;
        lastReportAt = now;
        pending = 0;
        pendingLongest = 0;
        return report;
    }
}
