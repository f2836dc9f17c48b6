package io.lvsha.state.sync;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** 10^5 random and mutated datagrams: only typed rejections, every one with a reason. Seeded. */
class SyncFuzzTest {
    private static final long SEED = 0x8848L;

    @Test
    void noDatagramEscapesAsAnythingButATypedRejection() {
        Random random = new Random(SEED);
        List<byte[]> seeds = List.of(KernelSyncCaptureTest.KERNEL_MASTER, KernelSyncCaptureTest.ACCEPTED_BY_KERNEL,
                SyncCodec.encodeV1(3, List.of(SyncCodecTest.udp(1)), 1472).get(0));
        int accepted = 0;
        java.util.Set<SyncDropReason> seen = java.util.EnumSet.noneOf(SyncDropReason.class);
        for (int i = 0; i < 100_000; i++) {
            byte[] datagram;
            if (i % 4 == 0) {
                datagram = new byte[random.nextInt(600)];
                random.nextBytes(datagram);
            } else {
                datagram = seeds.get(random.nextInt(seeds.size())).clone();
                for (int f = 0; f < 1 + random.nextInt(3); f++) {
                    datagram[random.nextInt(datagram.length)] = (byte) random.nextInt(256);
                }
            }
            if (random.nextBoolean() && datagram.length >= 4) {
                datagram[2] = (byte) (datagram.length >>> 8); // a matching size reaches the entry checks
                datagram[3] = (byte) datagram.length;
            }
            try {
                SyncMessage message = SyncCodec.decode(datagram, 0, datagram.length, 0);
                accepted += message.connections().size();
                message.skipped().forEach(s -> seen.add(s.reason()));
                if (message.restDropped() != null) {
                    seen.add(message.restDropped());
                }
            } catch (SyncRejectedException e) {
                assertNotNull(e.reason());
                seen.add(e.reason());
            } catch (RuntimeException e) {
                fail("case " + i + " (seed " + SEED + ") escaped as " + e + " on " + HexFormat.of().formatHex(datagram), e);
            }
        }
        assertTrue(accepted > 0, "nothing decoded");
        assertTrue(seen.size() >= 10, "reasons reached: " + seen);
    }
}
