package io.lvsha.state.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Two ends of the peer link wired back to back in memory (Netty EmbeddedChannel): no sockets, no sleeps. */
class PeerAuthHandlerTest {
    private static final byte[] KEY = "a shared key of 32 bytes or so..".getBytes(StandardCharsets.US_ASCII);

    /** One end: the pipeline plus what reached the top of it. */
    private static final class End {
        final EmbeddedChannel channel = new EmbeddedChannel();
        final List<Object> received = new ArrayList<>();
        String authenticatedPeer;

        End(String node, byte[] key) {
            PeerLinkPipeline.install(channel.pipeline(), node, key, new SecureRandom());
            channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    received.add(msg);
                }

                @Override
                public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
                    if (event instanceof PeerAuthenticated authenticated) {
                        authenticatedPeer = authenticated.peerNode();
                    }
                }
            });
            channel.pipeline().fireChannelActive();
        }
    }

    /** Moves bytes both ways until nothing is left in flight; returns what went from a to b. */
    private static List<ByteBuf> pump(End a, End b) {
        List<ByteBuf> aToB = new ArrayList<>();
        boolean moved = true;
        while (moved) {
            moved = false;
            for (End[] pair : new End[][] {{a, b}, {b, a}}) {
                ByteBuf out;
                while ((out = pair[0].channel.readOutbound()) != null) {
                    if (pair[0] == a) {
                        aToB.add(out.copy());
                    }
                    if (pair[1].channel.isOpen()) {
                        pair[1].channel.writeInbound(out);
                    } else {
                        out.release();
                    }
                    moved = true;
                }
            }
        }
        return aToB;
    }

    /** Everything the channel wrote, as one buffer (the length prefix comes out as a buffer of its own). */
    private static ByteBuf written(EmbeddedChannel channel) {
        ByteBuf all = Unpooled.buffer();
        ByteBuf part;
        while ((part = channel.readOutbound()) != null) {
            all.writeBytes(part);
            part.release();
        }
        return all;
    }

    @Test
    void peersWithTheSameKeyAuthenticateAndExchangeFramesBothWays() {
        End d1 = new End("d1", KEY);
        End d2 = new End("d2", KEY);
        pump(d1, d2);
        assertEquals("d2", d1.authenticatedPeer);
        assertEquals("d1", d2.authenticatedPeer);
        d1.channel.writeAndFlush(new PeerFrame(7, new byte[] {1, 2, 3}));
        d2.channel.writeAndFlush(new PeerFrame(8, new byte[0]));
        pump(d1, d2);
        assertEquals(List.of(new PeerFrame(7, new byte[] {1, 2, 3})), d2.received);
        assertEquals(List.of(new PeerFrame(8, new byte[0])), d1.received);
    }

    @Test
    void aPeerWithAnotherKeyIsClosedAndGetsNothing() {
        End d1 = new End("d1", KEY);
        End intruder = new End("d2", "another key of 32 bytes or so...".getBytes(StandardCharsets.US_ASCII));
        pump(d1, intruder);
        assertNull(d1.authenticatedPeer);
        assertNull(intruder.authenticatedPeer);
        assertFalse(d1.channel.isOpen());
        assertFalse(d1.channel.writeAndFlush(new PeerFrame(1, new byte[] {1})).isSuccess());
    }

    @Test
    void aTamperedFrameClosesTheLink() {
        End d1 = new End("d1", KEY);
        End d2 = new End("d2", KEY);
        pump(d1, d2);
        d1.channel.writeAndFlush(new PeerFrame(7, new byte[] {1, 2, 3}));
        ByteBuf frame = written(d1.channel);
        frame.setByte(4 + 9, frame.getByte(4 + 9) ^ 1); // flip a payload bit behind the length and header
        d2.channel.writeInbound(frame);
        assertTrue(d2.received.isEmpty());
        assertFalse(d2.channel.isOpen());
    }

    @Test
    void aReplayedFrameClosesTheLink() {
        End d1 = new End("d1", KEY);
        End d2 = new End("d2", KEY);
        pump(d1, d2);
        d1.channel.writeAndFlush(new PeerFrame(7, new byte[] {9}));
        ByteBuf frame = written(d1.channel);
        d2.channel.writeInbound(frame.copy());
        d2.channel.writeInbound(frame);
        assertEquals(1, d2.received.size());
        assertFalse(d2.channel.isOpen());
    }

    @Test
    void aHugeLengthFromAConfusedPeerCostsOneExceptionNotMemory() {
        End d2 = new End("d2", KEY);
        written(d2.channel).release();
        ByteBuf huge = Unpooled.buffer().writeInt(Integer.MAX_VALUE).writeBytes(new byte[64]);
        d2.channel.writeInbound(huge);
        assertFalse(d2.channel.isOpen());
    }

    @Test
    void nothingCanBeSentBeforeThePeerIsAuthenticated() {
        End d1 = new End("d1", KEY);
        assertFalse(d1.channel.writeAndFlush(new PeerFrame(1, new byte[] {1})).isSuccess());
    }

    @Test
    void beforeAuthenticationOnlyTheHandshakesBytesAreTaken() {
        End d2 = new End("d2", KEY);
        written(d2.channel).release();
        // A frame that claims 1 MiB, fed slowly: the framer would hold all of it for a stranger.
        d2.channel.writeInbound(Unpooled.buffer().writeInt((1 << 20) - 8).writeBytes(new byte[HandshakeLimit.MAX_BYTES - 4]));
        assertTrue(d2.channel.isOpen(), "the handshake's room is there");
        d2.channel.writeInbound(Unpooled.buffer().writeBytes(new byte[1]));
        assertFalse(d2.channel.isOpen(), "one byte more than a handshake takes");
    }

    @Test
    void afterAuthenticationFramesUpToTheLimitPass() {
        End d1 = new End("d1", KEY);
        End d2 = new End("d2", KEY);
        pump(d1, d2);
        d1.channel.writeAndFlush(new PeerFrame(7, new byte[100_000]));
        pump(d1, d2);
        assertEquals(1, d2.received.size());
        assertTrue(d2.channel.isOpen());
    }

    /** Moves the channel's clock on by {@code millis} and runs what fell due: no sleeps. */
    private static void advance(End end, long millis) {
        end.channel.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        end.channel.runScheduledPendingTasks();
    }

    @Test
    void aConnectionThatDoesNotProveTheKeyInTimeIsClosed() {
        End d2 = new End("d2", KEY);
        advance(d2, PeerAuthHandler.HANDSHAKE_DEADLINE_MILLIS - 1);
        assertTrue(d2.channel.isOpen());
        advance(d2, 1);
        assertFalse(d2.channel.isOpen(), "silent past the handshake's deadline");
    }

    @Test
    void anAuthenticatedLinkOutlivesTheHandshakesDeadline() {
        End d1 = new End("d1", KEY);
        End d2 = new End("d2", KEY);
        pump(d1, d2);
        advance(d2, PeerAuthHandler.HANDSHAKE_DEADLINE_MILLIS * 2);
        assertTrue(d2.channel.isOpen());
    }
}
