package io.lvsha.vrrp;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * 10^5 random and mutated packets through decode and the receive filter: nothing but a typed
 * rejection may come out, and every rejection names its reason. Seeded, so a failure replays.
 */
class AdvertFuzzTest {
    private static final long SEED = 0x5798_3768L;
    private static final int CASES = 100_000;

    @Test
    void noRandomOrMutatedPacketEscapesAsAnythingButATypedRejection() {
        Random random = new Random(SEED);
        List<byte[]> seeds = validDatagrams();
        ReceiveFilter filter = new ReceiveFilter(VirtualRouterTest.config(VrrpVersion.V3, 100, 100).build());
        Map<DropReason, Integer> reasons = new EnumMap<>(DropReason.class);
        int accepted = 0;
        for (int i = 0; i < CASES; i++) {
            byte[] packet = i % 4 == 0 ? randomBytes(random) : mutate(seeds.get(random.nextInt(seeds.size())), random);
            try {
                ReceivedAdvert received = AdvertCodec.decodeDatagram(packet, 0, packet.length,
                        ChecksumMode.PSEUDO_HEADER);
                DropReason reason = filter.check(received);
                if (reason == null) {
                    accepted++;
                } else {
                    reasons.merge(reason, 1, Integer::sum);
                }
            } catch (AdvertRejectedException e) {
                assertNotNull(e.reason(), "rejection without a reason for case " + i);
                assertNotNull(e.getMessage());
                reasons.merge(e.reason(), 1, Integer::sum);
            } catch (RuntimeException e) {
                fail("case " + i + " (seed " + SEED + ") escaped as " + e + " on " + Hex.of(packet), e);
            }
        }
        // The mutations must reach deep into the checks, or this test proves little.
        assertTrue(reasons.size() >= 12, "reasons reached: " + reasons);
        assertTrue(accepted > 0, "no mutated packet was still valid: " + reasons);
    }

    private static List<byte[]> validDatagrams() {
        return List.of(
                AdvertCodecTest.datagram(Advertisement.of(VrrpVersion.V3, 51, 100, 100,
                        List.of(IpAddress.parse("10.0.0.10"))), ChecksumMode.PSEUDO_HEADER),
                AdvertCodecTest.datagram(Advertisement.of(VrrpVersion.V3, 51, 200, 5,
                        AdvertCodecTest.addresses(AddressFamily.IPV4, 6)), ChecksumMode.PSEUDO_HEADER),
                AdvertCodecTest.datagram(Advertisement.of(VrrpVersion.V2, 51, 100, 100,
                        List.of(IpAddress.parse("10.0.0.10"))), ChecksumMode.PSEUDO_HEADER),
                AdvertCodecTest.datagram(Advertisement.of(VrrpVersion.V3, 51, 100, 100,
                        AdvertCodecTest.addresses(AddressFamily.IPV6, 3)), ChecksumMode.PSEUDO_HEADER));
    }

    private static byte[] randomBytes(Random random) {
        byte[] bytes = new byte[random.nextInt(120)];
        random.nextBytes(bytes);
        if (bytes.length > 0 && random.nextBoolean()) {
            bytes[0] = (byte) (random.nextBoolean() ? 0x45 : 0x60);
        }
        return bytes;
    }

    private static byte[] mutate(byte[] valid, Random random) {
        byte[] packet;
        switch (random.nextInt(5)) {
            case 0 -> packet = java.util.Arrays.copyOf(valid, random.nextInt(valid.length + 1));
            case 1 -> packet = java.util.Arrays.copyOf(valid, valid.length + 1 + random.nextInt(64));
            default -> packet = valid.clone();
        }
        int flips = 1 + random.nextInt(3);
        for (int f = 0; f < flips && packet.length > 0; f++) {
            int at = random.nextInt(packet.length);
            packet[at] = random.nextInt(3) == 0 ? (byte) random.nextInt(256) : (byte) (packet[at] ^ (1 << random.nextInt(8)));
        }
        // Half the IPv4 mutants get a correct checksum so that the checks behind it are reached too.
        boolean ipv4 = packet.length >= 20 && (packet[0] & 0xff) == 0x45;
        if (ipv4 && random.nextBoolean()) {
            int total = (packet[2] & 0xff) << 8 | (packet[3] & 0xff);
            if (total >= 28 && total <= packet.length) {
                packet = Packets.withFixedChecksum(packet, ChecksumMode.PSEUDO_HEADER);
            }
        }
        return packet;
    }
}
