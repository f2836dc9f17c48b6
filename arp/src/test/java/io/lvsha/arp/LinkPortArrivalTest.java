package io.lvsha.arp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The kernel's capture stamp (wall clock) mapped onto the loop's monotonic clock. */
class LinkPortArrivalTest {
    private static final long WALL_NOW = 1_796_000_000_000_000_000L;
    private static final long MONO_NOW = 5_000_000_000L;

    @Test
    void aFrameTheKernelStampedEarlierArrivedThatLongBeforeNow() {
        assertEquals(MONO_NOW - 350_000, LinkPort.arrivalNanos(WALL_NOW - 350_000, WALL_NOW, MONO_NOW));
    }

    @Test
    void aFrameHeldForSecondsByAStalledHostKeepsItsArrival() {
        assertEquals(MONO_NOW - 2_500_000_000L, LinkPort.arrivalNanos(WALL_NOW - 2_500_000_000L, WALL_NOW, MONO_NOW));
    }

    @Test
    void aWallClockSteppedBackwardsMakesTheFrameArriveNow() {
        assertEquals(MONO_NOW, LinkPort.arrivalNanos(WALL_NOW + 1_000_000, WALL_NOW, MONO_NOW));
    }

    @Test
    void aWallClockSteppedFarForwardMakesTheFrameArriveNow() {
        assertEquals(MONO_NOW, LinkPort.arrivalNanos(WALL_NOW - 60_000_000_000L, WALL_NOW, MONO_NOW));
    }
}
