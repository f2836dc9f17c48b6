package io.lvsha.vrrp;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Encoding an advert that was made once (the agent keeps one per priority) allocates nothing once
 * compiled: a master at 10 ms adverts sends 100 a second, and garbage there is what the collector
 * pauses for. Counted with the JVM's per-thread allocation counter, not timed.
 */
class AdvertEncodingAllocationTest {
    private static final int WARM_UP = 300_000;
    private static final int MEASURED = 100_000;

    @Test
    void encodingAKeptAdvertAllocatesNothingOnceCompiled() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        IpAddress source = IpAddress.parse("10.0.0.11");
        IpAddress group = IpAddress.parse("224.0.0.18");
        Advertisement v3 = Advertisement.of(VrrpVersion.V3, 51, 150, 1,
                List.of(IpAddress.parse("10.0.0.10"), IpAddress.parse("192.168.50.1")));
        byte[] frame = new byte[AdvertCodec.datagramLength(v3)];
        long sum = 0;
        for (int i = 0; i < WARM_UP; i++) {
            sum += AdvertCodec.encodeDatagram(v3, source, group, ChecksumMode.PSEUDO_HEADER, i & 0xffff, frame, 0);
        }
        long before = threads.getThreadAllocatedBytes(thread);
        for (int i = 0; i < MEASURED; i++) {
            sum += AdvertCodec.encodeDatagram(v3, source, group, ChecksumMode.PSEUDO_HEADER, i & 0xffff, frame, 0);
        }
        long allocated = threads.getThreadAllocatedBytes(thread) - before;
        assertTrue(sum > 0);
        // One object per advert would be 16 bytes or more each: 1.6 MB here.
        assertTrue(allocated < MEASURED, allocated + " bytes for " + MEASURED + " adverts");
    }
}
