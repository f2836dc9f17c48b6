package io.lvsha.agent.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.lvsha.agent.lab.AdminClient;
import io.lvsha.agent.lab.Capture;
import io.lvsha.netns.Netns;
import io.lvsha.agent.lab.LabTest;
import io.lvsha.agent.lab.RequiresPrograms;
import io.lvsha.arp.LinkPort;
import io.lvsha.netns.NetnsTest;
import io.lvsha.vrrp.AdvertCodec;
import io.lvsha.vrrp.Advertisement;
import io.lvsha.vrrp.ChecksumMode;
import io.lvsha.vrrp.IpAddress;
import io.lvsha.vrrp.VrrpVersion;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: mutated VRRP frames at a running pair, from a host on the client LAN, as raw Ethernet
 * frames (so that the IP header is as broken as the advert): truncated, bytes flipped anywhere,
 * other TTLs, versions and VRIDs, and random payloads behind a VRRP protocol number. A parser that
 * throws stops its channel's receive loop, and the backup, deaf, takes over: so "no role change"
 * is the test. Bounded: {@link #FRAMES} frames at about 5 000 a second, seeded and printed.
 */
@NetnsTest
@RequiresPrograms({"nft", "conntrack", "sysctl"})
class AdvertFuzzNetnsTest extends LabTest {
    private static final Duration SOON = Duration.ofSeconds(15);
    private static final int FRAMES = 100_000;
    private static final int PER_MILLISECOND = 5;
    private static final IpAddress FUZZER = IpAddress.parse("10.99.0.100"); // the client namespace
    private static final IpAddress GROUP = IpAddress.parse("224.0.0.18");

    @Test
    void mutatedAdvertsAtARunningPairAreCountedAndChangeNothing() throws Exception {
        // Linked: the advert source learned over the peer link makes the fuzzer a foreign speaker too
        lab.startLinkedPair(lab.peerLinkedConfig("d1", 150, "100ms"), lab.peerLinkedConfig("d2", 100, "100ms"));
        long before = dropped("d1") + dropped("d2");
        long seed = new Random().nextInt(1_000_000);
        System.out.println("advert fuzz at a running pair: " + FRAMES + " frames, seed " + seed);
        Instant attack = Instant.now();
        try (Capture wire = Capture.start(lab, "cl", "eth0")) {
            fuzz(new Random(seed));
            long max = wire.advertGaps("10.99.0.11").stream().mapToLong(Long::longValue).max().orElseThrow();
            System.out.printf("the master's longest advert gap during the fuzz: %.1f ms (interval 100 ms)%n", max / 1e6);
        }
        for (String node : List.of("d1", "d2")) {
            assertEquals(List.of(), lab.roleChanges(node).stream()
                    .filter(change -> Instant.parse(change.path("time").asText()).isAfter(attack)).toList(), node + " changed role");
        }
        long counted = dropped("d1") + dropped("d2") - before;
        System.out.println("drops counted by the pair: " + counted + "; d1 " + lab.channelStatus("d1", "public").path("dropped")
                + ", d2 " + lab.channelStatus("d2", "public").path("dropped"));
        // Each frame reaches both nodes; those whose protocol byte was hit never pass the capture filter.
        assertTrue(counted >= FRAMES, "the pair counted what it dropped: " + counted + " of 2 x " + FRAMES);
        assertTrue(lab.channelStatus("d1", "public").path("dropped").size() >= 8, "the mutations reach deep into the checks: "
                + lab.channelStatus("d1", "public").path("dropped"));
        assertEquals("MASTER", status("d1").path("role").asText());
        assertEquals("BACKUP", status("d2").path("role").asText());
    }

    private void fuzz(Random random) throws Exception {
        List<byte[]> valid = List.of(
                frame(Advertisement.of(VrrpVersion.V3, 51, 254, 10, List.of(IpAddress.parse("10.99.0.10"),
                        IpAddress.parse("192.168.50.1")))),
                frame(Advertisement.of(VrrpVersion.V2, 51, 254, 100, List.of(IpAddress.parse("10.99.0.10")))),
                frame(Advertisement.of(VrrpVersion.V3, 52, 100, 100, List.of(IpAddress.parse("10.99.0.10")))));
        try (LinkPort port = Netns.within(lab.namespace("cl"), () -> LinkPort.sendOnly("eth0"))) {
            long start = System.nanoTime();
            for (int i = 0; i < FRAMES; i++) {
                if (i % PER_MILLISECOND == 0) {
                    long due = start + (long) (i / PER_MILLISECOND) * 1_000_000L;
                    while (System.nanoTime() - due < 0) {
                        Thread.onSpinWait();
                    }
                }
                port.send(mutate(valid.get(random.nextInt(valid.size())), random));
            }
        }
    }

    /** Ethernet to the VRRP group's MAC from a made-up one, IPv4 with TTL 255, the advert. */
    private static byte[] frame(Advertisement advert) {
        byte[] frame = new byte[14 + AdvertCodec.datagramLength(advert)];
        byte[] header = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x12, 0x02, 0x00, 0x00, 0x00, 0x00, 0x64, 0x08, 0x00};
        System.arraycopy(header, 0, frame, 0, header.length);
        AdvertCodec.encodeDatagram(advert, FUZZER, GROUP, ChecksumMode.PSEUDO_HEADER, 1, frame, 14);
        return frame;
    }

    /** Keeps the Ethernet header (the frame must reach the directors) and breaks what follows. */
    private static byte[] mutate(byte[] valid, Random random) {
        byte[] frame = valid.clone();
        switch (random.nextInt(6)) {
            case 0 -> frame[14 + 8] = (byte) random.nextInt(256); // TTL
            case 1 -> frame[14 + 20] = (byte) ((random.nextInt(16) << 4) | (frame[14 + 20] & 0x0f)); // VRRP version
            case 2 -> frame[14 + 21] = (byte) random.nextInt(256); // VRID
            case 3 -> {
                // random bytes behind a valid-looking IP header
                for (int i = 14 + 20; i < frame.length; i++) {
                    frame[i] = (byte) random.nextInt(256);
                }
            }
            default -> {
                for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
                    frame[14 + random.nextInt(frame.length - 14)] ^= (byte) (1 << random.nextInt(8));
                }
            }
        }
        return switch (random.nextInt(4)) {
            case 0 -> Arrays.copyOf(frame, 14 + random.nextInt(frame.length - 14));
            case 1 -> Arrays.copyOf(frame, frame.length + 1 + random.nextInt(64));
            default -> frame;
        };
    }

    private long dropped(String node) throws Exception {
        long sum = 0;
        for (JsonNode count : lab.channelStatus(node, "public").path("dropped")) {
            sum += count.asLong();
        }
        return sum;
    }

    private JsonNode status(String node) throws Exception {
        return AdminClient.call(lab.awaitAdminSocket(node, SOON), "{\"cmd\":\"status\"}");
    }
}
