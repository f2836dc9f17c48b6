package io.lvsha.state.peer;

import java.util.Arrays;

/**
 * One authenticated message of the peer link: a type (hello, digest, records, ...) and its payload.
 * What the types mean is the business of the handlers above {@link PeerAuthHandler}.
 */
public record PeerFrame(int type, byte[] payload) {
    public PeerFrame {
        if (type < 0 || type > 255) {
            throw new IllegalArgumentException("a frame type is one byte, not " + type);
        }
        payload = payload.clone();
    }

    @Override
    public byte[] payload() {
        return payload.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PeerFrame other && type == other.type && Arrays.equals(payload, other.payload);
    }

    @Override
    public int hashCode() {
        return 31 * type + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return "PeerFrame[type=" + type + ", " + payload.length + " bytes]";
    }
}
