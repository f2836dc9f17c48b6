package io.lvsha.vrrp;

/**
 * Why a role changed: a cause an operator can filter on, and a sentence with the particulars.
 *
 * @param cause the kind of transition
 * @param detail e.g. "preempted by 10.0.0.12 priority 150"
 */
public record TransitionReason(Cause cause, String detail) {
    /** The kinds of role change. */
    public enum Cause {
        STARTUP,
        STARTUP_AS_OWNER,
        MASTER_DOWN,
        MASTER_RESIGNED,
        MASTER_AGENT_DIED,
        PREEMPT_LOWER_PRIORITY_MASTER,
        PRIORITY_RAISED,
        HIGHER_PRIORITY_ADVERT,
        EQUAL_PRIORITY_HIGHER_ADDRESS,
        SWITCHOVER,
        SHUTDOWN
    }

    @Override
    public String toString() {
        return detail;
    }
}
