package io.lvsha.vrrp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AdvertCodecTest {
    private static final IpAddress V4_SOURCE = IpAddress.parse("192.0.2.11");
    private static final IpAddress V4_GROUP = IpAddress.parse("224.0.0.18");
    private static final IpAddress V6_SOURCE = IpAddress.parse("fe80::11");
    private static final IpAddress V6_GROUP = IpAddress.parse("ff02::12");

    @Test
    void everyVersionFamilyAndAddressCountRoundTrips() throws AdvertRejectedException {
        for (VrrpVersion version : VrrpVersion.values()) {
            for (AddressFamily family : AddressFamily.values()) {
                for (int count = 1; count <= 20; count++) {
                    int interval = version == VrrpVersion.V2 ? 300 : 2 + count;
                    Advertisement advert = Advertisement.of(version, 7 + count, 90 + count, interval,
                            addresses(family, count));
                    assertEquals(advert, roundTrip(advert, ChecksumMode.PSEUDO_HEADER),
                            version + " " + family + " " + count);
                }
            }
        }
    }

    @Test
    void v2PasswordSurvivesRoundTrip() throws AdvertRejectedException {
        Advertisement advert = new Advertisement(VrrpVersion.V2, 9, 120, 100,
                addresses(AddressFamily.IPV4, 2), V2Authentication.simplePassword("s3cret"));
        Advertisement back = roundTrip(advert, ChecksumMode.PSEUDO_HEADER);
        assertEquals(V2Authentication.TYPE_SIMPLE_TEXT, back.v2Auth().type());
        assertEquals(advert, back);
    }

    @Test
    void v3MaximumIntervalUsesAllTwelveBits() throws AdvertRejectedException {
        Advertisement advert = Advertisement.of(VrrpVersion.V3, 1, 100, 4095, addresses(AddressFamily.IPV4, 1));
        assertEquals(4095, roundTrip(advert, ChecksumMode.PSEUDO_HEADER).adverIntervalCentis());
    }

    @Test
    void v3Ipv4WithoutPseudoHeaderInteroperatesOnlyWhenBothSidesAgree() throws AdvertRejectedException {
        Advertisement advert = Advertisement.of(VrrpVersion.V3, 5, 100, 100, addresses(AddressFamily.IPV4, 1));
        assertEquals(advert, roundTrip(advert, ChecksumMode.VRRP_MESSAGE_ONLY));

        byte[] datagram = datagram(advert, ChecksumMode.VRRP_MESSAGE_ONLY);
        AdvertRejectedException mismatch = assertThrows(AdvertRejectedException.class,
                () -> AdvertCodec.decodeDatagram(datagram, 0, datagram.length, ChecksumMode.PSEUDO_HEADER));
        assertEquals(DropReason.BAD_CHECKSUM, mismatch.reason());
    }

    @Test
    void checksumModeDoesNotChangeV3OverIpv6() {
        Advertisement advert = Advertisement.of(VrrpVersion.V3, 5, 100, 100, addresses(AddressFamily.IPV6, 1));
        assertEquals(Hex.of(datagram(advert, ChecksumMode.PSEUDO_HEADER)),
                Hex.of(datagram(advert, ChecksumMode.VRRP_MESSAGE_ONLY)));
    }

    @Test
    void encodingRefusesASourceOfAnotherFamily() {
        Advertisement advert = Advertisement.of(VrrpVersion.V3, 5, 100, 100, addresses(AddressFamily.IPV4, 1));
        byte[] out = new byte[200];
        assertThrows(IllegalArgumentException.class, () -> AdvertCodec.encodeDatagram(advert, V6_SOURCE, V4_GROUP,
                ChecksumMode.PSEUDO_HEADER, 0, out, 0));
    }

    @Test
    void addressesPrintAsOperatorsWriteThem() {
        assertEquals("10.99.0.10", IpAddress.parse("10.99.0.10").toString());
        assertEquals("2001:db8::10", IpAddress.parse("2001:DB8:0:0:0:0:0:10").toString());
        assertEquals("fe80::1:0:0:1", IpAddress.parse("fe80:0:0:0:1:0:0:1").toString());
        assertEquals("::", IpAddress.parse("::").toString());
        assertEquals("2001:db8:0:1:1:1:1:1", IpAddress.parse("2001:db8:0:1:1:1:1:1").toString());
    }

    static List<IpAddress> addresses(AddressFamily family, int count) {
        List<IpAddress> list = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            list.add(IpAddress.parse(family == AddressFamily.IPV4 ? "198.51.100." + i : "2001:db8::" + i));
        }
        return list;
    }

    static byte[] datagram(Advertisement advert, ChecksumMode mode) {
        boolean v4 = advert.family() == AddressFamily.IPV4;
        byte[] out = new byte[AdvertCodec.datagramLength(advert)];
        AdvertCodec.encodeDatagram(advert, v4 ? V4_SOURCE : V6_SOURCE, v4 ? V4_GROUP : V6_GROUP, mode, 42, out, 0);
        return out;
    }

    private static Advertisement roundTrip(Advertisement advert, ChecksumMode mode) throws AdvertRejectedException {
        byte[] out = datagram(advert, mode);
        return AdvertCodec.decodeDatagram(out, 0, out.length, mode).advert();
    }
}
