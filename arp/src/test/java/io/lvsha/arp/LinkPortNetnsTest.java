package io.lvsha.arp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvsha.netns.Netns;
import io.lvsha.netns.NetnsTest;
import io.lvsha.vrrp.AdvertCodec;
import io.lvsha.vrrp.Advertisement;
import io.lvsha.vrrp.ChecksumMode;
import io.lvsha.vrrp.IpAddress;
import io.lvsha.vrrp.VrrpVersion;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Real frames over a veth pair between two namespaces, through libpcap on both ends. */
@NetnsTest
class LinkPortNetnsTest {
    private Netns left;
    private Netns right;
    private final BlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
    private LinkPort sender;
    private LinkPort receiver;

    @BeforeEach
    void setUp() throws Exception {
        left = Netns.create("pcapl");
        right = Netns.create("pcapr");
        Netns.link(left, "eth0", right, "eth0");
        receiver = right.within(() -> LinkPort.open("eth0", "ip proto 112 or arp", (frame, at) -> received.add(frame)));
        sender = left.within(() -> LinkPort.open("eth0", "ip proto 112", (frame, at) -> { }));
    }

    @AfterEach
    void tearDown() {
        if (sender != null) {
            sender.close();
        }
        if (receiver != null) {
            receiver.close();
        }
        left.close();
        right.close();
    }

    @Test
    void advertSentOnOneEndIsDecodedOnTheOther() throws Exception {
        byte[] frame = advertFrame();
        sender.send(frame);

        byte[] got = received.poll(10, TimeUnit.SECONDS);
        assertNotNull(got, "no frame arrived");
        int offset = EthernetFrames.ipOffset(got, got.length);
        assertEquals(Advertisement.of(VrrpVersion.V3, 51, 150, 10, List.of(IpAddress.parse("10.99.0.10"))), AdvertCodec.decodeDatagram(got, offset, got.length - offset, ChecksumMode.PSEUDO_HEADER).advert());
    }

    @Test
    void gratuitousArpArrivesUnchangedAndOtherTrafficIsFilteredOut() throws Exception {
        byte[] udp = advertFrame();
        udp[EthernetFrames.HEADER_LENGTH + 9] = 17;
        sender.send(udp);
        byte[] garp = EthernetFrames.gratuitousArp(MacAddress.parse("02:00:00:00:00:0b"), IpAddress.parse("10.99.0.10"),
                ArpForm.REQUEST);
        sender.send(garp);
        byte[] got = received.poll(10, TimeUnit.SECONDS);
        assertNotNull(got, "no frame arrived");
        assertArrayEquals(garp, Arrays.copyOf(got, garp.length), "the UDP frame passed the filter, or the GARP changed");
    }

    @Test
    void aFrameTheReceiveThreadGotLateKeepsTheTimeItArrived() throws Exception {
        BlockingQueue<Long> arrivals = new LinkedBlockingQueue<>();
        try (LinkPort slowReceiver = right.within(() -> LinkPort.open("eth0", "ip proto 112", (frame, at) -> {
            arrivals.add(at);
            if (arrivals.size() == 1) {
                sleep(300); // the receive thread is busy while the second frame arrives
            }
        }))) {
            sender.send(advertFrame());
            sender.send(advertFrame());
            long sent = System.nanoTime();
            Long first = arrivals.poll(10, TimeUnit.SECONDS);
            Long second = arrivals.poll(10, TimeUnit.SECONDS);
            long handedOver = System.nanoTime();
            assertNotNull(second, "the two frames did not arrive");
            assertTrue(handedOver - sent >= 250_000_000L, "the receive thread was not held up");
            // The kernel stamped both during the send: before it returned (the clocks' mapping is
            // good to microseconds), not when the thread got to them 300 ms later.
            assertTrue(second <= sent + 5_000_000L, "arrival " + (second - sent) / 1e6 + " ms after the send returned");
            assertTrue(first <= second, "stamps out of order");
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static byte[] advertFrame() {
        IpAddress source = IpAddress.parse("10.99.0.11");
        IpAddress group = IpAddress.parse("224.0.0.18");
        Advertisement advert = Advertisement.of(VrrpVersion.V3, 51, 150, 10, List.of(IpAddress.parse("10.99.0.10")));
        byte[] frame = new byte[EthernetFrames.HEADER_LENGTH + AdvertCodec.datagramLength(advert)];
        EthernetFrames.writeIpHeader(frame, MacAddress.ofMulticastGroup(group.toBytes()),
                MacAddress.parse("02:00:00:00:00:0b"), false);
        AdvertCodec.encodeDatagram(advert, source, group, ChecksumMode.PSEUDO_HEADER, 1, frame, EthernetFrames.HEADER_LENGTH);
        return frame;
    }
}
