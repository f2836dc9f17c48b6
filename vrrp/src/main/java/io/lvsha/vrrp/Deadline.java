package io.lvsha.vrrp;

/**
 * One RFC timer (Adver_Timer, Master_Down_Timer, ...) as an absolute deadline in nanoseconds.
 * Comparisons are overflow-safe ({@code now - at >= 0}), as {@link System#nanoTime()} requires.
 * Not thread-safe.
 */
final class Deadline {
    private boolean armed;
    private long at;

    void arm(long deadlineNanos) {
        armed = true;
        at = deadlineNanos;
    }

    void cancel() {
        armed = false;
    }

    boolean isArmed() {
        return armed;
    }

    /** @return true if armed and {@code now} has reached the deadline */
    boolean isDue(long nowNanos) {
        return armed && nowNanos - at >= 0;
    }

    long at() {
        return at;
    }

    /** The earlier of {@code candidate} and this deadline, if armed (overflow-safe). */
    long earliest(long candidate, boolean candidateSet) {
        if (!armed) {
            return candidate;
        }
        return !candidateSet || at - candidate < 0 ? at : candidate;
    }
}
