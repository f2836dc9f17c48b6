package io.lvsha.agent.health;

import io.lvsha.agent.director.CheckSpec;

/**
 * Turns a real server's run of probe results into in or out of the pool, with hysteresis as
 * piranha's nanny and keepalived's checkers have it: out after {@code fall} failures in a row
 * that have lasted {@code timeout}; back in after {@code rise} successes in a row that have lasted
 * {@code reentry}. Starts in the pool. Pure: time is given.
 */
public final class HealthPolicy {
    private final CheckSpec spec;
    private boolean up = true;
    private int streak;
    private long streakStartedAt;
    private ProbeResult last;

    public HealthPolicy(CheckSpec spec) {
        this.spec = spec;
    }

    /** @return true when this result moved the server in or out of the pool */
    public boolean record(ProbeResult result, long now) {
        last = result;
        boolean agrees = result.ok() == up;
        if (agrees) {
            streak = 0;
            return false;
        }
        if (streak == 0) {
            streakStartedAt = now;
        }
        streak++;
        long lasted = now - streakStartedAt;
        boolean flip = up ? streak >= spec.fall() && lasted >= spec.downAfterNanos() - spec.intervalNanos()
                : streak >= spec.rise() && lasted >= spec.reentryNanos();
        if (flip) {
            up = !up;
            streak = 0;
        }
        return flip;
    }

    public boolean up() {
        return up;
    }

    /** The last probe's result, or null before the first. */
    public ProbeResult last() {
        return last;
    }
}
