package io.lvsha.arp;

import io.lvsha.vrrp.IpAddress;

/**
 * An address with its prefix length, as configured on an interface ("10.0.0.10/24").
 *
 * @param address the address
 * @param prefixLength 0..32 (IPv4) or 0..128 (IPv6)
 */
public record InterfaceAddress(IpAddress address, int prefixLength) {
    public InterfaceAddress {
        int max = address.family().addressLength() * 8;
        if (prefixLength < 0 || prefixLength > max) {
            throw new IllegalArgumentException("prefix length of " + address + " is 0.." + max + ", not " + prefixLength);
        }
    }

    /** Parses "10.0.0.10/24"; without a prefix, a host address (/32 or /128). */
    public static InterfaceAddress parse(String text) {
        int slash = text.indexOf('/');
        IpAddress address = IpAddress.parse(slash < 0 ? text : text.substring(0, slash));
        if (slash < 0) {
            return new InterfaceAddress(address, address.family().addressLength() * 8);
        }
        try {
            return new InterfaceAddress(address, Integer.parseInt(text.substring(slash + 1).trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "': the prefix length after '/' is not a number", e);
        }
    }

    @Override
    public String toString() {
        return address + "/" + prefixLength;
    }
}
