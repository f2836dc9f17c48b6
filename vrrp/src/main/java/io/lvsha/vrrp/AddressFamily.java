package io.lvsha.vrrp;

/** The IP family a virtual router runs on; RFC 5798 keeps the two families' routers separate. */
public enum AddressFamily {
    IPV4(4),
    IPV6(16);

    private final int addressLength;

    AddressFamily(int addressLength) {
        this.addressLength = addressLength;
    }

    /** Bytes in one address of this family. */
    public int addressLength() {
        return addressLength;
    }
}
