package io.lvsha.agent.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvsha.vrrp.Advertisement;
import io.lvsha.vrrp.IpAddress;
import io.lvsha.vrrp.ReceivedAdvert;
import io.lvsha.vrrp.Role;
import io.lvsha.vrrp.TransitionReason.Cause;
import io.lvsha.vrrp.VirtualRouter;
import io.lvsha.vrrp.VirtualRouterConfig;
import io.lvsha.vrrp.VrrpAction;
import io.lvsha.vrrp.VrrpEvent;
import io.lvsha.vrrp.VrrpVersion;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The group's decisions as list in, list out, on a virtual clock (plain nanosecond values): no root, no sockets. */
class GroupPolicyTest {
    private static final IpAddress LOCAL = IpAddress.parse("10.0.0.11");
    private static final IpAddress PEER = IpAddress.parse("10.0.0.12");
    private static final IpAddress VIP = IpAddress.parse("10.0.0.10");
    private static final long MS = 1_000_000L;
    /** 100 ms adverts: the make-before-break wait is its 500 ms floor. */
    private static final int INTERVAL_CENTIS = 10;

    private long now = 1_000 * MS;

    private static GroupPolicy policy(int priority) {
        return new GroupPolicy(new VirtualRouter(new VirtualRouterConfig(VrrpVersion.V3, 51, priority, INTERVAL_CENTIS,
                true, 0, false, List.of(new VirtualRouterConfig.Channel("public", LOCAL)), List.of(VIP), null, null)));
    }

    private GroupPolicy startedBackup(int priority) {
        GroupPolicy policy = policy(priority);
        policy.start(now);
        assertEquals(Role.BACKUP, policy.router().role());
        return policy;
    }

    private GroupPolicy master(int priority) {
        GroupPolicy policy = policy(priority);
        List<GroupAction> started = policy.start(now);
        if (policy.router().role() == Role.BACKUP) {
            now = policy.nextDeadline();
            assertEquals(Role.MASTER, roleChange(policy.tick(now)).to());
        } else {
            assertEquals(Role.MASTER, roleChange(started).to(), "the address owner starts as master");
        }
        return policy;
    }

    private List<GroupAction> advertFromPeer(GroupPolicy policy, int priority) {
        now += 10 * MS;
        return policy.advert(0, new ReceivedAdvert(PEER, IpAddress.parse("224.0.0.18"),
                Advertisement.of(VrrpVersion.V3, 51, priority, INTERVAL_CENTIS, List.of(VIP))), now);
    }

    private static VrrpAction.RoleChanged roleChange(List<GroupAction> actions) {
        return actions.stream().filter(GroupAction.Execute.class::isInstance)
                .flatMap(action -> ((GroupAction.Execute) action).actions().stream())
                .filter(VrrpAction.RoleChanged.class::isInstance).map(VrrpAction.RoleChanged.class::cast).findFirst()
                .orElseThrow(() -> new AssertionError("no role change in " + actions));
    }

    /** The decisions' kinds in order: what the controller will do, step by step. */
    private static List<Class<?>> kinds(List<GroupAction> actions) {
        return actions.stream().<Class<?>>map(Object::getClass).toList();
    }

    @Test
    void aTimerTakeoverIsOneExecuteTimedFromTheDeadlineNotFromWhenTheLoopGotToIt() {
        GroupPolicy policy = startedBackup(100);
        long deadline = policy.nextDeadline();
        List<GroupAction> actions = policy.tick(deadline + 3 * MS);
        assertEquals(List.of(GroupAction.Execute.class), kinds(actions));
        assertEquals(deadline, ((GroupAction.Execute) actions.get(0)).cause());
        assertTrue(policy.tick(deadline + 4 * MS).isEmpty(), "nothing is due twice");
    }

    @Test
    void makeBeforeBreakAsksThePeerAndAnswersWhenItsAdvertTakesUsDown() {
        GroupPolicy policy = master(150);
        long asked = now;
        assertEquals(List.of(new GroupAction.AskPeerToTakeOver()), policy.switchover(now, 30_000 * MS, true));
        assertEquals("a switchover is already under way",
                assertThrows(IllegalStateException.class, () -> policy.switchover(now, 0, true)).getMessage());

        // The peer took over at its raised priority: its advert is what releases us.
        List<GroupAction> released = advertFromPeer(policy, 151);
        assertEquals(List.of(GroupAction.Execute.class, GroupAction.SwitchoverAnswered.class), kinds(released));
        assertEquals(Role.BACKUP, roleChange(released).to());
        assertEquals(new GroupAction.SwitchoverAnswered(true, 10 * MS, true), released.get(1));
        assertEquals(Role.BACKUP, policy.router().role());
    }

    @Test
    void aPeerThatDoesNotTakeOverInTimeLeavesTheMasterToResignWithPriorityZero() {
        GroupPolicy policy = master(150);
        long asked = now;
        policy.switchover(now, 30_000 * MS, true);
        assertTrue(policy.tick(asked + 499 * MS).stream().noneMatch(GroupAction.SwitchoverFellBack.class::isInstance));
        List<GroupAction> late = policy.tick(asked + 500 * MS);
        assertEquals(new GroupAction.SwitchoverFellBack(500 * MS), late.get(0));
        List<VrrpAction> resign = ((GroupAction.Execute) late.get(1)).actions();
        assertEquals(new VrrpAction.SendAdvert(0), resign.get(0));
        assertEquals(Cause.SWITCHOVER, roleChange(late).reason().cause());
        assertEquals(new GroupAction.HandedOver(Role.MASTER, Role.BACKUP, 30_000 * MS), late.get(2));
        assertEquals(new GroupAction.SwitchoverAnswered(false, 0, true), late.get(3));
        assertEquals(4, late.size());
    }

    @Test
    void withoutThePeerLinkTheMasterResignsAtOnce() {
        GroupPolicy policy = master(150);
        List<GroupAction> actions = policy.switchover(now, 30_000 * MS, false);
        assertEquals(List.of(GroupAction.Execute.class, GroupAction.HandedOver.class, GroupAction.SwitchoverAnswered.class),
                kinds(actions));
        assertEquals(Role.BACKUP, policy.router().role());
    }

    @Test
    void aMasterThatResignedKeepsItsVipsUntilTheNewMastersFirstAdvert() {
        GroupPolicy policy = master(150);
        List<GroupAction> actions = policy.switchover(now, 30_000 * MS, false);
        assertTrue(((GroupAction.Execute) actions.get(0)).vipsStay(), "the VIPs went with the priority 0");
        assertTrue(advertFromPeer(policy, 0).stream().noneMatch(GroupAction.ReleaseHeldVips.class::isInstance),
                "a resigning router is no new master");
        List<GroupAction> heard = advertFromPeer(policy, 100);
        assertEquals(List.of(new GroupAction.ReleaseHeldVips("the new master 10.0.0.12 was heard")), heard);
        assertTrue(advertFromPeer(policy, 100).isEmpty(), "released once");
    }

    @Test
    void keptVipsGoAfterThreeIntervalsWithoutANewMasterOrWhenTheAgentStops() {
        GroupPolicy policy = master(150);
        long resigned = now;
        policy.switchover(now, 30_000 * MS, false);
        assertEquals(resigned + 300 * MS, policy.nextDeadline());
        assertTrue(policy.tick(resigned + 299 * MS).isEmpty());
        assertEquals(List.of(new GroupAction.ReleaseHeldVips("no new master was heard in 3 advert intervals")),
                policy.tick(resigned + 300 * MS));

        GroupPolicy stopping = master(150);
        stopping.switchover(now, 30_000 * MS, false);
        assertTrue(stopping.stop(now + MS).contains(new GroupAction.ReleaseHeldVips("the agent stopped")));
    }

    @Test
    void aMasterThatLosesToAHigherPriorityLetsItsVipsGoAtOnce() {
        GroupPolicy policy = master(100);
        List<GroupAction> lost = advertFromPeer(policy, 200);
        assertEquals(Role.BACKUP, roleChange(lost).to());
        assertFalse(((GroupAction.Execute) lost.get(0)).vipsStay());
    }

    @Test
    void aPeerThatCannotBeAskedAfterAllMakesTheMasterResign() {
        GroupPolicy policy = master(150);
        policy.switchover(now, 0, true);
        List<GroupAction> actions = policy.peerUnreachable(now + MS);
        assertEquals(Role.MASTER, roleChange(actions).from());
        assertFalse(policy.hasDeadline() && policy.nextDeadline() == now + 500 * MS, "the wait is over");
        assertTrue(policy.peerUnreachable(now + 2 * MS).isEmpty(), "nothing pending any more");
    }

    @Test
    void aSyncGroupMemberLeavingMakesTheMasterResignAndHoldUntilOneIsMasterAgain() {
        GroupPolicy policy = master(150);
        List<GroupAction> resigned = policy.syncGroupMember("a", false, now);
        assertEquals(List.of(GroupAction.Execute.class, GroupAction.SyncGroupFollowed.class), kinds(resigned));
        assertEquals(Role.BACKUP, roleChange(resigned).to());
        assertTrue(((GroupAction.Execute) resigned.get(0)).actions().contains(new VrrpAction.SendAdvert(0)),
                "priority 0: the peer's member takes over after Skew_Time: " + resigned);
        assertEquals(List.of(), policy.syncGroupMember("a", false, now), "once is enough");

        // Held: a lower-priority master's adverts do not make it preempt, however long they come.
        for (int i = 0; i < 100; i++) {
            advertFromPeer(policy, 100);
            if (policy.hasDeadline() && now - policy.nextDeadline() >= 0) {
                policy.tick(now);
            }
            assertEquals(Role.BACKUP, policy.router().role(), "held at " + i * 10 + " ms");
        }
        assertEquals(List.of(GroupAction.SyncGroupFollowed.class), kinds(policy.syncGroupMember("a", true, now)),
                "a member is master again: the hold ends (nothing to send until the timer says so)");
        now = policy.nextDeadline();
        assertEquals(Role.MASTER, roleChange(policy.tick(now)).to(), "and it preempts the lower-priority master");
        assertEquals(List.of(), policy.syncGroupMember("a", true, now), "nothing to end twice");
    }

    @Test
    void aBackupHasNothingToFollowAndAStoppedGroupIgnoresItsSyncGroup() {
        assertEquals(List.of(), startedBackup(100).syncGroupMember("a", false, now));
        GroupPolicy stopped = master(150);
        stopped.stop(now);
        assertEquals(List.of(), stopped.syncGroupMember("a", false, now));
    }

    @Test
    void aBackupsSwitchoverTakesOverAtOnce() {
        GroupPolicy policy = startedBackup(100);
        advertFromPeer(policy, 150);
        List<GroupAction> actions = policy.switchover(now, 0, true);
        assertEquals(Role.MASTER, roleChange(actions).to());
        assertEquals(new GroupAction.HandedOver(Role.BACKUP, Role.MASTER, 0), actions.get(1));
    }

    @Test
    void thePeersRequestIsTakenByABackupAndRefusedByAnyoneElse() {
        GroupPolicy backup = startedBackup(100);
        advertFromPeer(backup, 150);
        List<GroupAction> taken = backup.peerAsksTakeOver(now);
        assertEquals(Role.MASTER, roleChange(taken).to());
        assertEquals(new GroupAction.PeerRequestAnswered(null), taken.get(1));

        GroupPolicy master = master(100);
        assertEquals(List.of(new GroupAction.PeerRequestAnswered("not backup")), master.peerAsksTakeOver(now));

        GroupPolicy away = startedBackup(100);
        away.maintenance(true, now);
        assertTrue(away.peerAsksTakeOver(now).isEmpty(), "out of the group: not ours to answer");
    }

    @Test
    void maintenanceLeavesTheGroupIgnoresAdvertsRefusesSwitchoverAndRejoinsWithTheOperatorsPriority() {
        GroupPolicy policy = master(150);
        List<GroupAction> on = policy.maintenance(true, now);
        assertEquals(Role.MASTER, roleChange(on).from());
        assertEquals(new GroupAction.MaintenanceChanged(true), on.get(on.size() - 1));
        assertTrue(policy.maintenance(true, now).isEmpty(), "already on: nothing changes");
        assertTrue(advertFromPeer(policy, 100).isEmpty(), "adverts are not ours to judge in maintenance");
        assertTrue(policy.peerLinkLost(now).isEmpty());
        assertEquals("in maintenance: nothing to hand over",
                assertThrows(IllegalStateException.class, () -> policy.switchover(now, 0, false)).getMessage());

        List<GroupAction> lowered = policy.setPriority(90, now);
        assertEquals(List.of(new GroupAction.PriorityApplied("priority set to 90 by an operator", 90, 90)), lowered,
                "out of the group, the router is not told");
        List<GroupAction> off = policy.maintenance(false, now);
        assertEquals(new GroupAction.MaintenanceChanged(false), off.get(off.size() - 1));
        assertEquals(90, policy.router().priority(), "rejoined with the operator's priority");
    }

    @Test
    void trackedPenaltiesLowerThePriorityWithinItsBounds() {
        GroupPolicy owner = master(255);
        List<GroupAction> penalised = owner.trackPenalty(-10, now);
        assertEquals(List.of(GroupAction.Execute.class), kinds(penalised));
        assertEquals(245, owner.router().priority());
        owner.trackPenalty(-300, now);
        assertEquals(1, owner.router().priority(), "never below 1");
        owner.trackPenalty(0, now);
        assertEquals(255, owner.router().priority());

        GroupPolicy backup = startedBackup(100);
        List<GroupAction> reloaded = backup.reload(130, -20, now);
        assertEquals(new GroupAction.PriorityApplied("configuration reloaded", 130, 110),
                reloaded.get(reloaded.size() - 1));
        assertEquals(110, backup.router().priority());
        List<GroupAction> lowered = backup.setPriority(20, now);
        assertEquals(new GroupAction.PriorityApplied("priority set to 20 by an operator", 20, 1),
                lowered.get(lowered.size() - 1));
        assertEquals(1, backup.router().priority());
    }

    @Test
    void theRouterTakesFactsFromThePeerSessionAndTheLinksButNotCommands() {
        GroupPolicy policy = startedBackup(150);
        policy.routerFact(new VrrpEvent.PreemptHold(true), now);
        for (int advert = 0; advert < 50; advert++) {
            assertTrue(advertFromPeer(policy, 100).isEmpty());
            now += 90 * MS;
            assertTrue(policy.tick(now).isEmpty(), "held: a lower master is followed while the table fills");
        }
        policy.routerFact(new VrrpEvent.PreemptHold(false), now);
        boolean tookOver = false;
        for (int advert = 0; advert < 10 && !tookOver; advert++) {
            advertFromPeer(policy, 100);
            now += 90 * MS;
            tookOver = policy.tick(now).stream().anyMatch(GroupAction.Execute.class::isInstance);
        }
        assertEquals(Role.MASTER, policy.router().role(), "released: the lower master is preempted");
        assertInstanceOf(IllegalArgumentException.class, assertThrows(RuntimeException.class,
                () -> policy.routerFact(new VrrpEvent.Switchover(0), now)));
    }
}
