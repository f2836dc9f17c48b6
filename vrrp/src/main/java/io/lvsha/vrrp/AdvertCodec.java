package io.lvsha.vrrp;

import java.util.ArrayList;
import java.util.List;

/**
 * Encodes and decodes VRRP advertisements and the IP datagrams that carry them.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version| Type  | Virtual Rtr ID|   Priority    |Count IPvX Addr|
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * v3: |(rsvd) |     Max Adver Int     |          Checksum             |
 * v2: |   Auth Type   |   Adver Int   |          Checksum             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |              IPvX Address(es), Count x 4 or 16 bytes          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * v2 only: |        Authentication Data, 8 bytes                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * <p>Decoding only checks that the packet is a valid VRRP advertisement. Whether its VRID, version,
 * authentication, interval and addresses fit a configured virtual router is {@link ReceiveFilter}'s
 * business; what it means for the election is {@link VirtualRouter}'s. Decoding never allocates
 * more than the packet's own length allows, and fails only with {@link AdvertRejectedException}.
 *
 * <p>Thread-safe: stateless.
 */
public final class AdvertCodec {
    /** IP protocol number of VRRP. */
    public static final int IP_PROTOCOL_VRRP = 112;
    /** RFC 5798 §5.1.1.3: TTL / hop limit of every advert, checked on receipt. */
    public static final int REQUIRED_TTL = 255;
    /** RFC 2474 class selector 6 (network control), as keepalived and routers send adverts. */
    static final int TRAFFIC_CLASS_NETWORK_CONTROL = 0xc0;

    static final int HEADER_LENGTH = 8;
    static final int IPV4_HEADER_LENGTH = 20;
    static final int IPV6_HEADER_LENGTH = 40;
    /** The longest valid message: v2 with 255 IPv6 addresses and authentication data. */
    static final int MAX_MESSAGE_LENGTH = HEADER_LENGTH + 255 * 16 + V2Authentication.DATA_LENGTH;

    private AdvertCodec() {
    }

    /** Length of the VRRP message for {@code advert}. */
    public static int messageLength(Advertisement advert) {
        int length = HEADER_LENGTH + advert.addresses().size() * advert.family().addressLength();
        return advert.version() == VrrpVersion.V2 ? length + V2Authentication.DATA_LENGTH : length;
    }

    /** Length of the IP datagram (header and VRRP message) for {@code advert}. */
    public static int datagramLength(Advertisement advert) {
        return ipHeaderLength(advert.family()) + messageLength(advert);
    }

    /** The VRRP message alone; see {@link #encodeMessage(Advertisement, IpAddress, IpAddress, ChecksumMode, byte[], int)}. */
    public static byte[] encodeMessage(Advertisement advert, IpAddress source, IpAddress destination,
                                       ChecksumMode checksumMode) {
        byte[] out = new byte[messageLength(advert)];
        encodeMessage(advert, source, destination, checksumMode, out, 0);
        return out;
    }

    /**
     * Writes the VRRP message, checksum included, at {@code offset}.
     *
     * @param source our primary address on the channel (v3 pseudo-header)
     * @param destination the multicast group or the unicast peer (v3 pseudo-header)
     * @return the number of bytes written
     */
    public static int encodeMessage(Advertisement advert, IpAddress source, IpAddress destination,
                                    ChecksumMode checksumMode, byte[] out, int offset) {
        int length = messageLength(advert);
        out[offset] = (byte) (advert.version().wireValue() << 4 | Advertisement.TYPE_ADVERTISEMENT);
        out[offset + 1] = (byte) advert.vrid();
        out[offset + 2] = (byte) advert.priority();
        out[offset + 3] = (byte) advert.addresses().size();
        if (advert.version() == VrrpVersion.V2) {
            out[offset + 4] = (byte) advert.v2Auth().type();
            out[offset + 5] = (byte) (advert.adverIntervalCentis() / 100);
        } else {
            out[offset + 4] = (byte) (advert.adverIntervalCentis() >>> 8 & 0x0f);
            out[offset + 5] = (byte) advert.adverIntervalCentis();
        }
        out[offset + 6] = 0;
        out[offset + 7] = 0;
        int position = offset + HEADER_LENGTH;
        List<IpAddress> addresses = advert.addresses();
        for (int i = 0; i < addresses.size(); i++) { // indexed: no iterator on the advert path
            addresses.get(i).writeTo(out, position);
            position += addresses.get(i).family().addressLength();
        }
        if (advert.version() == VrrpVersion.V2) {
            advert.v2Auth().writeDataTo(out, position);
        }
        int checksum = checksum(advert.version(), checksumMode, source, destination, out, offset, length);
        out[offset + 6] = (byte) (checksum >>> 8);
        out[offset + 7] = (byte) checksum;
        return length;
    }

    /**
     * Writes an IP datagram (IPv4 or IPv6 header with TTL/hop limit 255, then the VRRP message).
     *
     * @param identification the IPv4 Identification field (ignored for IPv6)
     * @return the number of bytes written
     */
    public static int encodeDatagram(Advertisement advert, IpAddress source, IpAddress destination,
                                     ChecksumMode checksumMode, int identification, byte[] out, int offset) {
        if (source.family() != advert.family() || destination.family() != advert.family()) {
            throw new IllegalArgumentException("source " + source + " and destination " + destination
                    + " must be of the advert's family " + advert.family());
        }
        int headerLength = ipHeaderLength(advert.family());
        int messageLength = encodeMessage(advert, source, destination, checksumMode, out, offset + headerLength);
        if (advert.family() == AddressFamily.IPV4) {
            IpHeaders.writeIpv4(out, offset, headerLength + messageLength, identification, source, destination);
        } else {
            IpHeaders.writeIpv6(out, offset, messageLength, source, destination);
        }
        return headerLength + messageLength;
    }

    /**
     * Decodes an IPv4 or IPv6 datagram carrying VRRP (the version nibble tells which).
     *
     * <p>Checks, in this order: IP header, fragment, protocol 112, TTL/hop limit 255, message size,
     * version, checksum, type, VRID, address count and length, auth type, interval.
     *
     * @throws AdvertRejectedException with the first check that failed
     */
    public static ReceivedAdvert decodeDatagram(byte[] buffer, int offset, int length, ChecksumMode checksumMode)
            throws AdvertRejectedException {
        IpHeaders.Parsed ip = IpHeaders.parse(buffer, offset, length);
        Advertisement advert = decodeMessage(ip.family(), ip.source(), ip.destination(), checksumMode,
                buffer, ip.payloadOffset(), ip.payloadLength());
        return new ReceivedAdvert(ip.source(), ip.destination(), advert);
    }

    /**
     * Decodes a VRRP message whose IP header was already checked.
     *
     * @param source the IP source (for the v3 pseudo-header)
     * @param destination the IP destination (for the v3 pseudo-header)
     * @throws AdvertRejectedException with the first check that failed
     */
    public static Advertisement decodeMessage(AddressFamily family, IpAddress source, IpAddress destination,
                                              ChecksumMode checksumMode, byte[] buffer, int offset, int length)
            throws AdvertRejectedException {
        if (length < HEADER_LENGTH) {
            throw new AdvertRejectedException(DropReason.TRUNCATED, length + " bytes");
        }
        if (length > MAX_MESSAGE_LENGTH) {
            throw new AdvertRejectedException(DropReason.OVERSIZED, length + " > " + MAX_MESSAGE_LENGTH + " bytes");
        }
        int versionNibble = (buffer[offset] & 0xff) >>> 4;
        VrrpVersion version = VrrpVersion.fromWire(versionNibble);
        if (version == null) {
            throw new AdvertRejectedException(DropReason.BAD_VERSION, "version " + versionNibble);
        }
        int received = (buffer[offset + 6] & 0xff) << 8 | (buffer[offset + 7] & 0xff);
        int expected = verifyChecksum(version, checksumMode, source, destination, buffer, offset, length);
        if (received != expected) {
            throw new AdvertRejectedException(DropReason.BAD_CHECKSUM,
                    String.format("0x%04x, expected 0x%04x", received, expected));
        }
        int type = buffer[offset] & 0x0f;
        if (type != Advertisement.TYPE_ADVERTISEMENT) {
            throw new AdvertRejectedException(DropReason.BAD_TYPE, "type " + type);
        }
        int vrid = buffer[offset + 1] & 0xff;
        if (vrid == 0) {
            throw new AdvertRejectedException(DropReason.BAD_VRID, "VRID 0");
        }
        int count = buffer[offset + 3] & 0xff;
        if (count == 0) {
            throw new AdvertRejectedException(DropReason.NO_ADDRESSES, "count 0");
        }
        int trailer = version == VrrpVersion.V2 ? V2Authentication.DATA_LENGTH : 0;
        int expectedLength = HEADER_LENGTH + count * family.addressLength() + trailer;
        if (length != expectedLength) {
            throw new AdvertRejectedException(DropReason.LENGTH_MISMATCH,
                    length + " bytes for " + count + " " + family + " addresses, expected " + expectedLength);
        }
        int interval;
        V2Authentication auth = null;
        if (version == VrrpVersion.V2) {
            int authType = buffer[offset + 4] & 0xff;
            if (authType > V2Authentication.TYPE_IP_AH) {
                throw new AdvertRejectedException(DropReason.UNKNOWN_AUTH_TYPE, "auth type " + authType);
            }
            auth = V2Authentication.fromWire(authType, buffer, offset + expectedLength - trailer);
            interval = (buffer[offset + 5] & 0xff) * 100;
        } else {
            // The 4 reserved bits are ignored on receipt (RFC 5798 §5.2.6).
            interval = (buffer[offset + 4] & 0x0f) << 8 | (buffer[offset + 5] & 0xff);
        }
        if (interval == 0) {
            throw new AdvertRejectedException(DropReason.BAD_INTERVAL, "interval 0");
        }
        List<IpAddress> addresses = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            addresses.add(IpAddress.read(family, buffer, offset + HEADER_LENGTH + i * family.addressLength()));
        }
        return new Advertisement(version, vrid, buffer[offset + 2] & 0xff, interval, addresses, auth);
    }

    private static int ipHeaderLength(AddressFamily family) {
        return family == AddressFamily.IPV4 ? IPV4_HEADER_LENGTH : IPV6_HEADER_LENGTH;
    }

    /** The checksum of a message whose checksum field holds the received value. */
    private static int verifyChecksum(VrrpVersion version, ChecksumMode mode, IpAddress source,
                                      IpAddress destination, byte[] buffer, int offset, int length) {
        // Sum the message as if the checksum field were zero, without writing into the caller's buffer.
        long sum = startChecksum(version, mode, source, destination, length);
        sum = InternetChecksum.add(sum, buffer, offset, 6);
        sum = InternetChecksum.add(sum, buffer, offset + HEADER_LENGTH, length - HEADER_LENGTH);
        return InternetChecksum.finish(sum);
    }

    private static int checksum(VrrpVersion version, ChecksumMode mode, IpAddress source,
                                IpAddress destination, byte[] message, int offset, int length) {
        return InternetChecksum.finish(InternetChecksum.add(startChecksum(version, mode, source, destination, length),
                message, offset, length));
    }

    private static long startChecksum(VrrpVersion version, ChecksumMode mode, IpAddress source,
                                      IpAddress destination, int length) {
        long sum = 0;
        boolean pseudoHeader = version == VrrpVersion.V3
                && (source.family() == AddressFamily.IPV6 || mode == ChecksumMode.PSEUDO_HEADER);
        if (pseudoHeader) {
            // RFC 5798 §5.2.8: the IPv4 (RFC 768-style) or IPv6 (RFC 8200 §8.1) pseudo-header. Both
            // sum to src + dst + length + protocol, as the zero bytes add nothing.
            sum = InternetChecksum.addAddress(sum, source);
            sum = InternetChecksum.addAddress(sum, destination);
            sum = InternetChecksum.add16(InternetChecksum.add16(sum, length), IP_PROTOCOL_VRRP);
        }
        return sum;
    }
}
