package io.lvsha.vrrp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Each check of the decoder, reached with exactly one thing wrong. */
class MalformedAdvertTest {
    private static final int IP = 20;
    private static final Advertisement V3 =
            Advertisement.of(VrrpVersion.V3, 51, 100, 100, AdvertCodecTest.addresses(AddressFamily.IPV4, 2));
    private static final Advertisement V2 =
            Advertisement.of(VrrpVersion.V2, 51, 100, 100, AdvertCodecTest.addresses(AddressFamily.IPV4, 2));

    @Test
    void ttlBelow255MeansTheAdvertWasRoutedAndIsRefused() {
        assertRejected(DropReason.TTL_NOT_255, V3, p -> p[8] = (byte) 254, false);
    }

    @Test
    void anotherIpProtocolIsNotVrrp() {
        assertRejected(DropReason.NOT_VRRP, V3, p -> p[9] = 17, false);
    }

    @Test
    void fragmentsAreRefused() {
        assertRejected(DropReason.FRAGMENTED, V3, p -> p[6] = 0x20, false);
    }

    @Test
    void totalLengthBeyondTheCapturedBytesIsAnInvalidHeader() {
        assertRejected(DropReason.IP_HEADER_INVALID, V3, p -> p[3] = (byte) 0xff, false);
    }

    @Test
    void ipv6WithTheWrongHopLimitIsRefused() {
        Advertisement v6 = Advertisement.of(VrrpVersion.V3, 51, 100, 100,
                AdvertCodecTest.addresses(AddressFamily.IPV6, 1));
        byte[] datagram = AdvertCodecTest.datagram(v6, ChecksumMode.PSEUDO_HEADER);
        datagram[7] = 64;
        assertEquals(DropReason.TTL_NOT_255, rejection(datagram));
    }

    @Test
    void versionOtherThanTwoOrThreeIsRefused() {
        assertRejected(DropReason.BAD_VERSION, V3, p -> p[IP] = 0x41, false);
    }

    @Test
    void aFlippedPayloadBitFailsTheChecksum() {
        assertRejected(DropReason.BAD_CHECKSUM, V3, p -> p[IP + 2] ^= 1, false);
    }

    @Test
    void v3ChecksumCoversThePseudoHeaderSoASpoofedSourceFailsIt() {
        assertRejected(DropReason.BAD_CHECKSUM, V3, p -> p[15] ^= 1, false);
    }

    @Test
    void typeOtherThanAdvertisementIsRefused() {
        assertRejected(DropReason.BAD_TYPE, V3, p -> p[IP] = 0x32, true);
    }

    @Test
    void vridZeroIsRefused() {
        assertRejected(DropReason.BAD_VRID, V3, p -> p[IP + 1] = 0, true);
    }

    @Test
    void addressCountZeroIsRefused() {
        assertRejected(DropReason.NO_ADDRESSES, V3, p -> p[IP + 3] = 0, true);
    }

    @Test
    void countClaimingMoreAddressesThanThePacketHoldsIsRefusedBeforeAllocating() {
        assertRejected(DropReason.LENGTH_MISMATCH, V3, p -> p[IP + 3] = (byte) 255, true);
    }

    @Test
    void unknownV2AuthTypeIsRefused() {
        assertRejected(DropReason.UNKNOWN_AUTH_TYPE, V2, p -> p[IP + 4] = 7, true);
    }

    @Test
    void intervalZeroIsRefused() {
        assertRejected(DropReason.BAD_INTERVAL, V3, p -> {
            p[IP + 4] = 0;
            p[IP + 5] = 0;
        }, true);
    }

    @Test
    void messageShorterThanTheHeaderIsTruncated() {
        byte[] datagram = AdvertCodecTest.datagram(V3, ChecksumMode.PSEUDO_HEADER);
        byte[] shortOne = Arrays.copyOf(datagram, IP + 4);
        shortOne[3] = (byte) (IP + 4);
        assertEquals(DropReason.TRUNCATED, rejection(shortOne));
    }

    @Test
    void emptyAndNonIpBuffersAreRefusedWithAReason() {
        assertEquals(DropReason.IP_HEADER_INVALID, rejection(new byte[0]));
        assertEquals(DropReason.IP_HEADER_INVALID, rejection(new byte[] {0x10, 0, 0}));
    }

    private static void assertRejected(DropReason expected, Advertisement advert, Consumer<byte[]> corrupt,
                                       boolean fixChecksum) {
        byte[] datagram = AdvertCodecTest.datagram(advert, ChecksumMode.PSEUDO_HEADER);
        corrupt.accept(datagram);
        if (fixChecksum) {
            datagram = Packets.withFixedChecksum(datagram, ChecksumMode.PSEUDO_HEADER);
        }
        assertEquals(expected, rejection(datagram));
    }

    private static DropReason rejection(byte[] datagram) {
        return assertThrows(AdvertRejectedException.class,
                () -> AdvertCodec.decodeDatagram(datagram, 0, datagram.length, ChecksumMode.PSEUDO_HEADER)).reason();
    }
}
