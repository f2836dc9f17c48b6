package io.lvsha.agent.group;

import io.lvsha.agent.loop.HaLoop;
import java.util.List;

/**
 * The agent's groups as one owner of the HA loop's deadlines: the earliest of theirs, each served
 * when due. A wake-up also serves every deadline that need not be precise (a master's next
 * advert, the upkeep's polls) falling due within {@link #COALESCE_NANOS}, all as of the latest of
 * them, so that they fall due together from then on: 200 groups at 100 ms woke the loop over
 * 4 000 times a second, each wake-up a park and an unpark and a pass over every group (the
 * groups-scale benchmark: the loop's thread took 6.7 % of a core without this, 5.7 % with it).
 * A backup's timers are never served early.
 */
final class GroupSet implements HaLoop.Deadlines {
    /**
     * How early a deadline that need not be precise may be served: an advert this much early
     * shortens one interval once (the backups wait three), and the groups' phases merge.
     */
    static final long COALESCE_NANOS = 2_000_000L;

    private final List<HaLoop.Deadlines> controllers;
    /** The groups one wake-up serves, reused: the loop allocates nothing per advert. */
    private final HaLoop.Deadlines[] batch;
    /** The group whose deadline {@link #nextDeadline} found earliest: its precision is the loop's. */
    private HaLoop.Deadlines earliestOwner;

    /** @param controllers each group's deadlines (its {@link GroupController}) */
    GroupSet(List<? extends HaLoop.Deadlines> controllers) {
        this.controllers = List.copyOf(controllers);
        this.batch = new HaLoop.Deadlines[controllers.size()];
    }

    @Override
    public boolean hasDeadline() {
        for (HaLoop.Deadlines controller : controllers) {
            if (controller.hasDeadline()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public long nextDeadline() {
        long earliest = 0;
        boolean any = false;
        for (HaLoop.Deadlines controller : controllers) {
            if (controller.hasDeadline()) {
                long deadline = controller.nextDeadline();
                if (!any || deadline - earliest < 0) {
                    earliest = deadline;
                    earliestOwner = controller;
                }
                any = true;
            }
        }
        return earliest;
    }

    @Override
    public boolean precise() {
        return earliestOwner == null || earliestOwner.precise();
    }

    @Override
    public void onDeadline(long now, long deadline) {
        int batched = 0;
        long batchNow = now;
        for (HaLoop.Deadlines controller : controllers) {
            if (controller.hasDeadline()) {
                long due = controller.nextDeadline();
                if (due - now <= COALESCE_NANOS && !controller.precise()) {
                    batch[batched++] = controller;
                    batchNow = due - batchNow > 0 ? due : batchNow;
                } else if (now - due >= 0) {
                    controller.onDeadline(now, due); // a failover waits on it: served as of now, never early
                }
            }
        }
        for (int i = 0; i < batched; i++) {
            HaLoop.Deadlines early = batch[i];
            batch[i] = null;
            early.onDeadline(batchNow, batchNow);
        }
    }
}
