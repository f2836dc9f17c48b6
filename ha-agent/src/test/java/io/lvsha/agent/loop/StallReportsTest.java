package io.lvsha.agent.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** The first stall is reported at once; later ones at most once per quiet period, summed up. */
class StallReportsTest {
    private static final long MS = 1_000_000L;

    @Test
    void theFirstStallAtOnceThenOneSummaryPerQuietPeriod() {
        StallReports reports = new StallReports(60_000 * MS);
        assertEquals(new StallReports.Report(24 * MS, 1, 24 * MS), reports.stalled(1_000 * MS, 24 * MS));
        assertNull(reports.stalled(2_000 * MS, 7 * MS));
        assertNull(reports.stalled(30_000 * MS, 31 * MS));
        assertEquals(new StallReports.Report(6 * MS, 3, 31 * MS), reports.stalled(61_000 * MS, 6 * MS),
                "the two held back and this one, the longest of them");
        assertNull(reports.stalled(61_001 * MS, 9 * MS));
    }
}
