package io.lvsha.agent.group;

import io.lvsha.agent.vip.VipSet;
import io.lvsha.vrrp.Role;
import io.lvsha.vrrp.VrrpAction;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one run of router actions did, with when each step finished ({@code 0}: not done), timed
 * from {@code cause}: the deadline or the advert's arrival that caused it.
 */
record TakeoverRecord(long cause, long advertAt, TakeoverSteps.CommitResult commit, long committedAt, long vipsAt,
                      long garpAt, VrrpAction.RoleChanged roleChange, List<VipSet.Change> vipChanges, int garpSent,
                      List<VrrpAction> channelChanges) {

    static TakeoverRecord nothing(long cause) {
        return new TakeoverRecord(cause, 0, null, 0, 0, 0, null, List.of(), -1, List.of());
    }

    boolean becameMaster() {
        return roleChange != null && roleChange.to() == Role.MASTER;
    }

    long micros(long at) {
        return at == 0 ? -1 : (at - cause) / 1000;
    }

    /** From the cause to the first GARP, or -1. */
    long takeoverMicros() {
        return micros(garpAt);
    }

    /** The steps' times for the event log and the reply. */
    Map<String, Object> timings() {
        Map<String, Object> timings = new LinkedHashMap<>();
        timings.put("advert_us", micros(advertAt));
        if (committedAt != 0) {
            timings.put("commit_us", micros(committedAt));
        }
        timings.put("vips_us", micros(vipsAt));
        timings.put("garp_us", micros(garpAt));
        return timings;
    }

    /** What an operator's command did, for its reply. */
    Map<String, Object> outcome(Role role, int priority) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("role", role.name());
        result.put("priority", priority);
        if (roleChange != null) {
            result.put("from", roleChange.from().name());
            result.put("reason", roleChange.reason().detail());
        }
        if (becameMaster()) {
            result.put("takeover", timings());
        }
        return result;
    }
}
