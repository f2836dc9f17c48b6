package io.lvsha.arp;

/**
 * When to send gratuitous ARP / unsolicited NA after a takeover: a burst at once, a second burst
 * after a delay (switches that missed the first, e.g. during spanning-tree changes), then an
 * optional periodic refresh shorter than a switch's FDB ageing. Driven by the HA loop's timers:
 * nothing here sleeps (the lesson of OpenBSD's {@code DELAY(1000)} between GARPs).
 *
 * <p>Not thread-safe: owned by the HA loop.
 */
public final class AnnouncementSchedule {
    /**
     * @param burst announcements per VIP at takeover (keepalived: 5)
     * @param repeatDelayNanos delay of the second burst; 0 = no second burst
     * @param repeatBurst announcements per VIP in the second burst
     * @param refreshNanos period of a one-announcement refresh while master; 0 = off
     */
    public record Plan(int burst, long repeatDelayNanos, int repeatBurst, long refreshNanos) {
        /** 5 now, 5 more after 2 s, no refresh. */
        public static final Plan DEFAULT = new Plan(5, 2_000_000_000L, 5, 0);

        public Plan {
            if (burst < 1 || burst > 100 || repeatBurst < 0 || repeatBurst > 100) {
                throw new IllegalArgumentException("a burst is 1..100 announcements (repeat: 0..100)");
            }
            if (repeatDelayNanos < 0 || refreshNanos < 0) {
                throw new IllegalArgumentException("delays are not negative");
            }
        }
    }

    private Plan plan;
    private boolean repeatPending;
    private boolean refreshing;
    private long dueAt;

    public AnnouncementSchedule(Plan plan) {
        this.plan = plan;
    }

    /** We became master (or an operator asked for a burst): returns the burst to send now. */
    public int start(long now) {
        repeatPending = plan.repeatDelayNanos() > 0 && plan.repeatBurst() > 0;
        refreshing = !repeatPending && plan.refreshNanos() > 0;
        dueAt = now + (repeatPending ? plan.repeatDelayNanos() : plan.refreshNanos());
        return plan.burst();
    }

    /** How many announcements per VIP the next {@link #start} returns. */
    public int burst() {
        return plan.burst();
    }

    /** A reloaded plan; takes effect from the next takeover (or burst). */
    public void replacePlan(Plan newPlan) {
        plan = newPlan;
    }

    /** We are no longer master: nothing more is due. */
    public void stop() {
        repeatPending = false;
        refreshing = false;
    }

    public boolean hasDeadline() {
        return repeatPending || refreshing;
    }

    public long nextDeadline() {
        return dueAt;
    }

    /** @return how many announcements per VIP are due at {@code now} (0 if none) */
    public int poll(long now) {
        if (!hasDeadline() || now - dueAt < 0) {
            return 0;
        }
        int due = repeatPending ? plan.repeatBurst() : 1;
        repeatPending = false;
        refreshing = plan.refreshNanos() > 0;
        dueAt = now + plan.refreshNanos();
        return due;
    }
}
