package io.lvsha.state.sync;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Listens to the kernel's IPVS sync daemon: joins its multicast group on the sync interface and
 * hands every decoded {@link SyncMessage} to a sink. On the master it hears what the kernel
 * sends; on the backup, what arrived. The sink runs on the mirror's own thread and must hand the
 * message to the table's owner. The socket is created in the calling thread's network namespace.
 */
public final class KernelSyncMirror implements AutoCloseable {
    private final EventLoopGroup group;
    static final int RECEIVE_BUFFER_BYTES = 4 << 20;

    private final DatagramChannel channel;
    private final SyncDatagramDecoder decoder;

    private KernelSyncMirror(EventLoopGroup group, DatagramChannel channel, SyncDatagramDecoder decoder) {
        this.group = group;
        this.channel = channel;
        this.decoder = decoder;
    }

    /**
     * @param multicastGroup the sync group (the kernel's default is 224.0.0.81)
     * @param port the sync port (default 8848)
     * @param iface the sync interface ({@code --mcast-interface})
     * @param syncid this node's syncid; 0 takes every sender
     */
    public static KernelSyncMirror start(String multicastGroup, int port, String iface, int syncid,
                                         Consumer<SyncMessage> sink) throws IOException {
        NetworkInterface nif = NetworkInterface.getByName(iface);
        if (nif == null) {
            throw new IOException("no interface named '" + iface + "' for the sync mirror");
        }
        InetAddress groupAddress = InetAddress.getByName(multicastGroup);
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        SyncDatagramDecoder decoder = new SyncDatagramDecoder(syncid);
        try {
            DatagramChannel channel = (DatagramChannel) new Bootstrap()
                    .group(loop)
                    .channelFactory(() -> new NioDatagramChannel(InternetProtocolFamily.IPv4))
                    .option(ChannelOption.SO_REUSEADDR, true)
                    // The kernel flushes its sync buffer in bursts; a default-sized buffer drops the
                    // tail of a burst while the JIT warms up. The kernel caps it at net.core.rmem_max.
                    .option(ChannelOption.SO_RCVBUF, RECEIVE_BUFFER_BYTES)
                    .handler(new ChannelInitializer<DatagramChannel>() {
                        @Override
                        protected void initChannel(DatagramChannel ch) {
                            ch.pipeline().addLast(decoder, new SimpleChannelInboundHandler<SyncMessage>() {
                                @Override
                                protected void channelRead0(ChannelHandlerContext ctx, SyncMessage message) {
                                    sink.accept(message);
                                }
                            });
                        }
                    })
                    .bind(new InetSocketAddress(port)).sync().channel();
            channel.joinGroup(new InetSocketAddress(groupAddress, port), nif).sync();
            return new KernelSyncMirror(loop, channel, decoder);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            loop.shutdownGracefully();
            throw new IOException("interrupted while joining " + multicastGroup, e);
        } catch (RuntimeException e) {
            loop.shutdownGracefully();
            throw new IOException("cannot join the sync group " + multicastGroup + ":" + port + " on " + iface
                    + ": " + e.getMessage(), e);
        }
    }

    /**
     * Takes datagrams only from {@code senders} from now on: the directors' own kernels. The
     * multicast reaches every host on the sync LAN, and anyone there can send to it.
     */
    public void acceptOnlyFrom(Set<InetAddress> senders) {
        decoder.acceptOnlyFrom(senders);
    }

    /** Datagrams and entries the kernel would have dropped, by reason. */
    public Map<SyncDropReason, Long> drops() {
        return decoder.drops();
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
}
