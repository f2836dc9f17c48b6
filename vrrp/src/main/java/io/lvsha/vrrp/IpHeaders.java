package io.lvsha.vrrp;

/** Writes and checks the IPv4 and IPv6 headers in front of a VRRP message. Stateless. */
final class IpHeaders {
    private IpHeaders() {
    }

    /** The fields of a checked IP header that VRRP needs. */
    record Parsed(AddressFamily family, IpAddress source, IpAddress destination, int payloadOffset,
                  int payloadLength) {
    }

    static void writeIpv4(byte[] out, int offset, int totalLength, int identification, IpAddress source,
                          IpAddress destination) {
        out[offset] = 0x45;
        out[offset + 1] = (byte) AdvertCodec.TRAFFIC_CLASS_NETWORK_CONTROL;
        out[offset + 2] = (byte) (totalLength >>> 8);
        out[offset + 3] = (byte) totalLength;
        out[offset + 4] = (byte) (identification >>> 8);
        out[offset + 5] = (byte) identification;
        out[offset + 6] = 0;
        out[offset + 7] = 0;
        out[offset + 8] = (byte) AdvertCodec.REQUIRED_TTL;
        out[offset + 9] = (byte) AdvertCodec.IP_PROTOCOL_VRRP;
        out[offset + 10] = 0;
        out[offset + 11] = 0;
        source.writeTo(out, offset + 12);
        destination.writeTo(out, offset + 16);
        int checksum = InternetChecksum.finish(InternetChecksum.add(0, out, offset, AdvertCodec.IPV4_HEADER_LENGTH));
        out[offset + 10] = (byte) (checksum >>> 8);
        out[offset + 11] = (byte) checksum;
    }

    static void writeIpv6(byte[] out, int offset, int payloadLength, IpAddress source, IpAddress destination) {
        int trafficClass = AdvertCodec.TRAFFIC_CLASS_NETWORK_CONTROL;
        out[offset] = (byte) (0x60 | trafficClass >>> 4);
        out[offset + 1] = (byte) ((trafficClass & 0x0f) << 4);
        out[offset + 2] = 0;
        out[offset + 3] = 0;
        out[offset + 4] = (byte) (payloadLength >>> 8);
        out[offset + 5] = (byte) payloadLength;
        out[offset + 6] = (byte) AdvertCodec.IP_PROTOCOL_VRRP;
        out[offset + 7] = (byte) AdvertCodec.REQUIRED_TTL;
        source.writeTo(out, offset + 8);
        destination.writeTo(out, offset + 24);
    }

    /**
     * Checks an IP header and returns where its payload is. Extension headers are not walked: an
     * IPv6 VRRP advert has none (RFC 5798 §5.1.2), so anything but next header 112 is NOT_VRRP.
     */
    static Parsed parse(byte[] buffer, int offset, int length) throws AdvertRejectedException {
        if (length < 1 || offset < 0 || offset + length > buffer.length) {
            throw new AdvertRejectedException(DropReason.IP_HEADER_INVALID, "empty datagram");
        }
        int ipVersion = (buffer[offset] & 0xff) >>> 4;
        if (ipVersion == 4) {
            return parseIpv4(buffer, offset, length);
        }
        if (ipVersion == 6) {
            return parseIpv6(buffer, offset, length);
        }
        throw new AdvertRejectedException(DropReason.IP_HEADER_INVALID, "IP version " + ipVersion);
    }

    private static Parsed parseIpv4(byte[] buffer, int offset, int length) throws AdvertRejectedException {
        if (length < AdvertCodec.IPV4_HEADER_LENGTH) {
            throw new AdvertRejectedException(DropReason.IP_HEADER_INVALID, "IPv4 header truncated: " + length);
        }
        int headerLength = (buffer[offset] & 0x0f) * 4;
        int totalLength = u16(buffer, offset + 2);
        if (headerLength < AdvertCodec.IPV4_HEADER_LENGTH || totalLength < headerLength || totalLength > length) {
            throw new AdvertRejectedException(DropReason.IP_HEADER_INVALID,
                    "IHL " + headerLength + ", total length " + totalLength + ", captured " + length);
        }
        int flagsAndOffset = u16(buffer, offset + 6);
        if ((flagsAndOffset & 0x3fff) != 0) {
            throw new AdvertRejectedException(DropReason.FRAGMENTED, String.format("flags/offset 0x%04x", flagsAndOffset));
        }
        int protocol = buffer[offset + 9] & 0xff;
        if (protocol != AdvertCodec.IP_PROTOCOL_VRRP) {
            throw new AdvertRejectedException(DropReason.NOT_VRRP, "protocol " + protocol);
        }
        int ttl = buffer[offset + 8] & 0xff;
        if (ttl != AdvertCodec.REQUIRED_TTL) {
            throw new AdvertRejectedException(DropReason.TTL_NOT_255, "TTL " + ttl);
        }
        return new Parsed(AddressFamily.IPV4,
                IpAddress.read(AddressFamily.IPV4, buffer, offset + 12),
                IpAddress.read(AddressFamily.IPV4, buffer, offset + 16),
                offset + headerLength, totalLength - headerLength);
    }

    private static Parsed parseIpv6(byte[] buffer, int offset, int length) throws AdvertRejectedException {
        if (length < AdvertCodec.IPV6_HEADER_LENGTH) {
            throw new AdvertRejectedException(DropReason.IP_HEADER_INVALID, "IPv6 header truncated: " + length);
        }
        int payloadLength = u16(buffer, offset + 4);
        if (AdvertCodec.IPV6_HEADER_LENGTH + payloadLength > length) {
            throw new AdvertRejectedException(DropReason.IP_HEADER_INVALID,
                    "payload length " + payloadLength + ", captured " + (length - AdvertCodec.IPV6_HEADER_LENGTH));
        }
        int nextHeader = buffer[offset + 6] & 0xff;
        if (nextHeader != AdvertCodec.IP_PROTOCOL_VRRP) {
            throw new AdvertRejectedException(DropReason.NOT_VRRP, "next header " + nextHeader);
        }
        int hopLimit = buffer[offset + 7] & 0xff;
        if (hopLimit != AdvertCodec.REQUIRED_TTL) {
            throw new AdvertRejectedException(DropReason.TTL_NOT_255, "hop limit " + hopLimit);
        }
        return new Parsed(AddressFamily.IPV6,
                IpAddress.read(AddressFamily.IPV6, buffer, offset + 8),
                IpAddress.read(AddressFamily.IPV6, buffer, offset + 24),
                offset + AdvertCodec.IPV6_HEADER_LENGTH, payloadLength);
    }

    private static int u16(byte[] buffer, int offset) {
        return (buffer[offset] & 0xff) << 8 | (buffer[offset + 1] & 0xff);
    }
}
