package io.lvsha.vrrp;

/** VRRP version 2 (RFC 3768, IPv4, whole-second adverts) or 3 (RFC 5798, centisecond adverts). */
public enum VrrpVersion {
    V2(2),
    V3(3);

    private final int wireValue;

    VrrpVersion(int wireValue) {
        this.wireValue = wireValue;
    }

    /** The value of the 4-bit version field. */
    public int wireValue() {
        return wireValue;
    }

    /** @return the version for a 4-bit wire value, or {@code null} if it is neither 2 nor 3 */
    public static VrrpVersion fromWire(int value) {
        return switch (value) {
            case 2 -> V2;
            case 3 -> V3;
            default -> null;
        };
    }
}
