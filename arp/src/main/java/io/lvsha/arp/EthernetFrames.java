package io.lvsha.arp;

import io.lvsha.vrrp.IpAddress;

/**
 * Builds and opens the Ethernet frames the agent sends and receives: gratuitous ARP, IPv6
 * unsolicited neighbour advertisements, and IP datagrams (VRRP adverts). Pure: bytes in, bytes
 * out. Thread-safe: stateless.
 */
public final class EthernetFrames {
    public static final int HEADER_LENGTH = 14;
    static final int ETHERTYPE_IPV4 = 0x0800;
    static final int ETHERTYPE_ARP = 0x0806;
    static final int ETHERTYPE_IPV6 = 0x86dd;
    static final int ETHERTYPE_VLAN = 0x8100;
    private static final int ARP_LENGTH = 28;
    private static final int ICMPV6_NEIGHBOR_ADVERT = 136;
    private static final int NA_FLAG_OVERRIDE = 0x20;
    private static final int NA_FLAG_ROUTER = 0x80;
    private static final int NA_LENGTH = 32;
    private static final byte[] ALL_NODES = IpAddress.parse("ff02::1").toBytes();

    private EthernetFrames() {
    }

    /**
     * A gratuitous ARP for {@code vip}: Ethernet broadcast, sender IP = target IP = VIP, sender MAC =
     * the interface's. The request form has target MAC ff:ff:ff:ff:ff:ff, byte for byte what
     * keepalived sends (../shared/reference/keepalived-garp.txt).
     */
    public static byte[] gratuitousArp(MacAddress source, IpAddress vip, ArpForm form) {
        byte[] frame = new byte[HEADER_LENGTH + ARP_LENGTH];
        writeHeader(frame, MacAddress.BROADCAST, source, ETHERTYPE_ARP);
        int at = HEADER_LENGTH;
        frame[at + 1] = 1;                       // hardware type Ethernet
        frame[at + 2] = 0x08;                    // protocol type IPv4
        frame[at + 4] = 6;
        frame[at + 5] = 4;
        frame[at + 7] = (byte) (form == ArpForm.REQUEST ? 1 : 2);
        source.writeTo(frame, at + 8);
        vip.writeTo(frame, at + 14);
        (form == ArpForm.REQUEST ? MacAddress.BROADCAST : source).writeTo(frame, at + 18);
        vip.writeTo(frame, at + 24);
        return frame;
    }

    /**
     * An unsolicited neighbour advertisement for {@code vip} to ff02::1 with the Override flag and
     * the target link-layer address option (RFC 4861 §7.2.6), source address the VIP itself.
     *
     * @param router set the Router flag (the VIP is a gateway, e.g. the NAT-router VIP)
     */
    public static byte[] unsolicitedNeighborAdvert(MacAddress source, IpAddress vip, boolean router) {
        byte[] frame = new byte[HEADER_LENGTH + 40 + NA_LENGTH];
        writeHeader(frame, MacAddress.ofMulticastGroup(ALL_NODES), source, ETHERTYPE_IPV6);
        int ip = HEADER_LENGTH;
        frame[ip] = 0x60;
        frame[ip + 5] = NA_LENGTH;
        frame[ip + 6] = 58;                      // next header ICMPv6
        frame[ip + 7] = (byte) 255;              // hop limit 255, required by RFC 4861 §7.1.2
        vip.writeTo(frame, ip + 8);
        System.arraycopy(ALL_NODES, 0, frame, ip + 24, 16);
        int icmp = ip + 40;
        frame[icmp] = (byte) ICMPV6_NEIGHBOR_ADVERT;
        frame[icmp + 4] = (byte) (NA_FLAG_OVERRIDE | (router ? NA_FLAG_ROUTER : 0));
        vip.writeTo(frame, icmp + 8);
        frame[icmp + 24] = 2;                    // option: target link-layer address
        frame[icmp + 25] = 1;                    // length in units of 8 bytes
        source.writeTo(frame, icmp + 26);
        int checksum = icmpv6Checksum(frame, ip, icmp, NA_LENGTH);
        frame[icmp + 2] = (byte) (checksum >>> 8);
        frame[icmp + 3] = (byte) checksum;
        return frame;
    }

    /**
     * Writes an Ethernet header for an IP datagram of {@code family} at the start of {@code frame};
     * the datagram goes at {@link #HEADER_LENGTH}.
     */
    public static void writeIpHeader(byte[] frame, MacAddress destination, MacAddress source, boolean ipv6) {
        writeHeader(frame, destination, source, ipv6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4);
    }

    /**
     * @return the offset of the IP datagram in a received frame (after an optional 802.1Q tag), or
     *     -1 if the frame does not carry IPv4 or IPv6
     */
    public static int ipOffset(byte[] frame, int length) {
        if (length < HEADER_LENGTH) {
            return -1;
        }
        int offset = 12;
        int type = u16(frame, offset);
        if (type == ETHERTYPE_VLAN) {
            if (length < HEADER_LENGTH + 4) {
                return -1;
            }
            offset += 4;
            type = u16(frame, offset);
        }
        return type == ETHERTYPE_IPV4 || type == ETHERTYPE_IPV6 ? offset + 2 : -1;
    }

    static void writeHeader(byte[] frame, MacAddress destination, MacAddress source, int etherType) {
        destination.writeTo(frame, 0);
        source.writeTo(frame, 6);
        frame[12] = (byte) (etherType >>> 8);
        frame[13] = (byte) etherType;
    }

    private static int icmpv6Checksum(byte[] frame, int ip, int icmp, int length) {
        long sum = 0;
        for (int i = ip + 8; i < ip + 40; i += 2) {
            sum += u16(frame, i);
        }
        sum += length + 58;
        for (int i = icmp; i < icmp + length; i += 2) {
            sum += u16(frame, i);
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) (~sum & 0xffff);
    }

    private static int u16(byte[] buffer, int offset) {
        return (buffer[offset] & 0xff) << 8 | (buffer[offset + 1] & 0xff);
    }
}
