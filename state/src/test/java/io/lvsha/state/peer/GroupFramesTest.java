package io.lvsha.state.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class GroupFramesTest {
    @Test
    void aFrameComesOutOfItsEnvelopeAsItWentIn() {
        PeerFrame frame = new PeerFrame(PeerFrameTypes.REPLICA_UPDATE, new byte[] {1, 2, 3, (byte) 0xff});
        PeerFrame wrapped = GroupFrames.wrap("tftp-a", frame);
        assertEquals(PeerFrameTypes.GROUP, wrapped.type());
        assertEquals(new GroupFrames.Tagged("tftp-a", frame), GroupFrames.unwrap(wrapped));
        PeerFrame empty = new PeerFrame(PeerFrameTypes.SWITCHOVER_REQUEST, new byte[0]);
        assertEquals(new GroupFrames.Tagged("b", empty), GroupFrames.unwrap(GroupFrames.wrap("b", empty)));
    }

    @Test
    void anEnvelopeTooShortForWhatItSaysItHoldsIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> GroupFrames.unwrap(new PeerFrame(PeerFrameTypes.GROUP, new byte[0])));
        assertThrows(IllegalArgumentException.class, () -> GroupFrames.unwrap(new PeerFrame(PeerFrameTypes.GROUP, new byte[] {0, 0x30})));
        // a name of 5 bytes, but 3 follow and no type
        assertThrows(IllegalArgumentException.class, () -> GroupFrames.unwrap(new PeerFrame(PeerFrameTypes.GROUP,
                new byte[] {5, 'a', 'b', 'c'})));
        assertThrows(IllegalArgumentException.class, () -> GroupFrames.unwrap(new PeerFrame(PeerFrameTypes.HELLO, new byte[] {1, 'a', 0x30})));
    }

    @Test
    void aGroupNeedsAName() {
        assertThrows(IllegalArgumentException.class, () -> GroupFrames.wrap("", new PeerFrame(PeerFrameTypes.SWITCHOVER_REQUEST, new byte[0])));
    }
}
