package io.lvsha.agent.channel;

import io.lvsha.vrrp.DropReason;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Received packets dropped, per reason, on one channel. Written by the channel's receive thread,
 * read by the HA loop. Thread-safe.
 */
public final class DropCounters {
    private final AtomicLongArray counts = new AtomicLongArray(DropReason.values().length);
    private final long[] reported = new long[DropReason.values().length];

    void count(DropReason reason) {
        counts.incrementAndGet(reason.ordinal());
    }

    /** Every drop for {@code reason} since start. */
    public long total(DropReason reason) {
        return counts.get(reason.ordinal());
    }

    /** The drops since the last call, by reason; only reasons with new drops. HA loop only. */
    public Map<DropReason, Long> takeNewDrops() {
        Map<DropReason, Long> fresh = new EnumMap<>(DropReason.class);
        for (DropReason reason : DropReason.values()) {
            long total = counts.get(reason.ordinal());
            long delta = total - reported[reason.ordinal()];
            if (delta > 0) {
                fresh.put(reason, delta);
                reported[reason.ordinal()] = total;
            }
        }
        return fresh;
    }
}
