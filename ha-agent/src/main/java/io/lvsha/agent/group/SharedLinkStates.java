package io.lvsha.agent.group;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * Interface link states for every group's link polls, each interface read at most once per
 * {@link #FRESH_NANOS}: 200 groups polling one interface every 100 ms were 2 000 reads of sysfs a
 * second (groups-scale benchmark). The groups poll every 100 ms, so an agent of one group reads as
 * often as before.
 */
final class SharedLinkStates implements Predicate<String> {
    static final long FRESH_NANOS = 50_000_000L;

    private record Reading(boolean up, long atNanos) {
    }

    private final Predicate<String> read;
    private final LongSupplier clock;
    private final Map<String, Reading> readings = new ConcurrentHashMap<>();

    /** @param read the interface's state as the kernel says it now */
    SharedLinkStates(Predicate<String> read, LongSupplier clock) {
        this.read = read;
        this.clock = clock;
    }

    @Override
    public boolean test(String iface) {
        long now = clock.getAsLong();
        Reading last = readings.get(iface);
        if (last == null || now - last.atNanos() >= FRESH_NANOS) {
            last = new Reading(read.test(iface), now);
            readings.put(iface, last);
        }
        return last.up();
    }
}
