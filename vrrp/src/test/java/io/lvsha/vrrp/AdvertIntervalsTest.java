package io.lvsha.vrrp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class AdvertIntervalsTest {
    @Test
    void intervalBoundsOfBothVersions() {
        assertNull(AdvertIntervals.violation(VrrpVersion.V2, 100));
        assertNull(AdvertIntervals.violation(VrrpVersion.V2, 25_500));
        assertTrue(AdvertIntervals.violation(VrrpVersion.V2, 150).contains("whole number of seconds from 1 to 255"));
        assertTrue(AdvertIntervals.violation(VrrpVersion.V2, 25_600).contains("RFC 3768"));
        assertNull(AdvertIntervals.violation(VrrpVersion.V3, 1));
        assertNull(AdvertIntervals.violation(VrrpVersion.V3, 4095));
        assertTrue(AdvertIntervals.violation(VrrpVersion.V3, 0).contains("10 ms to 40950 ms"));
        assertTrue(AdvertIntervals.violation(VrrpVersion.V3, 4096).contains("not 40960 ms"));
    }

    @Test
    void skewAtTheTenMillisecondFloorIsNotRoundedToZero() {
        // (256 - 100) * 10 ms / 256 = 6.09375 ms; integer centiseconds would make it 0.
        assertEquals(6_093_750L, AdvertIntervals.skewTimeNanos(VrrpVersion.V3, 100, 1));
        assertEquals(36_093_750L, AdvertIntervals.masterDownIntervalNanos(VrrpVersion.V3, 100, 1));
    }

    @Test
    void keepalivedDefaultMasterDownIs3609Milliseconds() {
        assertEquals(3_609_375_000L, AdvertIntervals.masterDownIntervalNanos(VrrpVersion.V2, 100, 100));
    }

    @Test
    void invalidRouterSettingsAreRefusedNamingEveryBrokenRule() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new VirtualRouterConfig(
                VrrpVersion.V3, 0, 0, 5000, true, -1, false, List.of(), List.of(VirtualRouterTest.VIP), null, null));
        String message = e.getMessage();
        assertTrue(message.contains("vrid: a Virtual Router ID is 1..255"), message);
        assertTrue(message.contains("priority: 1..254 for a backup"), message);
        assertTrue(message.contains("(0 is only sent to resign)"), message);
        assertTrue(message.contains("advert interval: a VRRPv3 advert interval is 10 ms to 40950 ms"), message);
        assertTrue(message.contains("preempt delay"), message);
        assertTrue(message.contains("channels: at least one"), message);
    }

    @Test
    void ipv6RouterNeedsLinkLocalSources() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new VirtualRouterConfig(
                VrrpVersion.V3, 1, 100, 100, true, 0, false,
                List.of(new VirtualRouterConfig.Channel("public", IpAddress.parse("2001:db8::1"))),
                List.of(IpAddress.parse("2001:db8::10")), null, null));
        assertTrue(e.getMessage().contains("link-local"), e.getMessage());
    }
}
