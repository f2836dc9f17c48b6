package io.lvsha.state.peer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The envelope that puts one failover group's frame on a link that several groups share:
 * {@code [name length: 1 byte][name: ASCII][type: 1 byte][payload]} as the payload of a
 * {@link PeerFrameTypes#GROUP} frame. The name, not a position, names the group: two agents
 * whose files list their groups in another order still talk about the same group.
 */
public final class GroupFrames {
    private static final int MAX_NAME_BYTES = 255;

    /** One group's frame, taken out of its envelope. */
    public record Tagged(String group, PeerFrame frame) {
    }

    /** Puts {@code frame} in an envelope for {@code group}. */
    public static PeerFrame wrap(String group, PeerFrame frame) {
        byte[] name = group.getBytes(StandardCharsets.US_ASCII);
        if (name.length == 0 || name.length > MAX_NAME_BYTES) {
            throw new IllegalArgumentException("a group's name has 1 to " + MAX_NAME_BYTES + " bytes, not " + name.length);
        }
        byte[] inner = frame.payload();
        byte[] payload = new byte[2 + name.length + inner.length];
        payload[0] = (byte) name.length;
        System.arraycopy(name, 0, payload, 1, name.length);
        payload[1 + name.length] = (byte) frame.type();
        System.arraycopy(inner, 0, payload, 2 + name.length, inner.length);
        return new PeerFrame(PeerFrameTypes.GROUP, payload);
    }

    /**
     * Takes a {@link PeerFrameTypes#GROUP} frame out of its envelope.
     *
     * @throws IllegalArgumentException if the frame is no envelope, or too short for what it says it holds
     */
    public static Tagged unwrap(PeerFrame frame) {
        if (frame.type() != PeerFrameTypes.GROUP) {
            throw new IllegalArgumentException("frame type " + frame.type() + " is no group's envelope");
        }
        byte[] payload = frame.payload();
        int nameLength = payload.length == 0 ? 0 : payload[0] & 0xff;
        if (nameLength == 0 || payload.length < 2 + nameLength) {
            throw new IllegalArgumentException("a group's envelope of " + payload.length + " bytes cannot hold a name of "
                    + nameLength + " bytes and a frame type");
        }
        String group = new String(payload, 1, nameLength, StandardCharsets.US_ASCII);
        int type = payload[1 + nameLength] & 0xff;
        return new Tagged(group, new PeerFrame(type, Arrays.copyOfRange(payload, 2 + nameLength, payload.length)));
    }

    private GroupFrames() {
    }
}
