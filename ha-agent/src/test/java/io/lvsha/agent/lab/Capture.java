package io.lvsha.agent.lab;

import io.lvsha.arp.EthernetFrames;
import io.lvsha.arp.LinkPort;
import io.lvsha.netns.Netns;
import io.lvsha.vrrp.AdvertCodec;
import io.lvsha.vrrp.AdvertRejectedException;
import io.lvsha.vrrp.ChecksumMode;
import io.lvsha.vrrp.ReceivedAdvert;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A packet capture on an interface of a lab namespace (libpcap, through our own port): what a
 * client on the wire really saw, with receive times. VRRP and ARP only.
 */
public final class Capture implements AutoCloseable {
    /** One captured frame and when it arrived (System.nanoTime). */
    public record Frame(long atNanos, byte[] bytes) {
        public boolean isArp() {
            return bytes.length >= 42 && bytes[12] == 0x08 && bytes[13] == 0x06;
        }

        /** For a gratuitous ARP: sender MAC; else null. */
        public String garpSenderMac(String vip) {
            if (!isArp()) {
                return null;
            }
            String sender = HexFormat.ofDelimiter(":").formatHex(bytes, 22, 28);
            String senderIp = ipv4(bytes, 28);
            String targetIp = ipv4(bytes, 38);
            return senderIp.equals(vip) && targetIp.equals(vip) ? sender : null;
        }

        /** Whether this is an ICMP echo reply from {@code sourceIp} sent by {@code sourceMac}. */
        public boolean isEchoReply(String sourceIp, String sourceMac) {
            return bytes.length >= 34 && bytes[12] == 0x08 && bytes[13] == 0x00 && bytes[23] == 1 && bytes[34] == 0
                    && ipv4(bytes, 26).equals(sourceIp)
                    && HexFormat.ofDelimiter(":").formatHex(bytes, 6, 12).equals(sourceMac);
        }

        /** The advert in this frame, or null. */
        public ReceivedAdvert advert() {
            int offset = EthernetFrames.ipOffset(bytes, bytes.length);
            if (offset < 0) {
                return null;
            }
            try {
                return AdvertCodec.decodeDatagram(bytes, offset, bytes.length - offset, ChecksumMode.PSEUDO_HEADER);
            } catch (AdvertRejectedException e) {
                return null;
            }
        }

        private static String ipv4(byte[] b, int at) {
            return (b[at] & 0xff) + "." + (b[at + 1] & 0xff) + "." + (b[at + 2] & 0xff) + "." + (b[at + 3] & 0xff);
        }
    }

    private final List<Frame> frames = new CopyOnWriteArrayList<>();
    private final LinkPort port;

    private Capture(String namespace, String iface, String filter) throws Exception {
        this.port = Netns.within(namespace, () -> LinkPort.open(iface, filter,
                (bytes, at) -> frames.add(new Frame(at, bytes))));
    }

    /** Captures VRRP and ARP. */
    public static Capture start(Lab lab, String node, String iface) throws Exception {
        return start(lab, node, iface, "arp or ip proto 112");
    }

    public static Capture start(Lab lab, String node, String iface, String filter) throws Exception {
        return new Capture(lab.namespace(node), iface, filter);
    }

    /** The gaps, in ns, between consecutive adverts from {@code source} captured so far. */
    public List<Long> advertGaps(String source) {
        List<Long> gaps = new java.util.ArrayList<>();
        long last = 0;
        for (Frame frame : frames()) {
            ReceivedAdvert advert = frame.advert();
            if (advert != null && advert.source().toString().equals(source)) {
                if (last != 0) {
                    gaps.add(frame.atNanos() - last);
                }
                last = frame.atNanos();
            }
        }
        return gaps;
    }

    public List<Frame> frames() {
        return new ArrayList<>(frames);
    }

    @Override
    public void close() {
        port.close();
    }
}
