package io.lvsha.agent.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Many groups polling one interface read it once per freshness window; a change shows within it. */
class SharedLinkStatesTest {
    private long now = 1_000_000_000L;
    private final Map<String, Integer> reads = new HashMap<>();
    private boolean up = true;

    @Test
    void eachInterfaceIsReadOncePerWindowHoweverManyAsk() {
        SharedLinkStates links = new SharedLinkStates(iface -> {
            reads.merge(iface, 1, Integer::sum);
            return up;
        }, () -> now);
        for (int group = 0; group < 200; group++) {
            assertTrue(links.test("eth0"));
        }
        assertEquals(1, reads.get("eth0"));
        up = false;
        now += SharedLinkStates.FRESH_NANOS - 1;
        assertTrue(links.test("eth0"), "still the reading of this window");
        now += 1;
        assertFalse(links.test("eth0"), "a new window reads the kernel again");
        assertTrue(links.test("eth1") == up && reads.get("eth1") == 1, "each interface on its own");
        assertEquals(2, reads.get("eth0"));
    }
}
