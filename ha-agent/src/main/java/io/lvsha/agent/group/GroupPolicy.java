package io.lvsha.agent.group;

import io.lvsha.vrrp.AdvertIntervals;
import io.lvsha.vrrp.ReceivedAdvert;
import io.lvsha.vrrp.Role;
import io.lvsha.vrrp.VirtualRouter;
import io.lvsha.vrrp.TransitionReason;
import io.lvsha.vrrp.VrrpAction;
import io.lvsha.vrrp.VrrpEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * What one failover group decides, above the VRRP state machine: whether it takes part at all
 * (maintenance), its priority (configured, an operator's, tracked penalties), the make-before-break
 * switchover and the peer's request to take over. Events in with their time, {@link GroupAction}s
 * out; it reads no clock and does no I/O, so every scenario runs on a virtual clock. The only
 * caller of {@link VirtualRouter#handle}: whatever the router returns leaves here as an
 * {@link GroupAction.Execute}. HA loop only.
 */
final class GroupPolicy {
    /** The shortest wait for the peer to take over at a switchover; at least two adverts otherwise. */
    private static final long MIN_SWITCHOVER_WAIT_NANOS = 500_000_000L;
    /** How long a resigned master keeps its VIPs for a new master that does not show itself. */
    private static final int KEPT_VIPS_INTERVALS = 3;
    /** A master that followed its sync group out holds back until a member is master again: a year is "until then". */
    static final long SYNC_GROUP_HOLD_NANOS = 365L * 24 * 3600 * 1_000_000_000L;

    private final VirtualRouter router;
    /** Started, not stopped, not in maintenance: adverts outside it are a normal race, not news. */
    private boolean participating;
    private boolean maintenance;
    /** This group resigned because a member of its sync group did; it resumes when one is master again. */
    private boolean heldBySyncGroup;
    /** An operator's `priority set`; null = the configured priority. */
    private Integer priorityOverride;
    private int configuredPriority;
    /** The sum of the weights of the tracked interfaces that are down (weights are negative). */
    private int trackPenalty;
    private PendingSwitchover pending;
    /**
     * A master that resigned for a switchover (priority 0) keeps its VIPs until the new master's
     * first advert, or until {@link #keptVipsDeadline}: without it clients lost Skew_Time of
     * traffic between our VIPs' removal and the new master's GARP (62 ms at 100 ms adverts).
     */
    private boolean vipsKept;
    private long keptVipsDeadline;

    /** A master's switchover waiting for the peer to take over first. */
    private record PendingSwitchover(long startedAt, long deadline, long holdNanos) {
    }

    GroupPolicy(VirtualRouter router) {
        this.router = router;
        this.configuredPriority = router.config().priority();
    }

    List<GroupAction> start(long now) {
        participating = true;
        return route(new VrrpEvent.Startup(), now, now);
    }

    /** Leaves the group: a master resigns with priority 0. */
    List<GroupAction> stop(long now) {
        participating = false;
        List<GroupAction> out = new ArrayList<>(route(new VrrpEvent.Shutdown(), now, now));
        if (vipsKept) {
            vipsKept = false;
            out.add(new GroupAction.ReleaseHeldVips("the agent stopped"));
        }
        return out;
    }

    /** @param receivedNanos when the frame was captured: the Master_Down_Timer runs from the advert's arrival */
    List<GroupAction> advert(int channel, ReceivedAdvert advert, long receivedNanos) {
        if (!participating) {
            return List.of();
        }
        List<GroupAction> out = route(new VrrpEvent.AdvertReceived(channel, advert), receivedNanos, receivedNanos);
        if (vipsKept && router.role() == Role.BACKUP && advert.advert().priority() > 0) {
            vipsKept = false;
            out = new ArrayList<>(out);
            out.add(new GroupAction.ReleaseHeldVips("the new master " + advert.source() + " was heard"));
        }
        return out;
    }

    /** Channel links and the peer session's preempt hold: facts the router weighs in every state. */
    List<GroupAction> routerFact(VrrpEvent fact, long now) {
        if (!(fact instanceof VrrpEvent.ChannelUp || fact instanceof VrrpEvent.ChannelDown
                || fact instanceof VrrpEvent.PreemptHold)) {
            throw new IllegalArgumentException("not a fact for the router: " + fact);
        }
        return route(fact, now, now);
    }

    /** The peer's agent is gone: if it was our master, it probably died (sooner than Master_Down_Interval). */
    List<GroupAction> peerLinkLost(long now) {
        return participating ? route(new VrrpEvent.MasterLinkLost(), now, now) : List.of();
    }

    boolean hasDeadline() {
        return router.hasDeadline() || pending != null || vipsKept;
    }

    long nextDeadline() {
        long next = router.hasDeadline() ? router.nextDeadline() : Long.MAX_VALUE;
        if (pending != null && (next == Long.MAX_VALUE || pending.deadline() - next < 0)) {
            next = pending.deadline();
        }
        if (vipsKept && (next == Long.MAX_VALUE || keptVipsDeadline - next < 0)) {
            next = keptVipsDeadline;
        }
        return next;
    }

    List<GroupAction> tick(long now) {
        List<GroupAction> out = new ArrayList<>(2);
        if (router.hasDeadline() && now - router.nextDeadline() >= 0) {
            out.addAll(route(new VrrpEvent.TimerTick(), now, router.nextDeadline()));
        }
        if (pending != null && now - pending.deadline() >= 0) {
            PendingSwitchover late = pending;
            pending = null;
            out.add(new GroupAction.SwitchoverFellBack(now - late.startedAt()));
            out.addAll(resign(now, late.holdNanos()));
        }
        if (vipsKept && now - keptVipsDeadline >= 0) {
            vipsKept = false;
            out.add(new GroupAction.ReleaseHeldVips("no new master was heard in "
                    + KEPT_VIPS_INTERVALS + " advert intervals"));
        }
        return out;
    }

    /**
     * An operator hands mastership over. A master whose peer link is up does it make-before-break:
     * it asks the peer to take over and yields to its advert, so clients see one GARP's
     * propagation instead of Skew_Time; otherwise, or if the peer does not take over in time, it
     * resigns with priority 0.
     *
     * @throws IllegalStateException with the reason if it cannot work now
     */
    List<GroupAction> switchover(long now, long holdNanos, boolean peerLinkUp) {
        String refusal = maintenance ? "in maintenance: nothing to hand over" : router.switchoverRefusal();
        if (refusal != null) {
            throw new IllegalStateException(refusal);
        }
        if (pending != null) {
            throw new IllegalStateException("a switchover is already under way");
        }
        if (router.role() == Role.MASTER && peerLinkUp) {
            long wait = Math.max(MIN_SWITCHOVER_WAIT_NANOS,
                    2 * AdvertIntervals.centisToNanos(router.config().adverIntervalCentis()));
            pending = new PendingSwitchover(now, now + wait, holdNanos);
            return List.of(new GroupAction.AskPeerToTakeOver());
        }
        return resign(now, holdNanos);
    }

    /** The peer could not be asked after all (its link went down in between): resign now. */
    List<GroupAction> peerUnreachable(long now) {
        if (pending == null) {
            return List.of();
        }
        long holdNanos = pending.holdNanos();
        pending = null;
        return resign(now, holdNanos);
    }

    private List<GroupAction> resign(long now, long holdNanos) {
        Role before = router.role();
        if (router.switchoverRefusal() != null) {
            return List.of(new GroupAction.SwitchoverAnswered(false, 0, false));
        }
        List<GroupAction> out = new ArrayList<>(route(new VrrpEvent.Switchover(holdNanos), now, now));
        out.add(new GroupAction.HandedOver(before, router.role(), holdNanos));
        out.add(new GroupAction.SwitchoverAnswered(false, 0, true));
        return out;
    }

    /** The master asked us, its backup, to take over first (its make-before-break switchover). */
    List<GroupAction> peerAsksTakeOver(long now) {
        if (!participating) {
            return List.of();
        }
        String refusal = router.role() == Role.BACKUP ? router.switchoverRefusal() : "not backup";
        if (refusal != null) {
            return List.of(new GroupAction.PeerRequestAnswered(refusal));
        }
        List<GroupAction> out = new ArrayList<>(route(new VrrpEvent.Switchover(0), now, now));
        out.add(new GroupAction.PeerRequestAnswered(null));
        return out;
    }

    /**
     * keepalived's vrrp_sync_group, one goes, all go: a member of our sync group left mastership,
     * so a master resigns too (priority 0: the peer's member takes over after Skew_Time) and holds
     * back; when a member is master again the hold ends and this group preempts as it would.
     */
    List<GroupAction> syncGroupMember(String member, boolean memberMaster, long now) {
        if (!participating) {
            return List.of();
        }
        if (!memberMaster && router.role() == Role.MASTER && router.switchoverRefusal() == null) {
            heldBySyncGroup = true;
            List<GroupAction> out = new ArrayList<>(route(new VrrpEvent.Switchover(SYNC_GROUP_HOLD_NANOS), now, now));
            out.add(new GroupAction.SyncGroupFollowed(member, false));
            return out;
        }
        if (memberMaster && heldBySyncGroup) {
            heldBySyncGroup = false;
            List<GroupAction> out = new ArrayList<>(route(new VrrpEvent.Resume(), now, now));
            out.add(new GroupAction.SyncGroupFollowed(member, true));
            return out;
        }
        return List.of();
    }

    List<GroupAction> resume(long now) {
        heldBySyncGroup = false;
        List<GroupAction> out = new ArrayList<>(route(new VrrpEvent.Resume(), now, now));
        out.add(new GroupAction.Resumed());
        return out;
    }

    /** Leaves the group (resigning if master) and stays out until {@code on} is false; nothing if unchanged. */
    List<GroupAction> maintenance(boolean on, long now) {
        if (on == maintenance) {
            return List.of();
        }
        maintenance = on;
        List<GroupAction> out = new ArrayList<>();
        if (on) {
            participating = false;
            out.addAll(route(new VrrpEvent.Shutdown(), now, now));
        } else {
            participating = true;
            out.addAll(route(new VrrpEvent.Startup(), now, now));
            if (effectivePriority() != router.priority()) {
                out.addAll(route(new VrrpEvent.PriorityChanged(effectivePriority()), now, now));
            }
        }
        out.add(new GroupAction.MaintenanceChanged(on));
        return out;
    }

    /** An operator's priority ({@code null}: back to the configured one); tracked penalties still apply. */
    List<GroupAction> setPriority(Integer override, long now) {
        priorityOverride = override;
        return applyPriority("priority " + (override == null ? "reset to the configured " + configuredPriority
                : "set to " + override) + " by an operator", now);
    }

    /** A reloaded configuration's priority and the penalty of its tracked interfaces as they are now. */
    List<GroupAction> reload(int newConfiguredPriority, int newTrackPenalty, long now) {
        configuredPriority = newConfiguredPriority;
        trackPenalty = newTrackPenalty;
        return applyPriority("configuration reloaded", now);
    }

    /** A tracked interface went down or up: {@code penalty} is the new sum of the weights of those down. */
    List<GroupAction> trackPenalty(int penalty, long now) {
        trackPenalty = penalty;
        return participating && effectivePriority() != router.priority()
                ? route(new VrrpEvent.PriorityChanged(effectivePriority()), now, now) : List.of();
    }

    private List<GroupAction> applyPriority(String why, long now) {
        List<GroupAction> out = new ArrayList<>();
        if (participating && effectivePriority() != router.priority()) {
            out.addAll(route(new VrrpEvent.PriorityChanged(effectivePriority()), now, now));
        }
        out.add(new GroupAction.PriorityApplied(why, basePriority(), effectivePriority()));
        return out;
    }

    private List<GroupAction> route(VrrpEvent event, long now, long cause) {
        List<VrrpAction> actions = router.handle(event, now);
        if (actions.isEmpty()) {
            return List.of();
        }
        List<GroupAction> out = new ArrayList<>(2);
        boolean resigned = false;
        for (VrrpAction action : actions) {
            if (action instanceof VrrpAction.RoleChanged change) {
                resigned = change.from() == Role.MASTER && change.reason().cause() == TransitionReason.Cause.SWITCHOVER;
                if (change.to() == Role.MASTER || change.from() == Role.MASTER && !resigned) {
                    vipsKept = false; // master again (its VIPs are renewed), or gone from master another way
                }
            }
        }
        if (resigned) {
            vipsKept = true;
            keptVipsDeadline = now + KEPT_VIPS_INTERVALS * AdvertIntervals.centisToNanos(router.config().adverIntervalCentis());
        }
        out.add(new GroupAction.Execute(actions, cause, resigned));
        if (pending != null && actions.stream().anyMatch(action -> action instanceof VrrpAction.RoleChanged change
                && change.from() == Role.MASTER)) {
            out.add(new GroupAction.SwitchoverAnswered(true, now - pending.startedAt(), true));
            pending = null;
        }
        return out;
    }

    int basePriority() {
        return priorityOverride != null ? priorityOverride : configuredPriority;
    }

    /**
     * The base priority after the penalties: at least 1, and never the owner's 255 once penalised
     * (a penalised owner must be able to lose).
     */
    int effectivePriority() {
        return trackPenalty == 0 ? basePriority() : Math.max(1, Math.min(254, basePriority() + trackPenalty));
    }

    boolean isMaintenance() {
        return maintenance;
    }

    Integer priorityOverride() {
        return priorityOverride;
    }

    int configuredPriority() {
        return configuredPriority;
    }

    VirtualRouter router() {
        return router;
    }
}
