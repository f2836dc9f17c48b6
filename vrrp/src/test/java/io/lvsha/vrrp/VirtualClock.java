package io.lvsha.vrrp;

/** A clock that moves only when the test says so, starting near the overflow point of nanoTime. */
final class VirtualClock implements Clock {
    /** Starting close to Long.MAX_VALUE proves deadlines are compared overflow-safely. */
    private long now = Long.MAX_VALUE - 5_000_000_000L;

    @Override
    public long nanoTime() {
        return now;
    }

    long advanceMillis(long millis) {
        now += millis * 1_000_000L;
        return now;
    }

    long advanceNanos(long nanos) {
        now += nanos;
        return now;
    }

    void set(long nanos) {
        now = nanos;
    }
}
