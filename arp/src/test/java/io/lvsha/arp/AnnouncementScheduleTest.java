package io.lvsha.arp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AnnouncementScheduleTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void defaultIsFiveNowAndFiveMoreAfterTwoSecondsThenSilence() {
        AnnouncementSchedule schedule = new AnnouncementSchedule(AnnouncementSchedule.Plan.DEFAULT);
        long t0 = Long.MAX_VALUE - SECOND;
        assertEquals(5, schedule.start(t0));
        assertEquals(t0 + 2 * SECOND, schedule.nextDeadline());
        assertEquals(0, schedule.poll(t0 + 2 * SECOND - 1));
        assertEquals(5, schedule.poll(t0 + 2 * SECOND));
        assertFalse(schedule.hasDeadline());
    }

    @Test
    void refreshKeepsAnnouncingOnePerPeriodUntilStopped() {
        AnnouncementSchedule schedule = new AnnouncementSchedule(new AnnouncementSchedule.Plan(3, SECOND, 2, 60 * SECOND));
        schedule.start(0);
        assertEquals(2, schedule.poll(SECOND));
        assertEquals(61 * SECOND, schedule.nextDeadline());
        assertEquals(1, schedule.poll(61 * SECOND));
        assertTrue(schedule.hasDeadline());
        schedule.stop();
        assertEquals(0, schedule.poll(200 * SECOND));
    }

    @Test
    void releaseBeforeTheSecondBurstCancelsIt() {
        AnnouncementSchedule schedule = new AnnouncementSchedule(AnnouncementSchedule.Plan.DEFAULT);
        schedule.start(0);
        schedule.stop();
        assertEquals(0, schedule.poll(10 * SECOND));
    }
}
