package io.lvsha.state.peer;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import java.security.SecureRandom;

/** Puts the peer link's framing and authentication on a channel, one job per handler. */
public final class PeerLinkPipeline {
    /** A frame larger than this is a confused or hostile peer: one exception, the link closed. */
    public static final int MAX_FRAME = 1 << 20;

    private PeerLinkPipeline() {
    }

    public static void install(ChannelPipeline pipeline, String ownNode, byte[] sharedKey, SecureRandom random) {
        pipeline.addLast("framer", new LengthFieldBasedFrameDecoder(MAX_FRAME, 0, 4, 0, 4, true));
        pipeline.addLast("prepender", new LengthFieldPrepender(4));
        pipeline.addLast("auth", new PeerAuthHandler(ownNode, sharedKey, random));
    }
}
