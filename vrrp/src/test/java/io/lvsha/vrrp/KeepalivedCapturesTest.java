package io.lvsha.vrrp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Byte-exact interop with keepalived 2.2.7: frames captured in a namespace lab
 * (../shared/reference/keepalived-vrrp.txt). VRID 51, VIP 10.99.0.10, d1 = .11, d2 = .12.
 */
class KeepalivedCapturesTest {
    private static final int ETHERNET_HEADER = 14;
    private static final IpAddress D1 = IpAddress.parse("10.99.0.11");
    private static final IpAddress D2 = IpAddress.parse("10.99.0.12");
    private static final IpAddress GROUP = IpAddress.parse("224.0.0.18");
    private static final List<IpAddress> VIP = List.of(IpAddress.parse("10.99.0.10"));

    static final byte[] V2_ADVERT_FRAME = Hex.bytes("""
            01 00 5e 00 00 12 02 00 0a 63 00 0c 08 00 45 c0
            00 28 00 01 00 00 ff 70 d0 23 0a 63 00 0c e0 00
            00 12 21 33 64 01 00 01 70 5d 0a 63 00 0a 00 00
            00 00 00 00 00 00""");
    static final byte[] V2_PRIORITY_ZERO_FRAME = Hex.bytes("""
            01 00 5e 00 00 12 02 00 0a 63 00 0b 08 00 45 c0
            00 28 00 07 00 00 ff 70 d0 1e 0a 63 00 0b e0 00
            00 12 21 33 00 01 00 01 d4 5d 0a 63 00 0a 00 00
            00 00 00 00 00 00""");
    static final byte[] V3_ADVERT_FRAME = Hex.bytes("""
            01 00 5e 00 00 12 02 00 0a 63 00 0c 08 00 45 c0
            00 20 00 01 00 00 ff 70 d0 2b 0a 63 00 0c e0 00
            00 12 31 33 64 01 00 01 75 5f 0a 63 00 0a""");

    @Test
    void encoderReproducesKeepalivedV2AdvertIncludingIpHeader() {
        Advertisement advert = Advertisement.of(VrrpVersion.V2, 51, 100, 100, VIP);
        assertDatagramEquals(V2_ADVERT_FRAME, advert, D2, 0x0001);
        assertArrayEquals(vrrpPart(V2_ADVERT_FRAME, 20),
                AdvertCodec.encodeMessage(advert, D2, GROUP, ChecksumMode.PSEUDO_HEADER));
    }

    @Test
    void encoderReproducesKeepalivedV2PriorityZeroAdvert() {
        Advertisement advert = Advertisement.of(VrrpVersion.V2, 51, 0, 100, VIP);
        assertDatagramEquals(V2_PRIORITY_ZERO_FRAME, advert, D1, 0x0007);
    }

    @Test
    void encoderReproducesKeepalivedV3AdvertWithPseudoHeaderChecksum() {
        Advertisement advert = Advertisement.of(VrrpVersion.V3, 51, 100, 1, VIP);
        assertDatagramEquals(V3_ADVERT_FRAME, advert, D2, 0x0001);
        assertArrayEquals(vrrpPart(V3_ADVERT_FRAME, 12),
                AdvertCodec.encodeMessage(advert, D2, GROUP, ChecksumMode.PSEUDO_HEADER));
    }

    @Test
    void decoderReadsKeepalivedFramesBack() throws AdvertRejectedException {
        ReceivedAdvert v2 = decodeFrame(V2_ADVERT_FRAME);
        assertEquals(D2, v2.source());
        assertEquals(GROUP, v2.destination());
        assertEquals(Advertisement.of(VrrpVersion.V2, 51, 100, 100, VIP), v2.advert());

        ReceivedAdvert resign = decodeFrame(V2_PRIORITY_ZERO_FRAME);
        assertEquals(D1, resign.source());
        assertEquals(0, resign.advert().priority());

        ReceivedAdvert v3 = decodeFrame(V3_ADVERT_FRAME);
        assertEquals(Advertisement.of(VrrpVersion.V3, 51, 100, 1, VIP), v3.advert());
    }

    @Test
    void decoderIgnoresEthernetPaddingAfterTheIpTotalLength() throws AdvertRejectedException {
        // A 54-byte v2 frame is padded to the 60-byte Ethernet minimum on the wire.
        byte[] padded = Arrays.copyOf(V2_ADVERT_FRAME, 60);
        assertEquals(100, decodeFrame(padded).advert().priority());
    }

    static ReceivedAdvert decodeFrame(byte[] frame) throws AdvertRejectedException {
        return AdvertCodec.decodeDatagram(frame, ETHERNET_HEADER, frame.length - ETHERNET_HEADER,
                ChecksumMode.PSEUDO_HEADER);
    }

    private static void assertDatagramEquals(byte[] frame, Advertisement advert, IpAddress source, int ipId) {
        byte[] out = new byte[AdvertCodec.datagramLength(advert)];
        int written = AdvertCodec.encodeDatagram(advert, source, GROUP, ChecksumMode.PSEUDO_HEADER, ipId, out, 0);
        byte[] expected = Arrays.copyOfRange(frame, ETHERNET_HEADER, ETHERNET_HEADER + written);
        assertEquals(Hex.of(expected), Hex.of(out));
    }

    private static byte[] vrrpPart(byte[] frame, int length) {
        int start = ETHERNET_HEADER + 20;
        return Arrays.copyOfRange(frame, start, start + length);
    }
}
