package io.lvsha.vrrp;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * An IPv4 or IPv6 address as raw network-order bytes.
 *
 * <p>We avoid {@link InetAddress} in the protocol core because it silently turns IPv4-mapped IPv6
 * addresses into IPv4 ones and because its equality is not the byte equality the RFC's tie-break
 * needs. Ordering is the unsigned byte order RFC 5798 §6.4.3 uses to compare primary addresses.
 * Immutable and thread-safe.
 */
public final class IpAddress implements Comparable<IpAddress> {
    private final byte[] bytes;

    private IpAddress(byte[] bytes) {
        this.bytes = bytes;
    }

    /** @param bytes 4 or 16 bytes in network order (copied) */
    public static IpAddress of(byte[] bytes) {
        if (bytes.length != 4 && bytes.length != 16) {
            throw new IllegalArgumentException("an IP address has 4 or 16 bytes, not " + bytes.length);
        }
        return new IpAddress(bytes.clone());
    }

    /** Reads {@code family.addressLength()} bytes at {@code offset}. */
    public static IpAddress read(AddressFamily family, byte[] buffer, int offset) {
        return new IpAddress(Arrays.copyOfRange(buffer, offset, offset + family.addressLength()));
    }

    /**
     * Parses a numeric address literal ("10.0.0.1", "fe80::1"). Never resolves a host name.
     *
     * @throws IllegalArgumentException if {@code text} is not an address literal
     */
    public static IpAddress parse(String text) {
        String literal = text.trim();
        boolean looksNumeric = !literal.isEmpty()
                && (literal.indexOf(':') >= 0 || literal.chars().allMatch(c -> c == '.' || Character.isDigit(c)));
        if (!looksNumeric) {
            throw new IllegalArgumentException("'" + text + "' is not an IPv4 or IPv6 address literal");
        }
        try {
            // A literal containing only digits, dots and colons is parsed without any DNS lookup.
            return of(InetAddress.getByName(literal).getAddress());
        } catch (UnknownHostException | SecurityException e) {
            throw new IllegalArgumentException("'" + text + "' is not an IPv4 or IPv6 address literal", e);
        }
    }

    public AddressFamily family() {
        return bytes.length == 4 ? AddressFamily.IPV4 : AddressFamily.IPV6;
    }

    /** Copies the address into {@code buffer} at {@code offset}. */
    public void writeTo(byte[] buffer, int offset) {
        System.arraycopy(bytes, 0, buffer, offset, bytes.length);
    }

    /** The network-order bytes themselves, for this package's encoders only: never to be written. */
    byte[] bytesInPlace() {
        return bytes;
    }

    /** @return a copy of the network-order bytes */
    public byte[] toBytes() {
        return bytes.clone();
    }

    /** True for IPv6 fe80::/10, the source RFC 5798 §5.1.2.1 requires for IPv6 adverts. */
    public boolean isIpv6LinkLocal() {
        return bytes.length == 16 && (bytes[0] & 0xff) == 0xfe && (bytes[1] & 0xc0) == 0x80;
    }

    @Override
    public int compareTo(IpAddress other) {
        return Arrays.compareUnsigned(bytes, other.bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IpAddress other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    /** Dotted quad, or the RFC 5952 canonical IPv6 text (lower case, the longest zero run as "::"). */
    @Override
    public String toString() {
        if (bytes.length == 4) {
            return (bytes[0] & 0xff) + "." + (bytes[1] & 0xff) + "." + (bytes[2] & 0xff) + "." + (bytes[3] & 0xff);
        }
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = (bytes[2 * i] & 0xff) << 8 | (bytes[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; i++) {
            int run = 0;
            while (i + run < 8 && groups[i + run] == 0) {
                run++;
            }
            if (run > bestLength) {
                bestStart = i;
                bestLength = run;
            }
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[i]));
        }
        return text.toString();
    }
}
