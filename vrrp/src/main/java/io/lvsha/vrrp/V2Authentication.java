package io.lvsha.vrrp;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * VRRPv2 Auth Type and the 8 bytes of Authentication Data (RFC 3768 §5.3.6, §5.3.10).
 *
 * <p>RFC 3768 removed authentication, but keepalived and older routers still send Auth Type 1
 * (simple text password) and drop adverts whose password differs, so we keep it for interop. It
 * protects against misconfiguration, not against an attacker: the password is clear text.
 */
public final class V2Authentication {
    /** Wire value of Auth Type 0. */
    public static final int TYPE_NONE = 0;
    /** Wire value of Auth Type 1 (simple text password). */
    public static final int TYPE_SIMPLE_TEXT = 1;
    /** Wire value of Auth Type 2 (IP authentication header; the VRRP payload never carries it). */
    public static final int TYPE_IP_AH = 2;
    /** Length of the Authentication Data field. */
    public static final int DATA_LENGTH = 8;

    private static final V2Authentication NONE = new V2Authentication(TYPE_NONE, new byte[DATA_LENGTH]);

    private final int type;
    private final byte[] data;

    private V2Authentication(int type, byte[] data) {
        this.type = type;
        this.data = data;
    }

    /** Auth Type 0 with eight zero bytes, as keepalived sends it. */
    public static V2Authentication none() {
        return NONE;
    }

    /**
     * Auth Type 1 with the password padded with zeros to 8 bytes.
     *
     * @throws IllegalArgumentException if the password is empty or longer than 8 bytes in UTF-8
     */
    public static V2Authentication simplePassword(String password) {
        byte[] raw = password.getBytes(StandardCharsets.UTF_8);
        if (raw.length == 0 || raw.length > DATA_LENGTH) {
            throw new IllegalArgumentException(
                    "a VRRPv2 password has 1 to 8 bytes (RFC 2338 §5.3.10), this one has " + raw.length);
        }
        return new V2Authentication(TYPE_SIMPLE_TEXT, Arrays.copyOf(raw, DATA_LENGTH));
    }

    /** As read from the wire; the type has already been checked to be 0, 1 or 2. */
    static V2Authentication fromWire(int type, byte[] buffer, int offset) {
        return new V2Authentication(type, Arrays.copyOfRange(buffer, offset, offset + DATA_LENGTH));
    }

    public int type() {
        return type;
    }

    void writeDataTo(byte[] buffer, int offset) {
        System.arraycopy(data, 0, buffer, offset, DATA_LENGTH);
    }

    /** Whether {@code other} carries the same type and data, compared in constant time. */
    public boolean matches(V2Authentication other) {
        return type == other.type && java.security.MessageDigest.isEqual(data, other.data);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof V2Authentication other && type == other.type && Arrays.equals(data, other.data);
    }

    @Override
    public int hashCode() {
        return 31 * type + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        // Never print the password itself: logs are read by more people than the config.
        return switch (type) {
            case TYPE_NONE -> "none";
            case TYPE_SIMPLE_TEXT -> "simple-password";
            default -> "type-" + type;
        };
    }
}
