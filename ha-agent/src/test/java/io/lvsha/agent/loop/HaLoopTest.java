package io.lvsha.agent.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
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
    void aDeadlineThatNeedsNoSpinIsServedOnceItsTimeHasComeNotBefore() throws Exception {
        long at = System.nanoTime() + 20_000_000L;
        long[] servedAt = {0};
        CountDownLatch fired = new CountDownLatch(1);
        HaLoop loop = new HaLoop(System::nanoTime);
        loop.start(new HaLoop.Deadlines() {
            @Override
            public boolean hasDeadline() {
                return fired.getCount() > 0;
            }

            @Override
            public long nextDeadline() {
                return at;
            }

            @Override
            public void onDeadline(long now, long deadline) {
                servedAt[0] = now;
                fired.countDown();
            }

            @Override
            public boolean precise() {
                return false;
            }
        });
        assertTrue(fired.await(10, TimeUnit.SECONDS), "a parked loop wakes for its deadline");
        loop.stop(1000);
        assertTrue(servedAt[0] - at >= 0, "never early: " + (servedAt[0] - at) + " ns");
    }

    @Test
    void anAdvertQueuedBeforeTheMasterDownDeadlineIsHandledBeforeTheDeadlineFires() throws Exception {
        List<String> order = new CopyOnWriteArrayList<>();
        HaLoop loop = new HaLoop(() -> 1_000);
        loop.execute(() -> order.add("bucket"));
        loop.executeAhead(() -> order.add("advert"));
        DueDeadline deadline = new DueDeadline(order);
        loop.start(deadline);
        assertTrue(deadline.fired.await(10, TimeUnit.SECONDS));
        loop.stop(1000);
        assertEquals(List.of("advert", "deadline", "bucket"), order,
                "the advert counts before the timer; bulk work waits for it");
        assertEquals(1_000, loop.maxLagNanos(), "lag is measured against the loop's clock");
    }

    @Test
    void aTaskGivenAheadOvertakesTheQueuedBulkWork() throws Exception {
        List<String> order = new CopyOnWriteArrayList<>();
        HaLoop loop = new HaLoop(() -> 0);
        CountDownLatch release = new CountDownLatch(1);
        loop.execute(() -> await(release));
        for (int i = 0; i < 3; i++) {
            int bucket = i;
            loop.execute(() -> order.add("bucket " + bucket));
        }
        DueDeadline noTimer = new DueDeadline(order);
        noTimer.due = false;
        loop.start(noTimer);
        loop.executeAhead(() -> order.add("advert"));
        release.countDown();
        loop.stop(1000);
        assertEquals(List.of("advert", "bucket 0", "bucket 1", "bucket 2"), order);
    }

    private static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(10, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aFloodOfTasksCannotStarveADueDeadline() throws Exception {
        assertTheDeadlineFiresUnderAFloodGivenBy(HaLoop::execute);
    }

    @Test
    void aFloodOfAdvertsCannotStarveADueDeadline() throws Exception {
        assertTheDeadlineFiresUnderAFloodGivenBy(HaLoop::executeAhead);
    }

    /** 200 tasks that each give themselves again, for ever. */
    private static void assertTheDeadlineFiresUnderAFloodGivenBy(BiConsumer<HaLoop, Runnable> give) throws Exception {
        HaLoop loop = new HaLoop(() -> 1_000);
        Runnable[] flood = new Runnable[1];
        flood[0] = () -> give.accept(loop, flood[0]);
        for (int i = 0; i < 200; i++) {
            give.accept(loop, flood[0]);
        }
        DueDeadline deadline = new DueDeadline(new CopyOnWriteArrayList<>());
        loop.start(deadline);
        assertTrue(deadline.fired.await(10, TimeUnit.SECONDS), "the deadline never fired under the flood");
        loop.stop(1000);
    }
}
