package io.lvsha.agent.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.PeerCredentials;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.string.StringDecoder;
import io.netty.handler.codec.string.StringEncoder;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local admin socket: a Unix domain socket served by Netty's epoll transport on its own thread,
 * so that no client, however slow or hostile, can delay the HA loop.
 *
 * <p>Access: the socket's directory is 0750 and the socket 0600 (0660 with the configured group);
 * on top of that every connection's peer credentials are checked: root, or a member of the group.
 * Framing: one line per request, at most 64 KiB, "\n" only; a longer line is read to its end
 * (without being kept), answered with an error, and the connection closed, so that a client that
 * writes the whole line before it reads still gets the answer. A client that sends nothing for
 * {@value #IDLE_SECONDS} s is closed. At most {@value #MAX_CLIENTS} clients are connected at once;
 * a new one beyond that takes the place of the client idle longest (neither following events nor
 * waiting for an answer), so that a crowd of idle clients cannot keep an operator's request out.
 * Every session lives on the server's one event-loop thread, which is what makes the registry of
 * clients safe without locks.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);
    static final int MAX_LINE = 64 * 1024;
    static final int IDLE_SECONDS = 10;
    static final int MAX_CLIENTS = 32;

    private final Path socket;
    private final EventLoopGroup group;
    private final Channel server;

    private AdminServer(Path socket, EventLoopGroup group, Channel server) {
        this.socket = socket;
        this.group = group;
        this.server = server;
    }

    /**
     * @param allowedGid a group allowed besides root, or -1
     * @param groupName that group's name (for file ownership), or null
     */
    public static AdminServer start(Path socket, int allowedGid, String groupName, AdminCommands commands)
            throws IOException {
        Path dir = socket.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-x---"));
        Files.deleteIfExists(socket);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        Set<Session> clients = new LinkedHashSet<>();
        try {
            Channel server = new ServerBootstrap()
                    .group(group)
                    .channel(EpollServerDomainSocketChannel.class)
                    .childHandler(new ChannelInitializer<EpollDomainSocketChannel>() {
                        @Override
                        protected void initChannel(EpollDomainSocketChannel channel) {
                            channel.pipeline().addLast(
                                    new IdleStateHandler(IDLE_SECONDS, 0, 0, TimeUnit.SECONDS),
                                    new LineBasedFrameDecoder(MAX_LINE, true, false),
                                    new StringDecoder(StandardCharsets.UTF_8),
                                    new StringEncoder(StandardCharsets.UTF_8),
                                    new Session(commands, allowedGid, clients));
                        }
                    })
                    .bind(new DomainSocketAddress(socket.toString())).sync().channel();
            if (groupName != null) {
                GroupPrincipal principal = socket.getFileSystem().getUserPrincipalLookupService()
                        .lookupPrincipalByGroupName(groupName);
                Files.setAttribute(dir, "posix:group", principal);
                Files.setAttribute(socket, "posix:group", principal);
            }
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString(groupName == null ? "rw-------" : "rw-rw----"));
            return new AdminServer(socket, group, server);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            group.shutdownGracefully();
            throw new IOException("interrupted while binding " + socket, e);
        } catch (RuntimeException | IOException e) {
            group.shutdownGracefully();
            throw new IOException("cannot serve the admin socket " + socket + ": " + e.getMessage(), e);
        }
    }

    /** One client connection. */
    private static final class Session extends SimpleChannelInboundHandler<String> {
        private final AdminCommands commands;
        private final int allowedGid;
        /** The connected clients, the one active longest ago first. Event-loop thread only. */
        private final Set<Session> clients;
        private Consumer<String> follower;
        private ChannelHandlerContext context;
        private int awaitingReplies;

        Session(AdminCommands commands, int allowedGid, Set<Session> clients) {
            this.commands = commands;
            this.allowedGid = allowedGid;
            this.clients = clients;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            PeerCredentials peer = ((EpollDomainSocketChannel) ctx.channel()).peerCredentials();
            if (!allowed(peer)) {
                LOG.warn("admin connection refused: uid {} gid {} (pid {}) is neither root nor in the admin group",
                        peer.uid(), peer.gids().length > 0 ? peer.gids()[0] : -1, peer.pid());
                refuse(ctx, "forbidden", "only root or members of the configured admin group may use this socket");
                return;
            }
            if (clients.size() >= MAX_CLIENTS && !makeRoom()) {
                refuse(ctx, "too-many-clients", MAX_CLIENTS + " clients are following events or awaiting answers; try again");
                return;
            }
            context = ctx;
            clients.add(this);
            super.channelActive(ctx);
        }

        /** Closes the client idle longest, if one is; false when every client is busy. */
        private boolean makeRoom() {
            for (Session client : clients) {
                if (client.follower == null && client.awaitingReplies == 0) {
                    clients.remove(client);
                    refuse(client.context, "evicted", "more than " + MAX_CLIENTS + " clients at once: the one idle longest"
                            + " makes room for a new one");
                    return true;
                }
            }
            return false;
        }

        /** Moves this client to the end of the registry: the last to be evicted. */
        private void active() {
            if (clients.remove(this)) {
                clients.add(this);
            }
        }

        private boolean allowed(PeerCredentials peer) {
            if (peer.uid() == 0) {
                return true;
            }
            for (int gid : peer.gids()) {
                if (allowedGid >= 0 && gid == allowedGid) {
                    return true;
                }
            }
            return false;
        }

        private static void refuse(ChannelHandlerContext ctx, String code, String message) {
            ctx.writeAndFlush(AdminCommands.error(code, message) + "\n").addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, String line) {
            active();
            AdminCommands.Request request;
            try {
                request = AdminCommands.parse(line);
            } catch (AdminException e) {
                ctx.writeAndFlush(AdminCommands.error(e.code(), e.getMessage()) + "\n");
                return;
            }
            awaitingReplies++;
            commands.execute(request, ctx.executor()).thenAccept(reply -> {
                awaitingReplies--;
                ctx.writeAndFlush(reply + "\n");
                if (request.follow() && reply.startsWith("{\"ok\":true")) {
                    startFollowing(ctx);
                }
            });
        }

        /** Streams every later event; a follower sends nothing more, so it is exempt from the idle close. */
        private void startFollowing(ChannelHandlerContext ctx) {
            ctx.executor().execute(() -> {
                if (ctx.pipeline().get(IdleStateHandler.class) != null) {
                    ctx.pipeline().remove(IdleStateHandler.class);
                }
                follower = line -> ctx.writeAndFlush(line + "\n");
                commands.follow(follower);
            });
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
            if (event instanceof IdleStateEvent) {
                refuse(ctx, "idle", "nothing received for " + IDLE_SECONDS + " s; closing");
                return;
            }
            super.userEventTriggered(ctx, event);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof TooLongFrameException) {
                refuse(ctx, "line-too-long", "a request line is at most " + MAX_LINE + " bytes");
            } else {
                LOG.debug("admin connection failed: {}", cause.toString());
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            if (follower != null) {
                commands.unfollow(follower);
            }
            clients.remove(this);
            super.channelInactive(ctx);
        }
    }

    /**
     * Sends each request through the socket as a client would and reads its reply: the first
     * request an agent serves loads Jackson's and Netty's request path (146 ms measured), which an
     * operator's first switchover after a start must not wait for.
     * Also proves the socket answers; a failure is logged, not thrown.
     */
    public void warmUp(java.util.List<String> requests) {
        try (java.nio.channels.SocketChannel client = java.nio.channels.SocketChannel.open(
                java.net.UnixDomainSocketAddress.of(socket))) {
            java.io.BufferedReader replies = new java.io.BufferedReader(new java.io.InputStreamReader(
                    java.nio.channels.Channels.newInputStream(client), StandardCharsets.UTF_8));
            for (String request : requests) {
                client.write(java.nio.ByteBuffer.wrap((request + "\n").getBytes(StandardCharsets.UTF_8)));
                if (replies.readLine() == null) {
                    throw new IOException("closed without a reply to " + request);
                }
            }
        } catch (IOException e) {
            LOG.error("the admin socket {} does not answer: {}", socket, e.getMessage());
        }
    }

    @Override
    public void close() {
        server.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            LOG.warn("cannot remove {}: {}", socket, e.getMessage());
        }
    }
}
