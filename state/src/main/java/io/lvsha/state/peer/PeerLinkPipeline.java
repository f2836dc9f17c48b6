package io.lvsha.state.peer;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import java.security.SecureRandom;

/** Puts the peer link's framing and authentication on a channel, one job per handler. */
public final class PeerLinkPipeline {
    /** A frame larger than this is a confused or hostile peer: one exception, the link closed. */
    public static final int MAX_FRAME = 1 << 20;

    /** The name of the {@link HandshakeLimit}, which authentication removes. */
    static final String HANDSHAKE_LIMIT = "handshake-limit";

    private PeerLinkPipeline() {
    }

    public static void install(ChannelPipeline pipeline, String ownNode, byte[] sharedKey, SecureRandom random) {
        install(pipeline, ownNode, sharedKey, random, PeerAuthHandler.HANDSHAKE_DEADLINE_MILLIS);
    }

    static void install(ChannelPipeline pipeline, String ownNode, byte[] sharedKey, SecureRandom random,
                        long handshakeDeadlineMillis) {
        pipeline.addLast(HANDSHAKE_LIMIT, new HandshakeLimit());
        pipeline.addLast("framer", new LengthFieldBasedFrameDecoder(MAX_FRAME, 0, 4, 0, 4, true));
        pipeline.addLast("prepender", new LengthFieldPrepender(4));
        pipeline.addLast("auth", new PeerAuthHandler(ownNode, sharedKey, random, handshakeDeadlineMillis));
    }
}
