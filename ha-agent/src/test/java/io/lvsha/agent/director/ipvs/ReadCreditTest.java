package io.lvsha.agent.director.ipvs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lvsha.agent.director.ipvs.IpvsConnectionPoller.ReadCredit;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** How often a woken poller may read: at once while quiet, at 1/COST_SHARE of the time once busy. */
class ReadCreditTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    @Test
    void aQuietDirectorReadsAtEveryEvent() {
        ReadCredit credit = new ReadCredit(0);
        long now = 0;
        for (int event = 0; event < 1000; event++) {
            now += 10 * MS; // an event every 10 ms, a read of 0.2 ms each
            assertEquals(now, credit.readableAt(now), "event " + event);
            credit.spend(now + MS / 5, MS / 5);
        }
    }

    @Test
    void aBurstSpendsTheCreditThenReadsWaitTheirShare() {
        ReadCredit credit = new ReadCredit(0);
        long now = 0;
        while (credit.readableAt(now) == now) {
            credit.spend(now + 2 * MS, 2 * MS); // back to back reads of 2 ms each
            now += 2 * MS;
        }
        // 20 ms of credit, and 0.1 ms earned by each read after the first (which finds it full):
        // the 11th read leaves it 1 ms in debt
        assertEquals(22 * MS, now, "11 back-to-back reads");
        assertEquals(now + MS * IpvsConnectionPoller.COST_SHARE, credit.readableAt(now),
                "the debt is paid back at 1/" + IpvsConnectionPoller.COST_SHARE + " of the time");
    }

    @Test
    void creditIsCapped() {
        ReadCredit credit = new ReadCredit(0);
        long hourLater = TimeUnit.HOURS.toNanos(1);
        credit.spend(hourLater, ReadCredit.MAX_NANOS + MS);
        assertEquals(hourLater + MS * IpvsConnectionPoller.COST_SHARE, credit.readableAt(hourLater),
                "an idle hour earns no more than " + ReadCredit.MAX_NANOS / MS + " ms of reads");
    }
}
