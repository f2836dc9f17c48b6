package io.lvsha.agent.health;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvsha.agent.director.CheckSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class HealthPolicyTest {
    private static final long S = 1_000_000_000L;

    static CheckSpec spec(long interval, long downAfter, long reentry, int rise, int fall) {
        return new CheckSpec(CheckSpec.Type.TCP, 0, "", null, false, null, null, 200, List.of(), interval, S, downAfter,
                reentry, rise, fall);
    }

    @Test
    void outAfterTheTimeoutOfFailuresBackAfterReentry() {
        HealthPolicy policy = new HealthPolicy(spec(2 * S, 6 * S, 10 * S, 1, 1));
        assertFalse(policy.record(ProbeResult.failed("refused"), 0));
        assertFalse(policy.record(ProbeResult.failed("refused"), 2 * S));
        assertTrue(policy.up());
        assertTrue(policy.record(ProbeResult.failed("refused"), 4 * S), "three failures over 6 s of checking: out");
        assertFalse(policy.up());
        assertFalse(policy.record(ProbeResult.ok("connected"), 6 * S));
        assertFalse(policy.record(ProbeResult.ok("connected"), 12 * S));
        assertTrue(policy.record(ProbeResult.ok("connected"), 16 * S), "healthy for 10 s: back");
        assertTrue(policy.up());
    }

    @Test
    void aSingleSuccessResetsTheFailureRun() {
        HealthPolicy policy = new HealthPolicy(spec(S, 0, 0, 1, 3));
        policy.record(ProbeResult.failed("x"), 0);
        policy.record(ProbeResult.failed("x"), S);
        policy.record(ProbeResult.ok("y"), 2 * S);
        assertFalse(policy.record(ProbeResult.failed("x"), 3 * S));
        assertFalse(policy.record(ProbeResult.failed("x"), 4 * S));
        assertTrue(policy.record(ProbeResult.failed("x"), 5 * S), "fall = 3 failures in a row");
        assertTrue(policy.record(ProbeResult.ok("y"), 6 * S), "reentry 0, rise 1: back at once");
    }
}
