package io.lvsha.state.peer;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The TCP link between the two agents, over the private network. One side listens, the other
 * connects and reconnects; every connection is authenticated ({@link PeerAuthHandler}), then each
 * side sends its {@link Hello}. The listener hears the link come up, its frames, and its loss,
 * which is quick when the peer agent dies: its kernel closes the connection at once.
 *
 * <p>Two threads: connections are accepted and authenticated on one, and the authenticated link
 * moves to the other, which serves nothing else. So the agent can give the link a real-time
 * thread ({@link #runOnLinkThread}) without lending it to a crowd of strangers on the private LAN.
 * Callbacks run on the link's thread (the hello, rarely, on the handshake's).
 */
public final class PeerLink implements AutoCloseable {
    /** What the agent learns from the link. */
    public interface Listener {
        /** The peer proved the key and said hello. */
        void up(Hello peer);

        /** A frame after the hello. */
        void frame(PeerFrame frame);

        /** A link that was up is gone (the peer closed it, the network, a failed check). */
        void down(String why);
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PeerLink.class);
    private static final long RECONNECT_MILLIS = 500;

    private final EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final EventLoopGroup linkLoop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Hello own;
    private final byte[] key;
    private final Listener listener;
    private final SecureRandom random = new SecureRandom();
    private volatile Channel active;
    private volatile boolean closed;
    private Channel server;

    private final long handshakeDeadlineMillis;

    private PeerLink(Hello own, byte[] key, Listener listener, long handshakeDeadlineMillis) {
        this.handshakeDeadlineMillis = handshakeDeadlineMillis;
        this.own = own;
        this.key = key.clone();
        this.listener = listener;
    }

    /** Listens on {@code local} for the peer from any address; see {@link #listen(Hello, byte[], InetSocketAddress, Set, Listener)}. */
    public static PeerLink listen(Hello own, byte[] key, InetSocketAddress local, Listener listener) throws IOException {
        return listen(own, key, local, Set.of(), listener);
    }

    /**
     * Listens on {@code local} for the peer (one peer at a time), admitting connections as
     * {@link PeerConnections} does. The socket is made in the calling thread's namespace.
     *
     * @param allowed the only addresses the peer may connect from; empty for any
     */
    public static PeerLink listen(Hello own, byte[] key, InetSocketAddress local, Set<InetAddress> allowed,
                                  Listener listener) throws IOException {
        return listen(own, key, local, allowed, listener, PeerAuthHandler.HANDSHAKE_DEADLINE_MILLIS);
    }

    /** As the public one, with the handshake's deadline chosen (a test's, long enough to tell eviction from expiry). */
    static PeerLink listen(Hello own, byte[] key, InetSocketAddress local, Set<InetAddress> allowed, Listener listener,
                           long handshakeDeadlineMillis) throws IOException {
        PeerLink link = new PeerLink(own, key, listener, handshakeDeadlineMillis);
        PeerConnections connections = new PeerConnections(allowed,
                channel -> channel.pipeline().get(PeerAuthHandler.class) != null
                        && channel.pipeline().get(PeerAuthHandler.class).isAuthenticated());
        try {
            link.server = new ServerBootstrap().group(link.loop).channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            if (connections.admit(channel)) {
                                link.initSession(channel);
                            }
                        }
                    })
                    .bind(local).sync().channel();
            return link;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            link.close();
            throw new IOException("interrupted while binding " + local, e);
        } catch (RuntimeException e) {
            link.close();
            throw new IOException("cannot listen for the peer on " + local + ": " + e.getMessage(), e);
        }
    }

    /** Connects to the peer at {@code remote}, and again after every loss, until closed. */
    public static PeerLink connect(Hello own, byte[] key, InetSocketAddress remote, Listener listener) {
        PeerLink link = new PeerLink(own, key, listener, PeerAuthHandler.HANDSHAKE_DEADLINE_MILLIS);
        link.dial(remote);
        return link;
    }

    private void dial(InetSocketAddress remote) {
        if (closed) {
            return;
        }
        new Bootstrap().group(loop).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 2000)
                .handler(initializer())
                .connect(remote).addListener(future -> {
                    Channel channel = ((io.netty.channel.ChannelFuture) future).channel();
                    channel.closeFuture().addListener(done -> {
                        if (!closed) {
                            loop.schedule(() -> dial(remote), RECONNECT_MILLIS, TimeUnit.MILLISECONDS);
                        }
                    });
                });
    }

    private ChannelInitializer<SocketChannel> initializer() {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(SocketChannel channel) {
                initSession(channel);
            }
        };
    }

    private void initSession(SocketChannel channel) {
        PeerLinkPipeline.install(channel.pipeline(), own.node(), key, random, handshakeDeadlineMillis);
        channel.pipeline().addLast(new Session());
    }

    /** One connection: hello after authentication, then frames up to the listener. */
    private final class Session extends SimpleChannelInboundHandler<PeerFrame> {
        private boolean up;
        /**
         * Frames that came in the same read as the handshake's last message, while the connection
         * moves to the link's thread; null once it is there. They wait so that the peer is
         * declared up only on the link's thread, after our hello: were it declared up on the
         * handshake's thread, frames the agent sends at once could reach the wire before our hello
         * (seen in UML: the peer closed the link on a first frame that was no hello).
         */
        private List<PeerFrame> early;

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
            if (event instanceof PeerAuthenticated) {
                Channel previous = active;
                if (previous != null && previous.isActive()) {
                    // One peer at a time, and this one proved the key: the peer came back, and the old
                    // connection is dead without a FIN (a power cut, a killed VM) or soon will be.
                    LOG.info("peer link: {} connected again while its old connection {} looked alive; the new one"
                            + " replaces it", ctx.channel().remoteAddress(), previous.remoteAddress());
                    previous.close();
                }
                early = new ArrayList<>();
                Channel channel = ctx.channel();
                channel.deregister().addListener(deregistered -> linkLoop.register(channel).addListener(moved -> {
                    if (!moved.isSuccess()) {
                        channel.close();
                        return;
                    }
                    channel.writeAndFlush(own.toFrame());
                    List<PeerFrame> held = early;
                    early = null;
                    held.forEach(frame -> receive(ctx, frame));
                }));
            }
            super.userEventTriggered(ctx, event);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, PeerFrame frame) {
            if (early != null) {
                early.add(frame);
                return;
            }
            receive(ctx, frame);
        }

        private void receive(ChannelHandlerContext ctx, PeerFrame frame) {
            if (!up) {
                try {
                    Hello peer = Hello.fromFrame(frame);
                    up = true;
                    active = ctx.channel();
                    listener.up(peer);
                } catch (IllegalArgumentException e) {
                    LOG.warn("peer link from {} closed: its first frame after the handshake was no hello ({})",
                            ctx.channel().remoteAddress(), e.getMessage());
                    ctx.close();
                }
                return;
            }
            listener.frame(frame);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            // A connection a newer one replaced ends unreported: the link is the newer one.
            if (up && active == ctx.channel()) {
                active = null;
                listener.down(closed ? "closed here" : "the peer closed the connection or it broke");
            }
            super.channelInactive(ctx);
        }
    }

    /** Sends a frame if the link is up. @return whether it was handed to the connection */
    public boolean send(PeerFrame frame) {
        Channel channel = active;
        if (channel == null || !channel.isActive()) {
            return false;
        }
        channel.writeAndFlush(frame);
        return true;
    }

    /** Runs {@code task} on the thread that serves the authenticated link (to set its scheduling). */
    public void runOnLinkThread(Runnable task) {
        linkLoop.execute(task);
    }

    public boolean isUp() {
        Channel channel = active;
        return channel != null && channel.isActive();
    }

    @Override
    public void close() {
        closed = true;
        Channel channel = active;
        if (channel != null) {
            channel.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        }
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
        linkLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
}
