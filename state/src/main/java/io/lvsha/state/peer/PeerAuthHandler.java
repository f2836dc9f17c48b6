package io.lvsha.state.peer;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates the peer link and every frame on it, symmetrically (no client or server role).
 *
 * <pre>
 * handshake, each side:  CHALLENGE  = 0x01 | node length | node | nonce (32)
 *                        PROOF      = 0x02 | HMAC(K, "lvs-ha proof" | peer nonce | own nonce | own node)
 * then each direction:   key        = HMAC(K, "lvs-ha session" | sender's nonce | receiver's nonce)
 *                        FRAME      = type | seq (8, from 1, +1 each) | payload | HMAC(key, type | seq | payload)
 * </pre>
 *
 * <p>Fresh nonces make a recorded handshake useless; separate keys per direction stop a frame
 * from being reflected back; the sequence number stops replay, loss and reordering (TCP never
 * reorders, so any gap is an attack or a bug). Any failure closes the connection with one log
 * line: a peer that cannot prove the key gets nothing, and one that has not proved it by the
 * handshake's deadline is closed too (a silent connection would otherwise hold a slot for ever). Frames arrive framed by a length-field decoder below this handler.
 */
public final class PeerAuthHandler extends ChannelDuplexHandler {
    private static final Logger LOG = LoggerFactory.getLogger(PeerAuthHandler.class);
    private static final int CHALLENGE = 0x01;
    private static final int PROOF = 0x02;
    private static final int NONCE_LENGTH = 32;
    private static final int MAC_LENGTH = 32;
    /** How long a new connection has to prove the key. */
    static final long HANDSHAKE_DEADLINE_MILLIS = 5000;
    private static final byte[] PROOF_LABEL = "lvs-ha proof".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SESSION_LABEL = "lvs-ha session".getBytes(StandardCharsets.US_ASCII);

    private enum State { AWAIT_CHALLENGE, AWAIT_PROOF, AUTHENTICATED, FAILED }

    private final String ownNode;
    private final byte[] sharedKey;
    private final byte[] ownNonce = new byte[NONCE_LENGTH];
    private State state = State.AWAIT_CHALLENGE;
    private String peerNode;
    private byte[] peerNonce;
    private Mac sendMac;
    private Mac receiveMac;
    private long sendSeq;
    private long receiveSeq;
    private final long handshakeDeadlineMillis;
    private ScheduledFuture<?> handshakeDeadline;

    public PeerAuthHandler(String ownNode, byte[] sharedKey, SecureRandom random) {
        this(ownNode, sharedKey, random, HANDSHAKE_DEADLINE_MILLIS);
    }

    PeerAuthHandler(String ownNode, byte[] sharedKey, SecureRandom random, long handshakeDeadlineMillis) {
        this.handshakeDeadlineMillis = handshakeDeadlineMillis;
        if (sharedKey.length < 16) {
            throw new IllegalArgumentException("the peer-link key needs at least 16 bytes");
        }
        this.ownNode = ownNode;
        this.sharedKey = sharedKey.clone();
        random.nextBytes(ownNonce);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        byte[] node = ownNode.getBytes(StandardCharsets.UTF_8);
        ByteBuf challenge = ctx.alloc().buffer(2 + node.length + NONCE_LENGTH);
        challenge.writeByte(CHALLENGE).writeByte(node.length).writeBytes(node).writeBytes(ownNonce);
        ctx.writeAndFlush(challenge);
        handshakeDeadline = ctx.executor().schedule(() -> {
            if (state != State.AUTHENTICATED) {
                fail(ctx, "no handshake within " + handshakeDeadlineMillis + " ms");
            }
        }, handshakeDeadlineMillis, TimeUnit.MILLISECONDS);
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        try {
            switch (state) {
                case AWAIT_CHALLENGE -> readChallenge(ctx, frame);
                case AWAIT_PROOF -> readProof(ctx, frame);
                case AUTHENTICATED -> readFrame(ctx, frame);
                default -> { }
            }
        } finally {
            ReferenceCountUtil.release(frame);
        }
    }

    private void readChallenge(ChannelHandlerContext ctx, ByteBuf frame) {
        if (frame.readableBytes() < 2 || frame.readUnsignedByte() != CHALLENGE) {
            fail(ctx, "expected a challenge");
            return;
        }
        int nodeLength = frame.readUnsignedByte();
        if (frame.readableBytes() != nodeLength + NONCE_LENGTH) {
            fail(ctx, "malformed challenge");
            return;
        }
        peerNode = frame.readCharSequence(nodeLength, StandardCharsets.UTF_8).toString();
        peerNonce = new byte[NONCE_LENGTH];
        frame.readBytes(peerNonce);
        byte[] proof = hmac(sharedKey, PROOF_LABEL, peerNonce, ownNonce, ownNode.getBytes(StandardCharsets.UTF_8));
        ByteBuf reply = ctx.alloc().buffer(1 + MAC_LENGTH);
        reply.writeByte(PROOF).writeBytes(proof);
        ctx.writeAndFlush(reply);
        state = State.AWAIT_PROOF;
    }

    private void readProof(ChannelHandlerContext ctx, ByteBuf frame) {
        if (frame.readableBytes() != 1 + MAC_LENGTH || frame.readUnsignedByte() != PROOF) {
            fail(ctx, "expected a proof");
            return;
        }
        byte[] proof = new byte[MAC_LENGTH];
        frame.readBytes(proof);
        byte[] expected = hmac(sharedKey, PROOF_LABEL, ownNonce, peerNonce, peerNode.getBytes(StandardCharsets.UTF_8));
        if (!MessageDigest.isEqual(proof, expected)) {
            fail(ctx, "the peer does not hold the shared key");
            return;
        }
        sendMac = mac(hmac(sharedKey, SESSION_LABEL, ownNonce, peerNonce));
        receiveMac = mac(hmac(sharedKey, SESSION_LABEL, peerNonce, ownNonce));
        state = State.AUTHENTICATED;
        handshakeDeadline.cancel(false);
        if (ctx.pipeline().get(PeerLinkPipeline.HANDSHAKE_LIMIT) != null) {
            ctx.pipeline().remove(PeerLinkPipeline.HANDSHAKE_LIMIT);
        }
        ctx.fireUserEventTriggered(new PeerAuthenticated(peerNode));
    }

    private void readFrame(ChannelHandlerContext ctx, ByteBuf frame) {
        if (frame.readableBytes() < 1 + 8 + MAC_LENGTH) {
            fail(ctx, "frame too short");
            return;
        }
        int bodyLength = frame.readableBytes() - MAC_LENGTH;
        byte[] body = new byte[bodyLength];
        byte[] mac = new byte[MAC_LENGTH];
        frame.readBytes(body).readBytes(mac);
        if (!MessageDigest.isEqual(mac, receiveMac.doFinal(body))) {
            fail(ctx, "a frame failed its MAC (tampered, or not from the peer)");
            return;
        }
        long seq = java.nio.ByteBuffer.wrap(body, 1, 8).getLong();
        if (seq != receiveSeq + 1) {
            fail(ctx, "frame " + seq + " after " + receiveSeq + " (replayed or out of order)");
            return;
        }
        receiveSeq = seq;
        ctx.fireChannelRead(new PeerFrame(body[0] & 0xff, java.util.Arrays.copyOfRange(body, 9, bodyLength)));
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (!(msg instanceof PeerFrame frame)) {
            super.write(ctx, msg, promise);
            return;
        }
        if (state != State.AUTHENTICATED) {
            promise.setFailure(new IllegalStateException("the peer link is not authenticated"));
            return;
        }
        byte[] payload = frame.payload();
        byte[] body = java.nio.ByteBuffer.allocate(9 + payload.length).put((byte) frame.type()).putLong(++sendSeq)
                .put(payload).array();
        ByteBuf out = ctx.alloc().buffer(body.length + MAC_LENGTH);
        out.writeBytes(body).writeBytes(sendMac.doFinal(body));
        ctx.write(out, promise);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(ctx, cause.toString());
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (handshakeDeadline != null) {
            handshakeDeadline.cancel(false);
        }
        super.channelInactive(ctx);
    }

    private void fail(ChannelHandlerContext ctx, String why) {
        if (state != State.FAILED) {
            state = State.FAILED;
            LOG.warn("peer link from {} closed: {}", ctx.channel().remoteAddress(), why);
        }
        ctx.close();
    }

    public boolean isAuthenticated() {
        return state == State.AUTHENTICATED;
    }

    private static Mac mac(byte[] key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    private static byte[] hmac(byte[] key, byte[]... parts) {
        Mac mac = mac(key);
        for (byte[] part : parts) {
            mac.update(part);
        }
        return mac.doFinal();
    }
}
