package io.lvsha.agent.group;

import io.lvsha.agent.loop.HaLoop;
import java.util.List;

/** The agent's groups as one owner of the HA loop's deadlines: the earliest of theirs, each served when due. */
final class GroupSet implements HaLoop.Deadlines {
    private final List<GroupController> controllers;
    /** The group whose deadline {@link #nextDeadline} found earliest: its precision is the loop's. */
    private GroupController earliestOwner;

    GroupSet(List<GroupController> controllers) {
        this.controllers = List.copyOf(controllers);
    }

    @Override
    public boolean hasDeadline() {
        for (GroupController controller : controllers) {
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
        for (GroupController controller : controllers) {
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
        for (GroupController controller : controllers) {
            if (controller.hasDeadline()) {
                long due = controller.nextDeadline();
                if (now - due >= 0) {
                    controller.onDeadline(now, due);
                }
            }
        }
    }
}
