package io.lvsha.agent.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Percentiles read off a cyclictest histogram (the benchmark's machine floor). */
class SchedulingLatencyProbeTest {
    @Test
    void percentilesCountEveryCpusWakeUps() {
        List<String> histogram = List.of(
                "# Histogram",
                "000010 000400 000500",
                "000020 000040 000050",
                "000900 000005 000004",
                "045000 000001 000000",
                "# Total: 000000446 000000554",
                "# Max Latencies: 45000 00900");
        assertEquals("10/20/900/45000 us (median/p99/p99.9/max of 1000 wake-ups)", SchedulingLatencyProbe.describe(histogram));
    }

    @Test
    void aWakeUpBeyondTheHistogramStillSetsTheMax() {
        List<String> histogram = List.of("000010 000010", "# Max Latencies: 250000");
        assertEquals("10/10/10/250000 us (median/p99/p99.9/max of 10 wake-ups)", SchedulingLatencyProbe.describe(histogram));
    }

    @Test
    void anEmptyHistogramSaysSo() {
        assertEquals("unmeasured (no wake-ups)", SchedulingLatencyProbe.describe(List.of("# Histogram")));
    }
}
