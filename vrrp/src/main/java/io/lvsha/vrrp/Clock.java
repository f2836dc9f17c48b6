package io.lvsha.vrrp;

/**
 * A monotonic clock in nanoseconds. The HA loop reads it once per turn and passes {@code now}
 * down; tests drive a virtual one.
 */
@FunctionalInterface
public interface Clock {
    /** The system's monotonic clock. */
    Clock SYSTEM = System::nanoTime;

    long nanoTime();
}
