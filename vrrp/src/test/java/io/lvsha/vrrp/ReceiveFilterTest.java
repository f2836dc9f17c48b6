package io.lvsha.vrrp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReceiveFilterTest {
    private static final IpAddress GROUP = IpAddress.parse("224.0.0.18");
    private static final IpAddress VIP = VirtualRouterTest.VIP;
    private static final IpAddress PEER = VirtualRouterTest.PEER;

    private static DropReason check(VirtualRouterConfig config, IpAddress source, Advertisement advert) {
        return new ReceiveFilter(config).check(new ReceivedAdvert(source, GROUP, advert));
    }

    private static VirtualRouterConfig v2(V2Authentication auth) {
        VirtualRouterConfig base = VirtualRouterTest.config(VrrpVersion.V2, 100, 100).build();
        return new VirtualRouterConfig(base.version(), base.vrid(), base.priority(), base.adverIntervalCentis(),
                true, 0, false, base.channels(), base.virtualAddresses(), auth, null);
    }

    @Test
    void aMatchingAdvertPasses() {
        VirtualRouterConfig config = VirtualRouterTest.config(VrrpVersion.V3, 100, 100).build();
        assertNull(check(config, PEER, Advertisement.of(VrrpVersion.V3, 51, 100, 50, List.of(VIP))));
    }

    @Test
    void ourOwnAdvertSeenAgainIsNotAPeer() {
        VirtualRouterConfig config = VirtualRouterTest.config(VrrpVersion.V3, 100, 100).build();
        assertEquals(DropReason.LOOPED_BACK,
                check(config, VirtualRouterTest.LOCAL, Advertisement.of(VrrpVersion.V3, 51, 100, 100, List.of(VIP))));
    }

    @Test
    void withKnownSpeakersAnyOtherSourceIsForeign() {
        VirtualRouterConfig config = VirtualRouterTest.config(VrrpVersion.V3, 100, 100).build();
        ReceiveFilter filter = new ReceiveFilter(config, Set.of(PEER));
        Advertisement forged = Advertisement.of(VrrpVersion.V3, 51, 254, 100, List.of(VIP));
        assertEquals(DropReason.FOREIGN_SPEAKER, filter.check(new ReceivedAdvert(IpAddress.parse("10.99.0.200"), GROUP, forged)));
        assertNull(filter.check(new ReceivedAdvert(PEER, GROUP, forged)));
        assertEquals(DropReason.VRID_MISMATCH, filter.check(new ReceivedAdvert(IpAddress.parse("10.99.0.200"), GROUP,
                Advertisement.of(VrrpVersion.V3, 52, 254, 100, List.of(VIP)))), "another group's router is not a forger");
        assertNull(filter.withKnownSpeakers(Set.of()).check(new ReceivedAdvert(IpAddress.parse("10.99.0.200"), GROUP, forged)),
                "no known speakers: the RFC's behaviour");
    }

    @Test
    void anotherVridOrVersionIsNotOurs() {
        VirtualRouterConfig config = VirtualRouterTest.config(VrrpVersion.V3, 100, 100).build();
        assertEquals(DropReason.VRID_MISMATCH, check(config, PEER, Advertisement.of(VrrpVersion.V3, 52, 100, 100, List.of(VIP))));
        assertEquals(DropReason.VERSION_MISMATCH, check(config, PEER, Advertisement.of(VrrpVersion.V2, 51, 100, 100, List.of(VIP))));
    }

    @Test
    void v2PasswordAndIntervalMustMatch() {
        VirtualRouterConfig config = v2(V2Authentication.simplePassword("lvs"));
        Advertisement right = new Advertisement(VrrpVersion.V2, 51, 100, 100, List.of(VIP),
                V2Authentication.simplePassword("lvs"));
        assertNull(check(config, PEER, right));
        assertEquals(DropReason.AUTH_MISMATCH, check(config, PEER, new Advertisement(VrrpVersion.V2, 51, 100, 100,
                List.of(VIP), V2Authentication.simplePassword("other"))));
        assertEquals(DropReason.AUTH_MISMATCH, check(config, PEER, Advertisement.of(VrrpVersion.V2, 51, 100, 100, List.of(VIP))));
        assertEquals(DropReason.INTERVAL_MISMATCH, check(config, PEER, new Advertisement(VrrpVersion.V2, 51, 100, 200,
                List.of(VIP), V2Authentication.simplePassword("lvs"))));
    }

    @Test
    void aDifferentAddressListIsDroppedUnlessTheOwnerSentIt() {
        VirtualRouterConfig config = VirtualRouterTest.config(VrrpVersion.V3, 100, 100).build();
        List<IpAddress> other = List.of(IpAddress.parse("10.0.0.99"));
        assertEquals(DropReason.ADDRESS_LIST_MISMATCH, check(config, PEER, Advertisement.of(VrrpVersion.V3, 51, 100, 100, other)));
        assertNull(check(config, PEER, Advertisement.of(VrrpVersion.V3, 51, 255, 100, other)));
    }
}
