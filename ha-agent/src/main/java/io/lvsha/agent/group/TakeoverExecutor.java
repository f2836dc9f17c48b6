package io.lvsha.agent.group;

import io.lvsha.agent.vip.VipSet;
import io.lvsha.vrrp.Clock;
import io.lvsha.vrrp.Role;
import io.lvsha.vrrp.TransitionReason;
import io.lvsha.vrrp.VrrpAction;
import java.util.ArrayList;
import java.util.List;

/**
 * Carries out the router's actions in the order of DESIGN.md §5 (advert, replicated state, VIPs,
 * gratuitous ARP; the replicated state last where the dataplane allows it) and times each step
 * from its cause. It acts and records only: nothing before
 * the first GARP builds a string or an event, because on a backup's first takeover each of those
 * runs for the first time and costs up to a millisecond. HA loop only.
 */
final class TakeoverExecutor {
    private final TakeoverSteps steps;
    private final Clock clock;

    TakeoverExecutor(TakeoverSteps steps, Clock clock) {
        this.steps = steps;
        this.clock = clock;
    }

    TakeoverRecord run(List<VrrpAction> actions, long cause) {
        return run(actions, cause, false);
    }

    /** @param vipsStay a master that resigns keeps its VIPs (the policy releases them later) */
    TakeoverRecord run(List<VrrpAction> actions, long cause, boolean vipsStay) {
        // A switchover's old master is alive and releases the moment it hears us: our advert must
        // follow our VIPs and GARP, or it would drop its VIPs before the clients were told of ours.
        boolean advertLast = false;
        boolean takeover = false;
        for (VrrpAction action : actions) {
            if (action instanceof VrrpAction.RoleChanged change && change.to() == Role.MASTER) {
                takeover = true;
                advertLast = change.reason().cause() == TransitionReason.Cause.SWITCHOVER;
            }
        }
        // A takeover's advert goes out on the first channel only, before the VIPs; the other channels
        // get theirs after the GARP: each send crosses the LAN's switch (a lab's bridge: ~0.2 ms of
        // the sender's time), and the clients wait for the GARP, not for the peer's second channel.
        boolean advertSplit = takeover && !advertLast;
        VrrpAction.SendAdvert heldAdvert = null;
        long advertAt = 0;
        long committedAt = 0;
        long vipsAt = 0;
        long garpAt = 0;
        TakeoverSteps.CommitResult commit = null;
        VrrpAction.RoleChanged roleChange = null;
        List<VipSet.Change> vipChanges = List.of();
        int garpSent = -1;
        boolean commitLast = false;
        List<VrrpAction> channelChanges = new ArrayList<>(2);
        for (VrrpAction action : actions) {
            if (action instanceof VrrpAction.SendAdvert send && advertLast) {
                heldAdvert = send;
            } else if (action instanceof VrrpAction.SendAdvert send && advertSplit && heldAdvert == null) {
                steps.sendAdvert(send.priority(), TakeoverSteps.Channels.FIRST);
                advertAt = advertAt == 0 ? clock.nanoTime() : advertAt;
                heldAdvert = send;
            } else if (action instanceof VrrpAction.SendAdvert send) {
                steps.sendAdvert(send.priority());
                advertAt = advertAt == 0 ? clock.nanoTime() : advertAt;
            } else if (action instanceof VrrpAction.RoleChanged change) {
                roleChange = change;
                if (change.to() == Role.MASTER) {
                    // §5 step 2: the replicated flows in the dataplane before traffic arrives for
                    // them, unless a flow's first packet would go where its entry sends it anyway.
                    commitLast = steps.commitsAfterGarp();
                    if (!commitLast) {
                        commit = steps.commitState();
                        committedAt = commit == null ? 0 : clock.nanoTime();
                    }
                    vipChanges = steps.addVips();
                    vipsAt = clock.nanoTime();
                } else if (change.from() == Role.MASTER && !vipsStay) {
                    vipChanges = steps.releaseVips();
                }
            } else if (action instanceof VrrpAction.AnnounceAddresses) {
                garpSent = steps.announce(clock.nanoTime());
                garpAt = garpAt == 0 ? clock.nanoTime() : garpAt;
            } else {
                channelChanges.add(action);
            }
        }
        if (heldAdvert != null && advertSplit) {
            steps.sendAdvert(heldAdvert.priority(), TakeoverSteps.Channels.REST);
        } else if (heldAdvert != null) {
            steps.sendAdvert(heldAdvert.priority());
            advertAt = clock.nanoTime();
        }
        if (commitLast) {
            steps.commitStateInBackground(cause);
        }
        return new TakeoverRecord(cause, advertAt, commit, committedAt, vipsAt, garpAt, roleChange, vipChanges, garpSent,
                channelChanges);
    }
}
