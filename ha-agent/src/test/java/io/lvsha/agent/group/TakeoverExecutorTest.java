package io.lvsha.agent.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvsha.agent.vip.VipSet;
import io.lvsha.vrrp.Clock;
import io.lvsha.vrrp.Role;
import io.lvsha.vrrp.TransitionReason;
import io.lvsha.vrrp.TransitionReason.Cause;
import io.lvsha.vrrp.VrrpAction;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** DESIGN.md §5's order against a recording dataplane, timed on a clock that moves 1 µs per read. */
class TakeoverExecutorTest {
    private static final long CAUSE = 5_000_000L;

    private final List<String> steps = new ArrayList<>();
    private long clockNanos = CAUSE;
    private final Clock clock = () -> clockNanos += 1_000;
    private TakeoverSteps.CommitResult commitResult = new TakeoverSteps.CommitResult(7, 0, null, null);
    private boolean commitAfterGarp;

    private final TakeoverSteps recording = new TakeoverSteps() {
        @Override
        public void sendAdvert(int priority, Channels which) {
            steps.add("advert " + priority + (which == Channels.ALL ? "" : " on " + which.name().toLowerCase()));
        }

        @Override
        public CommitResult commitState() {
            steps.add("commit");
            return commitResult;
        }

        @Override
        public boolean commitsAfterGarp() {
            return commitAfterGarp;
        }

        @Override
        public void commitStateInBackground(long cause) {
            steps.add("commit in the background, from " + cause);
        }

        @Override
        public List<VipSet.Change> addVips() {
            steps.add("add VIPs");
            return List.of();
        }

        @Override
        public List<VipSet.Change> releaseVips() {
            steps.add("release VIPs");
            return List.of();
        }

        @Override
        public int announce(long now) {
            steps.add("announce");
            return 3;
        }
    };

    private final TakeoverExecutor executor = new TakeoverExecutor(recording, clock);

    private static VrrpAction.RoleChanged change(Role from, Role to, Cause cause) {
        return new VrrpAction.RoleChanged(from, to, new TransitionReason(cause, cause.name()));
    }

    @Test
    void aTimerTakeoverAdvertisesFirstThenCommitsThenAddsTheVipsThenAnnouncesThenAdvertisesOnTheOtherChannels() {
        TakeoverRecord run = executor.run(List.of(new VrrpAction.SendAdvert(100),
                change(Role.BACKUP, Role.MASTER, Cause.MASTER_DOWN), new VrrpAction.AnnounceAddresses()), CAUSE);
        assertEquals(List.of("advert 100 on first", "commit", "add VIPs", "announce", "advert 100 on rest"), steps);
        assertTrue(run.becameMaster());
        assertEquals(7, run.commit().installed());
        assertEquals(3, run.garpSent());
        assertTrue(run.advertAt() < run.committedAt() && run.committedAt() < run.vipsAt() && run.vipsAt() < run.garpAt(),
                "each step's time is taken when it is done");
        assertEquals(run.micros(run.garpAt()), run.takeoverMicros());
        assertEquals(List.of("advert_us", "commit_us", "vips_us", "garp_us"), List.copyOf(run.timings().keySet()));
    }

    @Test
    void whereTheDataplaneAllowsItTheCommitGoesToTheBackgroundAfterTheGarpAndTheOtherChannelsAdverts() {
        commitAfterGarp = true;
        TakeoverRecord run = executor.run(List.of(new VrrpAction.SendAdvert(100),
                change(Role.BACKUP, Role.MASTER, Cause.MASTER_DOWN), new VrrpAction.AnnounceAddresses()), CAUSE);
        assertEquals(List.of("advert 100 on first", "add VIPs", "announce", "advert 100 on rest",
                "commit in the background, from " + CAUSE), steps);
        assertNull(run.commit(), "reported when it is in, not with the takeover");
        assertEquals(List.of("advert_us", "vips_us", "garp_us"), List.copyOf(run.timings().keySet()));
    }

    @Test
    void aSwitchoverTakeoverAdvertisesLastSoTheOldMasterReleasesOnlyAfterOurGarp() {
        TakeoverRecord run = executor.run(List.of(new VrrpAction.SendAdvert(151),
                change(Role.BACKUP, Role.MASTER, Cause.SWITCHOVER), new VrrpAction.AnnounceAddresses()), CAUSE);
        assertEquals(List.of("commit", "add VIPs", "announce", "advert 151"), steps);
        assertTrue(run.garpAt() < run.advertAt());
    }

    @Test
    void aReleaseResignsThenRemovesTheVipsWithoutCommittingOrAnnouncing() {
        TakeoverRecord run = executor.run(List.of(new VrrpAction.SendAdvert(0),
                change(Role.MASTER, Role.BACKUP, Cause.SWITCHOVER)), CAUSE);
        assertEquals(List.of("advert 0", "release VIPs"), steps);
        assertFalse(run.becameMaster());
        assertNull(run.commit());
        assertEquals(-1, run.garpSent());
        Map<String, Object> outcome = run.outcome(Role.BACKUP, 150);
        assertEquals("MASTER", outcome.get("from"));
        assertFalse(outcome.containsKey("takeover"));
    }

    @Test
    void aResignThatKeepsTheVipsSendsThePriorityZeroAndLeavesThemInPlace() {
        executor.run(List.of(new VrrpAction.SendAdvert(0), change(Role.MASTER, Role.BACKUP, Cause.SWITCHOVER)), CAUSE, true);
        assertEquals(List.of("advert 0"), steps);
    }

    @Test
    void withNothingToCommitTheTimingsLeaveTheCommitOut() {
        commitResult = null;
        TakeoverRecord run = executor.run(List.of(new VrrpAction.SendAdvert(100),
                change(Role.BACKUP, Role.MASTER, Cause.MASTER_DOWN), new VrrpAction.AnnounceAddresses()), CAUSE);
        assertEquals(0, run.committedAt());
        assertFalse(run.timings().containsKey("commit_us"));
    }

    @Test
    void channelChangesAreRecordedForTheReportAndTouchNothing() {
        TakeoverRecord run = executor.run(List.of(new VrrpAction.ChannelLost(1, "silent"),
                new VrrpAction.ChannelRestored(0)), CAUSE);
        assertTrue(steps.isEmpty());
        assertEquals(2, run.channelChanges().size());
        assertNull(run.roleChange());
    }
}
