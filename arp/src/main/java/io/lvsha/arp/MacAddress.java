package io.lvsha.arp;

import java.util.Arrays;
import java.util.HexFormat;

/** A 48-bit Ethernet address. Immutable. */
public final class MacAddress {
    /** ff:ff:ff:ff:ff:ff */
    public static final MacAddress BROADCAST = new MacAddress(new byte[] {-1, -1, -1, -1, -1, -1});

    private final byte[] bytes;

    private MacAddress(byte[] bytes) {
        this.bytes = bytes;
    }

    public static MacAddress of(byte[] bytes) {
        if (bytes.length != 6) {
            throw new IllegalArgumentException("a MAC address has 6 bytes, not " + bytes.length);
        }
        return new MacAddress(bytes.clone());
    }

    /** Parses "02:00:0a:63:00:0c". */
    public static MacAddress parse(String text) {
        String hex = text.trim().replace(":", "").replace("-", "");
        if (hex.length() != 12) {
            throw new IllegalArgumentException("'" + text + "' is not a MAC address");
        }
        return new MacAddress(HexFormat.of().parseHex(hex));
    }

    /** The Ethernet group address an IPv4 (RFC 1112 §6.4) or IPv6 (RFC 2464 §7) multicast group maps to. */
    public static MacAddress ofMulticastGroup(byte[] group) {
        if (group.length == 4) {
            return new MacAddress(new byte[] {0x01, 0x00, 0x5e, (byte) (group[1] & 0x7f), group[2], group[3]});
        }
        return new MacAddress(new byte[] {0x33, 0x33, group[12], group[13], group[14], group[15]});
    }

    void writeTo(byte[] out, int offset) {
        System.arraycopy(bytes, 0, out, offset, 6);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MacAddress other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return HexFormat.ofDelimiter(":").formatHex(bytes);
    }
}
