package io.lvsha.agent.group;

import io.lvsha.vrrp.Role;
import io.lvsha.vrrp.VrrpAction;
import java.util.List;

/** What {@link GroupPolicy} decides, for the controller to carry out in the order given. */
sealed interface GroupAction {
    /**
     * The router's actions for one event, run in the order of DESIGN.md §5 and timed from {@code cause}.
     * With {@code vipsStay}, a master that resigns keeps its VIPs until {@link ReleaseHeldVips}.
     */
    record Execute(List<VrrpAction> actions, long cause, boolean vipsStay) implements GroupAction {
        Execute(List<VrrpAction> actions, long cause) {
            this(actions, cause, false);
        }
    }

    /** The VIPs a resigned master kept are removed now: the new master was heard, or none came in time. */
    record ReleaseHeldVips(String why) implements GroupAction {
    }

    /** Make-before-break: ask the peer to take over first; if it cannot be asked, tell the policy. */
    record AskPeerToTakeOver() implements GroupAction {
    }

    /** The operator's switchover is over: answer it, with what the last {@link Execute} did. */
    record SwitchoverAnswered(boolean makeBeforeBreak, long releasedAfterNanos, boolean changed) implements GroupAction {
    }

    /** The peer did not take over in time; this node resigns instead. */
    record SwitchoverFellBack(long waitedNanos) implements GroupAction {
    }

    /** An operator's switchover moved this node from {@code from} (a master holds back for {@code holdNanos}). */
    record HandedOver(Role from, Role to, long holdNanos) implements GroupAction {
    }

    /** The peer asked this node to take over; {@code refusal} null means it did. */
    record PeerRequestAnswered(String refusal) implements GroupAction {
    }

    record Resumed() implements GroupAction {
    }

    /**
     * A member of this group's sync group went ({@code memberMaster} false: this master resigned
     * and holds back) or came back ({@code memberMaster} true: the hold ended).
     */
    record SyncGroupFollowed(String member, boolean memberMaster) implements GroupAction {
    }

    record MaintenanceChanged(boolean on) implements GroupAction {
    }

    /** The base or tracked priority changed, for {@code why}; the router has the effective one. */
    record PriorityApplied(String why, int base, int effective) implements GroupAction {
    }
}
