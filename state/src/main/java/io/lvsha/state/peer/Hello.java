package io.lvsha.state.peer;

import java.nio.charset.StandardCharsets;

/**
 * The first frame each side sends on an authenticated link: who it is, what it runs, and a digest
 * of the configuration both must share (services, VIPs): piranha's documentation warns that
 * mismatched configurations break failover, so a mismatch is worth an event.
 */
public record Hello(String node, String version, String configDigest) {
    /** Frame type of a hello. */
    public static final int TYPE = 0x10;

    public Hello {
        for (String field : new String[] {node, version, configDigest}) {
            if (field == null || field.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("hello fields are single lines");
            }
        }
    }

    public PeerFrame toFrame() {
        return new PeerFrame(TYPE, (node + "\n" + version + "\n" + configDigest).getBytes(StandardCharsets.UTF_8));
    }

    /** @throws IllegalArgumentException if the frame is not a well-formed hello */
    public static Hello fromFrame(PeerFrame frame) {
        String[] fields = new String(frame.payload(), StandardCharsets.UTF_8).split("\n", -1);
        if (frame.type() != TYPE || fields.length != 3) {
            throw new IllegalArgumentException("not a hello frame");
        }
        return new Hello(fields[0], fields[1], fields[2]);
    }
}
