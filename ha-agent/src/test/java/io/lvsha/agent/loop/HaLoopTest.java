package io.lvsha.agent.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class HaLoopTest {
    /** A deadline that is already due; records when it fired. */
    private static final class DueDeadline implements HaLoop.Deadlines {
        private final List<String> order;
        private final CountDownLatch fired = new CountDownLatch(1);
        private volatile boolean due = true;

        DueDeadline(List<String> order) {
            this.order = order;
        }

        @Override
        public boolean hasDeadline() {
            return due;
        }

        @Override
        public long nextDeadline() {
            return 0;
        }

        @Override
        public void onDeadline(long now, long deadline) {
            order.add("deadline");
            due = false;
            fired.countDown();
        }
    }

    @Test
    void anAdvertQueuedBeforeTheMasterDownDeadlineIsHandledBeforeTheDeadlineFires() throws Exception {
        List<String> order = new CopyOnWriteArrayList<>();
        HaLoop loop = new HaLoop(() -> 1_000);
        loop.execute(() -> order.add("advert"));
        DueDeadline deadline = new DueDeadline(order);
        loop.start(deadline);
        assertTrue(deadline.fired.await(10, TimeUnit.SECONDS));
        assertEquals(List.of("advert", "deadline"), order);
        assertEquals(1_000, loop.maxLagNanos(), "lag is measured against the loop's clock");
        loop.stop(1000);
    }

    @Test
    void aFloodOfTasksCannotStarveADueDeadline() throws Exception {
        List<String> order = new CopyOnWriteArrayList<>();
        HaLoop loop = new HaLoop(() -> 1_000);
        Runnable[] flood = new Runnable[1];
        flood[0] = () -> loop.execute(flood[0]);
        for (int i = 0; i < 200; i++) {
            loop.execute(flood[0]);
        }
        DueDeadline deadline = new DueDeadline(order);
        loop.start(deadline);
        assertTrue(deadline.fired.await(10, TimeUnit.SECONDS), "the deadline never fired under a flood");
        loop.stop(1000);
    }
}
