package io.lvsha.vrrp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvsha.vrrp.TransitionReason.Cause;
import io.lvsha.vrrp.VrrpAction.AnnounceAddresses;
import io.lvsha.vrrp.VrrpAction.ChannelLost;
import io.lvsha.vrrp.VrrpAction.ChannelRestored;
import io.lvsha.vrrp.VrrpAction.RoleChanged;
import io.lvsha.vrrp.VrrpAction.SendAdvert;
import io.lvsha.vrrp.VrrpEvent.AdvertReceived;
import io.lvsha.vrrp.VrrpEvent.PriorityChanged;
import io.lvsha.vrrp.VrrpEvent.Shutdown;
import io.lvsha.vrrp.VrrpEvent.Startup;
import io.lvsha.vrrp.VrrpEvent.TimerTick;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RFC 5798 §6.4 scenarios on a virtual clock: every timer is hit to the nanosecond. */
class VirtualRouterTest {
    static final IpAddress LOCAL = IpAddress.parse("10.0.0.11");
    static final IpAddress LOCAL_PRIVATE = IpAddress.parse("192.168.50.11");
    static final IpAddress PEER = IpAddress.parse("10.0.0.12");
    static final IpAddress LOWER_PEER = IpAddress.parse("10.0.0.5");
    static final IpAddress VIP = IpAddress.parse("10.0.0.10");

    private final VirtualClock clock = new VirtualClock();

    /** A config builder with the test's defaults: one "public" channel, preempt on. */
    static final class ConfigBuilder {
        VrrpVersion version;
        int priority;
        int intervalCentis;
        boolean preempt = true;
        long preemptDelayNanos;
        List<VirtualRouterConfig.Channel> channels =
                new ArrayList<>(List.of(new VirtualRouterConfig.Channel("public", LOCAL)));

        ConfigBuilder twoChannels() {
            channels.add(new VirtualRouterConfig.Channel("private", LOCAL_PRIVATE));
            return this;
        }

        VirtualRouterConfig build() {
            return new VirtualRouterConfig(version, 51, priority, intervalCentis, preempt, preemptDelayNanos, false,
                    channels, List.of(VIP), null, null);
        }
    }

    static ConfigBuilder config(VrrpVersion version, int priority, int intervalCentis) {
        ConfigBuilder builder = new ConfigBuilder();
        builder.version = version;
        builder.priority = priority;
        builder.intervalCentis = intervalCentis;
        return builder;
    }

    private List<VrrpAction> advert(VirtualRouter router, int channel, IpAddress from, int priority, int intervalCentis) {
        Advertisement advert = Advertisement.of(router.config().version(), 51, priority, intervalCentis, List.of(VIP));
        return router.handle(new AdvertReceived(channel, new ReceivedAdvert(from, IpAddress.parse("224.0.0.18"), advert)),
                clock.nanoTime());
    }

    private List<VrrpAction> tickAt(VirtualRouter router, long at) {
        clock.set(at);
        return router.handle(new TimerTick(), at);
    }

    private VirtualRouter startedBackup(ConfigBuilder builder) {
        VirtualRouter router = new VirtualRouter(builder.build());
        router.handle(new Startup(), clock.nanoTime());
        assertEquals(Role.BACKUP, router.role());
        return router;
    }

    private static RoleChanged roleChange(List<VrrpAction> actions) {
        return actions.stream().filter(RoleChanged.class::isInstance).map(RoleChanged.class::cast).findFirst()
                .orElseThrow(() -> new AssertionError("no role change in " + actions));
    }

    @Test
    void ownerStartsAsMasterAdvertisingFirstThenAnnouncing() {
        VirtualRouter router = new VirtualRouter(config(VrrpVersion.V3, 255, 100).build());
        long start = clock.nanoTime();
        List<VrrpAction> actions = router.handle(new Startup(), start);
        assertEquals(List.of(new SendAdvert(255),
                new RoleChanged(Role.INITIALIZE, Role.MASTER,
                        new TransitionReason(Cause.STARTUP_AS_OWNER, "address owner (priority 255) at startup")),
                new AnnounceAddresses()), actions);
        assertEquals(start + 1_000_000_000L, router.nextDeadline());
        assertEquals(List.of(new SendAdvert(255)), tickAt(router, start + 1_000_000_000L));
    }

    @Test
    void backupTakesOverAfterExactlyMasterDownInterval() {
        long start = clock.nanoTime();
        VirtualRouter router = startedBackup(config(VrrpVersion.V3, 100, 100));
        // 3 * 1 s + (256 - 100) * 1 s / 256 = 3.609375 s, exact in nanoseconds.
        long masterDown = 3_609_375_000L;
        assertEquals(masterDown, router.masterDownIntervalNanos());
        assertEquals(start + masterDown, router.nextDeadline());
        assertTrue(tickAt(router, start + masterDown - 1).isEmpty());
        assertEquals(Role.BACKUP, router.role());
        List<VrrpAction> actions = tickAt(router, start + masterDown);
        assertEquals(new SendAdvert(100), actions.get(0));
        assertEquals(Cause.MASTER_DOWN, roleChange(actions).reason().cause());
        assertEquals("master-down timer expired on all channels", roleChange(actions).reason().detail());
        assertEquals(new AnnounceAddresses(), actions.get(2));
    }

    @Test
    void aTimerServedLateAfterOurOwnStallWaitsOneIntervalForTheMastersDelayedAdvert() {
        long start = clock.nanoTime();
        VirtualRouter router = startedBackup(config(VrrpVersion.V3, 100, 10));
        long deadline = start + router.masterDownIntervalNanos();
        // The whole machine stalled for 2 s: our timer is served late, and so was the master.
        assertTrue(tickAt(router, deadline + 2_000_000_000L).isEmpty());
        assertEquals(1, router.lateTimerDeferrals());
        advert(router, 0, PEER, 150, 10);
        assertTrue(tickAt(router, deadline + 2_100_000_000L).isEmpty());
        assertEquals(Role.BACKUP, router.role());
    }

    @Test
    void aDeadMasterIsStillReplacedOneIntervalLaterAfterOurStall() {
        long start = clock.nanoTime();
        VirtualRouter router = startedBackup(config(VrrpVersion.V3, 100, 10));
        long late = start + router.masterDownIntervalNanos() + 2_000_000_000L;
        assertTrue(tickAt(router, late).isEmpty());
        assertEquals(late + 100_000_000L, router.nextDeadline());
        assertEquals(Cause.MASTER_DOWN, roleChange(tickAt(router, late + 100_000_000L)).reason().cause());
    }

    @Test
    void aTimerServedOnTimeIsNotDeferred() {
        long start = clock.nanoTime();
        VirtualRouter router = startedBackup(config(VrrpVersion.V3, 100, 10));
        long deadline = start + router.masterDownIntervalNanos();
        assertEquals(Role.MASTER, roleChange(tickAt(router, deadline + 4_000_000L)).to());
        assertEquals(0, router.lateTimerDeferrals());
    }

    @Test
    void aDeadMasterAgentIsReplacedAfterSkewTimeAndOneIntervalNotMasterDownInterval() {
        VirtualRouter router = startedBackup(config(VrrpVersion.V3, 100, 100));
        advert(router, 0, PEER, 150, 100);
        long lost = clock.advanceMillis(300);
        assertTrue(router.handle(new VrrpEvent.MasterLinkLost(), lost).isEmpty());
        // Skew_Time 609.375 ms + one interval 1 s, instead of 3.609375 s after the last advert.
        assertEquals(lost + 1_609_375_000L, router.nextDeadline());
        RoleChanged change = roleChange(tickAt(router, lost + 1_609_375_000L));
        assertEquals(Cause.MASTER_AGENT_DIED, change.reason().cause());
    }

    @Test
    void anAdvertAfterTheLinkLossProvesTheMasterAliveAndNothingHappens() {
        VirtualRouter router = startedBackup(config(VrrpVersion.V3, 100, 100));
        advert(router, 0, PEER, 150, 100);
        router.handle(new VrrpEvent.MasterLinkLost(), clock.advanceMillis(300));
        long heard = clock.advanceMillis(700);
        advert(router, 0, PEER, 150, 100);
        assertEquals(heard + router.masterDownIntervalNanos(), router.nextDeadline());
        assertTrue(tickAt(router, heard + 2_000_000_000L).isEmpty());
        assertEquals(Role.BACKUP, router.role());
    }

    @Test
    void v2SkewIgnoresTheIntervalAsRfc3768Says() {
        // v2 at 3 s, priority 100: 3 * 3 s + 156/256 s.
        VirtualRouter router = startedBackup(config(VrrpVersion.V2, 100, 300));
        assertEquals(9_609_375_000L, router.masterDownIntervalNanos());
    }

    @Test
    void masterYieldsToAHigherPriorityAdvertAndNamesThePreempter() {
        VirtualRouter router = new VirtualRouter(config(VrrpVersion.V3, 255, 100).build());
        router.handle(new Startup(), clock.nanoTime());
        List<VrrpAction> actions = advert(router, 0, PEER, 255, 100);
        // Equal priority 255 and the peer's address is higher: yield on the tie-break.
        assertEquals(Role.BACKUP, router.role());
        assertEquals(Cause.EQUAL_PRIORITY_HIGHER_ADDRESS, roleChange(actions).reason().cause());

        VirtualRouter master = new VirtualRouter(config(VrrpVersion.V3, 100, 100).build());
        master.handle(new Startup(), clock.nanoTime());
        tickAt(master, master.nextDeadline());
        assertEquals(Role.MASTER, master.role());
        RoleChanged change = roleChange(advert(master, 0, LOWER_PEER, 150, 100));
        assertEquals(new RoleChanged(Role.MASTER, Role.BACKUP,
                new TransitionReason(Cause.HIGHER_PRIORITY_ADVERT, "preempted by 10.0.0.5 priority 150")), change);
    }

    @Test
    void equalPriorityTieIsWonByTheHigherPrimaryAddress() {
        VirtualRouter router = new VirtualRouter(config(VrrpVersion.V3, 100, 100).build());
        router.handle(new Startup(), clock.nanoTime());
        tickAt(router, router.nextDeadline());
        assertEquals(Role.MASTER, router.role());

        // 10.0.0.5 < 10.0.0.11: we keep mastership and assert it at once.
        assertEquals(List.of(new SendAdvert(100), new AnnounceAddresses()), advert(router, 0, LOWER_PEER, 100, 100));
        assertEquals(Role.MASTER, router.role());
        // 10.0.0.12 > 10.0.0.11: we yield.
        advert(router, 0, PEER, 100, 100);
        assertEquals(Role.BACKUP, router.role());
        assertEquals(PEER, router.masterAddress());
    }

    @Test
    void priorityZeroMakesTheBackupTakeOverAfterSkewTimeNotMasterDownInterval() {
        VirtualRouter router = startedBackup(config(VrrpVersion.V3, 100, 100));
        clock.advanceMillis(500);
        advert(router, 0, PEER, 200, 100);
        long resignedAt = clock.advanceMillis(700);
        advert(router, 0, PEER, 0, 100);
        long skew = 609_375_000L;
        assertEquals(resignedAt + skew, router.nextDeadline());
        assertTrue(tickAt(router, resignedAt + skew - 1).isEmpty());
        RoleChanged change = roleChange(tickAt(router, resignedAt + skew));
        assertEquals(Cause.MASTER_RESIGNED, change.reason().cause());
        assertEquals("priority 0 received from 10.0.0.12, Skew_Time expired", change.reason().detail());
    }

    @Test
    void masterAnswersAPriorityZeroAdvertWithItsOwnAdvertAtOnce() {
        VirtualRouter router = new VirtualRouter(config(VrrpVersion.V3, 255, 100).build());
        router.handle(new Startup(), clock.nanoTime());
        long at = clock.advanceMillis(300);
        assertEquals(List.of(new SendAdvert(255)), advert(router, 0, LOWER_PEER, 0, 100));
        assertEquals(at + 1_000_000_000L, router.nextDeadline());
    }

    @Test
    void preemptingBackupIgnoresALowerPriorityMasterAndTakesOverAtMasterDown() {
        long start = clock.nanoTime();
        VirtualRouter router = startedBackup(config(VrrpVersion.V3, 200, 100));
        for (int i = 1; i <= 3; i++) {
            clock.advanceMillis(1000);
            advert(router, 0, LOWER_PEER, 100, 100);
        }
        // The adverts were discarded, so the timer armed at startup runs out: 3 s + 56/256 s.
        long takeover = start + 3_218_750_000L;
        assertEquals(takeover, router.nextDeadline());
        RoleChanged change = roleChange(tickAt(router, takeover));
        assertEquals(Cause.PREEMPT_LOWER_PRIORITY_MASTER, change.reason().cause());
        assertEquals("preempting lower-priority master 10.0.0.5 priority 100", change.reason().detail());
    }

    @Test
    void aHeldPreemptFollowsTheLowerPriorityMasterUntilReleasedButNeverHoldsAMasterDown() {
        VirtualRouter router = startedBackup(config(VrrpVersion.V3, 200, 100));
        router.handle(new VrrpEvent.PreemptHold(true), clock.nanoTime());
        for (int i = 0; i < 20; i++) {
            clock.advanceMillis(1000);
            advert(router, 0, LOWER_PEER, 100, 100);
            assertTrue(tickAt(router, clock.nanoTime()).isEmpty());
        }
        assertEquals(Role.BACKUP, router.role(), "held: the lower-priority master is followed");
        router.handle(new VrrpEvent.PreemptHold(false), clock.nanoTime());
        long released = clock.nanoTime();
        for (int i = 1; i <= 3; i++) {
            clock.advanceMillis(1000);
            advert(router, 0, LOWER_PEER, 100, 100);
        }
        long takeover = released + 3_218_750_000L; // the timer armed by the last followed advert runs out
        assertEquals(Cause.PREEMPT_LOWER_PRIORITY_MASTER, roleChange(tickAt(router, takeover)).reason().cause());

        VirtualRouter held = startedBackup(config(VrrpVersion.V3, 200, 100));
        held.handle(new VrrpEvent.PreemptHold(true), clock.nanoTime());
        advert(held, 0, LOWER_PEER, 100, 100);
        // The master then falls silent: a held preempt does not hold a takeover from a dead master.
        assertEquals(Cause.MASTER_DOWN, roleChange(tickAt(held, held.nextDeadline())).reason().cause());
    }

    @Test
    void nopreemptBackupFollowsALowerPriorityMasterForever() {
        ConfigBuilder builder = config(VrrpVersion.V3, 200, 100);
        builder.preempt = false;
        VirtualRouter router = startedBackup(builder);
        for (int i = 0; i < 100; i++) {
            clock.advanceMillis(1000);
            advert(router, 0, LOWER_PEER, 100, 100);
            assertTrue(tickAt(router, clock.nanoTime()).isEmpty());
        }
        assertEquals(Role.BACKUP, router.role());
        assertEquals(LOWER_PEER, router.masterAddress());
    }

    @Test
    void preemptDelayToleratesALowerPriorityMasterForTheDelayThenPreempts() {
        ConfigBuilder builder = config(VrrpVersion.V3, 200, 100);
        builder.preemptDelayNanos = 10_000_000_000L;
        VirtualRouter router = startedBackup(builder);
        long firstSeen = clock.advanceMillis(1000);
        advert(router, 0, LOWER_PEER, 100, 100);
        for (int i = 0; i < 8; i++) {
            clock.advanceMillis(1000);
            advert(router, 0, LOWER_PEER, 100, 100);
            assertTrue(tickAt(router, clock.nanoTime()).isEmpty(), "preempted before the delay");
        }
        assertEquals(firstSeen + 10_000_000_000L, router.nextDeadline());
        RoleChanged change = roleChange(tickAt(router, firstSeen + 10_000_000_000L));
        assertEquals(Cause.PREEMPT_LOWER_PRIORITY_MASTER, change.reason().cause());
    }

    @Test
    void v3BackupLearnsTheMastersIntervalAndTimesOutOnIt() {
        VirtualRouter router = startedBackup(config(VrrpVersion.V3, 100, 100));
        long heard = clock.advanceMillis(10);
        advert(router, 0, PEER, 150, 10);
        assertEquals(10, router.masterAdverIntervalCentis());
        // 3 * 100 ms + 156 * 100 ms / 256 = 360.9375 ms
        assertEquals(360_937_500L, router.masterDownIntervalNanos());
        assertEquals(Cause.MASTER_DOWN, roleChange(tickAt(router, heard + 360_937_500L)).reason().cause());
    }

    @Test
    void v2BackupKeepsItsOwnIntervalWhateverTheAdvertSays() {
        VirtualRouter router = startedBackup(config(VrrpVersion.V2, 100, 100));
        advert(router, 0, PEER, 150, 200);
        assertEquals(100, router.masterAdverIntervalCentis());
    }

    @Test
    void silenceOnOneChannelIsAChannelLossNotAFailover() {
        VirtualRouter router = startedBackup(config(VrrpVersion.V3, 100, 10).twoChannels());
        List<VrrpAction> seen = new ArrayList<>();
        // Both channels hear the master for a second, then the private one (1) goes quiet.
        for (int i = 0; i < 10; i++) {
            clock.advanceMillis(100);
            seen.addAll(advert(router, 0, PEER, 150, 10));
            seen.addAll(advert(router, 1, PEER, 150, 10));
        }
        for (int i = 0; i < 20; i++) {
            clock.advanceMillis(100);
            seen.addAll(advert(router, 0, PEER, 150, 10));
            seen.addAll(tickAt(router, clock.nanoTime()));
        }
        assertEquals(Role.BACKUP, router.role());
        assertTrue(router.isChannelLost(1));
        assertFalse(router.isChannelLost(0));
        assertEquals(1, seen.stream().filter(ChannelLost.class::isInstance).count(), seen.toString());

        // Then the public channel goes quiet too: only now does the backup take over.
        long lastPublic = clock.nanoTime();
        assertEquals(lastPublic + router.masterDownIntervalNanos(), router.nextDeadline());
        assertEquals(Cause.MASTER_DOWN, roleChange(tickAt(router, router.nextDeadline())).reason().cause());
    }

    /** A second of adverts on channel 0 alone: channel 1 is lost. */
    private void loseChannelOne(VirtualRouter router) {
        for (int i = 0; i < 10; i++) {
            clock.advanceMillis(100);
            advert(router, 0, PEER, 150, 10);
            tickAt(router, clock.nanoTime());
        }
        assertTrue(router.isChannelLost(1));
    }

    @Test
    void aLostChannelThatHearsTheMasterAgainIsRestored() {
        VirtualRouter router = startedBackup(config(VrrpVersion.V3, 100, 10).twoChannels());
        loseChannelOne(router);
        assertEquals(List.of(new ChannelRestored(1)), advert(router, 1, PEER, 150, 10));
        assertFalse(router.isChannelLost(1));
    }

    @Test
    void aChannelLostWhileBackupIsNotShownLostOnceMasterWithItsLinkUp() {
        VirtualRouter router = startedBackup(config(VrrpVersion.V3, 100, 10).twoChannels());
        loseChannelOne(router);
        List<VrrpAction> takeover = tickAt(router, router.nextDeadline());
        assertEquals(Role.MASTER, router.role());
        assertTrue(takeover.contains(new ChannelRestored(1)), takeover.toString());
        assertFalse(router.isChannelLost(1));
    }

    @Test
    void aChannelWhoseLinkIsDownStaysLostOnceMaster() {
        VirtualRouter router = startedBackup(config(VrrpVersion.V3, 100, 10).twoChannels());
        router.handle(new VrrpEvent.ChannelDown(1), clock.advanceMillis(10));
        assertTrue(router.isChannelLost(1));
        while (router.role() == Role.BACKUP) {
            tickAt(router, router.nextDeadline());
        }
        assertTrue(router.isChannelLost(1));
    }

    @Test
    void aDyingMastersLastAdvertsDoNotRaiseAChannelLossBeforeTheTakeover() {
        VirtualRouter router = startedBackup(config(VrrpVersion.V3, 100, 10).twoChannels());
        for (int i = 0; i < 10; i++) {
            clock.advanceMillis(100);
            advert(router, 0, PEER, 150, 10);
            clock.advanceNanos(300_000);
            advert(router, 1, PEER, 150, 10);
        }
        List<VrrpAction> actions = new ArrayList<>();
        while (router.role() == Role.BACKUP) {
            actions.addAll(tickAt(router, router.nextDeadline()));
        }
        assertFalse(actions.stream().anyMatch(ChannelLost.class::isInstance), actions.toString());
    }

    @Test
    void gracefulShutdownOfTheMasterSendsPriorityZero() {
        VirtualRouter router = new VirtualRouter(config(VrrpVersion.V3, 255, 100).build());
        router.handle(new Startup(), clock.nanoTime());
        List<VrrpAction> actions = router.handle(new Shutdown(), clock.advanceMillis(10));
        assertEquals(new SendAdvert(0), actions.get(0));
        assertEquals(Role.INITIALIZE, roleChange(actions).to());
        assertFalse(router.hasDeadline());
    }

    @Test
    void raisingTheBackupsPriorityAboveTheMastersPreemptsAtOnce() {
        VirtualRouter router = startedBackup(config(VrrpVersion.V3, 100, 100));
        advert(router, 0, PEER, 150, 100);
        List<VrrpAction> actions = router.handle(new PriorityChanged(160), clock.advanceMillis(5));
        assertEquals(new SendAdvert(160), actions.get(0));
        assertEquals(Cause.PRIORITY_RAISED, roleChange(actions).reason().cause());
    }

    @Test
    void loweringTheMastersPriorityIsAdvertisedAtOnce() {
        VirtualRouter router = new VirtualRouter(config(VrrpVersion.V3, 255, 100).build());
        router.handle(new Startup(), clock.nanoTime());
        assertEquals(List.of(new SendAdvert(50)), router.handle(new PriorityChanged(50), clock.advanceMillis(5)));
        assertEquals(Role.MASTER, router.role());
    }

    private VirtualRouter masterOf(ConfigBuilder builder) {
        VirtualRouter router = new VirtualRouter(builder.build());
        router.handle(new Startup(), clock.nanoTime());
        tickAt(router, router.nextDeadline());
        assertEquals(Role.MASTER, router.role());
        return router;
    }

    @Test
    void switchoverOnTheMasterResignsAndDoesNotPreemptBackDuringTheHold() {
        VirtualRouter router = masterOf(config(VrrpVersion.V3, 150, 10));
        List<VrrpAction> actions = router.handle(new VrrpEvent.Switchover(5_000_000_000L), clock.advanceMillis(1));
        assertEquals(new SendAdvert(0), actions.get(0));
        assertEquals(new RoleChanged(Role.MASTER, Role.BACKUP, new TransitionReason(Cause.SWITCHOVER,
                "switchover requested: resigned with priority 0")), actions.get(1));
        // The peer (priority 100) takes over; we follow it despite our 150 until the hold ends.
        for (int i = 0; i < 40; i++) {
            clock.advanceMillis(100);
            advert(router, 0, PEER, 100, 10);
            assertTrue(tickAt(router, clock.nanoTime()).isEmpty(), "preempted back during the hold");
        }
        assertEquals(Role.BACKUP, router.role());
        // After the hold, ordinary preemption applies: the lower master's adverts are discarded.
        clock.advanceMillis(1100);
        advert(router, 0, PEER, 100, 10);
        assertEquals(Cause.PREEMPT_LOWER_PRIORITY_MASTER, roleChange(tickAt(router, router.nextDeadline())).reason().cause());
    }

    @Test
    void resumeEndsTheHoldAtOnce() {
        VirtualRouter router = masterOf(config(VrrpVersion.V3, 150, 10));
        router.handle(new VrrpEvent.Switchover(60_000_000_000L), clock.advanceMillis(1));
        advert(router, 0, PEER, 100, 10);
        router.handle(new VrrpEvent.Resume(), clock.advanceMillis(1));
        assertFalse(router.isHolding());
        advert(router, 0, PEER, 100, 10);
        assertEquals(Role.MASTER, roleChange(tickAt(router, router.nextDeadline())).to());
    }

    @Test
    void switchoverOnTheBackupRaisesItsPriorityAboveTheMastersAndTakesOverAtOnce() {
        VirtualRouter router = startedBackup(config(VrrpVersion.V3, 100, 10));
        advert(router, 0, PEER, 150, 10);
        assertNull(router.switchoverRefusal());
        List<VrrpAction> actions = router.handle(new VrrpEvent.Switchover(0), clock.advanceMillis(1));
        assertEquals(new SendAdvert(151), actions.get(0));
        assertEquals("switchover requested: priority raised to 151 above master 10.0.0.12 priority 150",
                roleChange(actions).reason().detail());
        assertEquals(151, router.priority());
    }

    @Test
    void switchoverIsRefusedWhereItCannotWork() {
        ConfigBuilder nopreempt = config(VrrpVersion.V3, 100, 10);
        nopreempt.preempt = false;
        VirtualRouter quiet = startedBackup(nopreempt);
        advert(quiet, 0, PEER, 150, 10);
        assertTrue(quiet.switchoverRefusal().contains("nopreempt"));
        assertThrows(IllegalStateException.class, () -> quiet.handle(new VrrpEvent.Switchover(0), clock.nanoTime()));

        VirtualRouter underOwner = startedBackup(config(VrrpVersion.V3, 100, 10));
        advert(underOwner, 0, PEER, 255, 10);
        assertTrue(underOwner.switchoverRefusal().contains("cannot be exceeded"));

        VirtualRouter alone = startedBackup(config(VrrpVersion.V3, 100, 10));
        assertTrue(alone.switchoverRefusal().contains("no master is heard"));
        assertTrue(new VirtualRouter(config(VrrpVersion.V3, 100, 10).build()).switchoverRefusal().contains("not running"));
    }

    @Test
    void anAdvertInInitializeIsCountedAsABugAndChangesNothing() {
        VirtualRouter router = new VirtualRouter(config(VrrpVersion.V3, 100, 100).build());
        assertTrue(advert(router, 0, PEER, 100, 100).isEmpty());
        assertEquals(1, router.impossibleEvents());
        assertEquals(Role.INITIALIZE, router.role());
    }
}
