package io.lvsha.agent.group;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lvsha.agent.loop.HaLoop;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 15: many groups' deadlines served in one wake-up, never a failover's early. */
class GroupSetTest {
    /** A group with one deadline; records the times it was served at. */
    private static final class OneDeadline implements HaLoop.Deadlines {
        private final boolean precise;
        private long deadline;
        final List<Long> servedAt = new ArrayList<>();

        OneDeadline(long deadline, boolean precise) {
            this.deadline = deadline;
            this.precise = precise;
        }

        @Override
        public boolean hasDeadline() {
            return true;
        }

        @Override
        public long nextDeadline() {
            return deadline;
        }

        @Override
        public boolean precise() {
            return precise;
        }

        @Override
        public void onDeadline(long now, long due) {
            servedAt.add(now);
            deadline = now + 100_000_000L; // the next advert, one interval on
        }
    }

    @Test
    void mastersDueWithinTheWindowAreServedTogetherAndStayTogether() {
        OneDeadline first = new OneDeadline(1_000_000_000L, false);
        OneDeadline soon = new OneDeadline(1_001_500_000L, false);
        OneDeadline later = new OneDeadline(1_010_000_000L, false);
        GroupSet groups = new GroupSet(List.of(first, soon, later));
        assertEquals(1_000_000_000L, groups.nextDeadline());
        groups.onDeadline(1_000_000_000L, 1_000_000_000L);
        assertEquals(List.of(1_001_500_000L), first.servedAt, "served as of the latest of the batch");
        assertEquals(List.of(1_001_500_000L), soon.servedAt, "served 1.5 ms early, with the first");
        assertEquals(List.of(), later.servedAt, "10 ms away: not yet");
        assertEquals(first.nextDeadline(), soon.nextDeadline(), "from now on they fall due together");
    }

    @Test
    void aBackupsTimerIsNeverServedEarly() {
        OneDeadline master = new OneDeadline(1_000_000_000L, false);
        OneDeadline backup = new OneDeadline(1_000_500_000L, true);
        GroupSet groups = new GroupSet(List.of(master, backup));
        groups.onDeadline(1_000_000_000L, 1_000_000_000L);
        assertEquals(List.of(1_000_000_000L), master.servedAt);
        assertEquals(List.of(), backup.servedAt, "its Master_Down_Timer is due in 0.5 ms, not now");
        groups.onDeadline(1_000_600_000L, 1_000_500_000L);
        assertEquals(List.of(1_000_600_000L), backup.servedAt, "served as of now, when it is due");
    }
}
