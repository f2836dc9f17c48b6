package io.lvsha.vrrp;

/** The IP family a virtual router runs on; RFC 5798 keeps the two families' routers separate. */
public enum AddressFamily {
    IPV4(4, "IPv4"),
    IPV6(16, "IPv6");

    private final int addressLength;
    private final String displayName;

    AddressFamily(int addressLength, String displayName) {
        this.addressLength = addressLength;
        this.displayName = displayName;
    }

    /** "IPv4" or "IPv6", as people write it. */
    @Override
    public String toString() {
        return displayName;
    }

    /** Bytes in one address of this family. */
    public int addressLength() {
        return addressLength;
    }
}
