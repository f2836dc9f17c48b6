package io.lvsha.state.peer;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First on a peer-link connection until it is authenticated: an unauthenticated sender may send
 * only the handshake's few hundred bytes. Without it the framer below would buffer a claimed
 * 1 MiB frame for anyone who connects: 65 such connections filled the agent's direct memory in a
 * lab attack. {@link PeerAuthHandler} removes it once the peer has proved the key.
 */
final class HandshakeLimit extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(HandshakeLimit.class);
    /**
     * A challenge (at most 4 + 2 + 255 + 32 bytes) and a proof (4 + 33), plus the peer's hello,
     * which can come in the same read as its proof.
     */
    static final int MAX_BYTES = 4096;

    private int received;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        received += ((ByteBuf) msg).readableBytes();
        if (received > MAX_BYTES) {
            ReferenceCountUtil.release(msg);
            LOG.warn("peer link from {} closed: {} bytes before authentication (the handshake takes at most {})",
                    ctx.channel().remoteAddress(), received, MAX_BYTES);
            ctx.close();
            return;
        }
        ctx.fireChannelRead(msg);
    }
}
