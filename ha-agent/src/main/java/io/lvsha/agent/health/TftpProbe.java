package io.lvsha.agent.health;

import io.lvsha.agent.director.CheckSpec;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Reads a file over TFTP (RFC 1350, octet mode, 512-byte blocks) as a PXE client would, and
 * compares its SHA-256: a TFTP server that answers but serves the wrong file is down.
 */
final class TftpProbe extends SimpleChannelInboundHandler<DatagramPacket> {
    private static final int OP_RRQ = 1;
    private static final int OP_DATA = 3;
    private static final int OP_ACK = 4;
    private static final int OP_ERROR = 5;
    private static final int BLOCK = 512;
    /** A health check reads small files; anything bigger is refused rather than downloaded every interval. */
    private static final long MAX_FILE = 16L * 1024 * 1024;

    private final CheckSpec spec;
    private final CompletableFuture<ProbeResult> result;
    private final MessageDigest sha256;
    private InetSocketAddress transferPeer;
    private int expectedBlock = 1;
    private long received;

    private TftpProbe(CheckSpec spec, CompletableFuture<ProbeResult> result) {
        this.spec = spec;
        this.result = result;
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    static CompletableFuture<ProbeResult> start(EventLoopGroup group, InetSocketAddress server, CheckSpec spec) {
        CompletableFuture<ProbeResult> result = new CompletableFuture<>();
        long timeoutMillis = TimeUnit.NANOSECONDS.toMillis(spec.probeTimeoutNanos());
        new Bootstrap().group(group).channel(NioDatagramChannel.class).handler(new TftpProbe(spec, result))
                .bind(0).addListener((ChannelFutureListener) bound -> {
                    if (!bound.isSuccess()) {
                        result.complete(ProbeResult.failed(bound.cause().getMessage()));
                        return;
                    }
                    Channel channel = bound.channel();
                    byte[] name = spec.file().getBytes(StandardCharsets.US_ASCII);
                    ByteBuf request = channel.alloc().buffer(name.length + 10);
                    request.writeShort(OP_RRQ).writeBytes(name).writeByte(0)
                            .writeBytes("octet".getBytes(StandardCharsets.US_ASCII)).writeByte(0);
                    channel.writeAndFlush(new DatagramPacket(request, server));
                    channel.eventLoop().schedule(() -> Probes.finish(channel, result,
                            ProbeResult.failed("transfer not finished in " + timeoutMillis + " ms")), timeoutMillis, TimeUnit.MILLISECONDS);
                });
        return result;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext context, DatagramPacket packet) {
        ByteBuf data = packet.content();
        if (data.readableBytes() < 4) {
            Probes.finish(context.channel(), result, ProbeResult.failed("a " + data.readableBytes() + "-byte packet is not TFTP"));
            return;
        }
        if (transferPeer != null && !transferPeer.equals(packet.sender())) {
            return; // RFC 1350: a packet from another TID is not ours (the server would get an ERROR 5)
        }
        int opcode = data.readUnsignedShort();
        int block = data.readUnsignedShort();
        if (opcode == OP_ERROR) {
            String message = data.toString(StandardCharsets.US_ASCII).replace("\0", "");
            Probes.finish(context.channel(), result, ProbeResult.failed("TFTP error " + block + ": " + message));
            return;
        }
        if (opcode != OP_DATA) {
            Probes.finish(context.channel(), result, ProbeResult.failed("TFTP opcode " + opcode + " where DATA was due"));
            return;
        }
        transferPeer = packet.sender();
        if (block == expectedBlock) {
            int length = data.readableBytes();
            received += length;
            if (received > MAX_FILE) {
                Probes.finish(context.channel(), result, ProbeResult.failed("file larger than " + MAX_FILE + " bytes"));
                return;
            }
            byte[] bytes = new byte[length];
            data.readBytes(bytes);
            sha256.update(bytes);
            expectedBlock = (expectedBlock + 1) & 0xffff;
            ack(context, block);
            if (length < BLOCK) {
                String digest = HexFormat.of().formatHex(sha256.digest());
                boolean matches = spec.expectSha256() == null || spec.expectSha256().equals(digest);
                Probes.finish(context.channel(), result, matches ? ProbeResult.ok(spec.file() + ": " + received + " bytes")
                        : ProbeResult.failed(spec.file() + ": content differs (sha256 " + digest.substring(0, 12) + "...)"));
            }
        } else if (block == ((expectedBlock - 1) & 0xffff)) {
            ack(context, block); // our ACK was lost: acknowledge the repeat
        }
    }

    private void ack(ChannelHandlerContext context, int block) {
        ByteBuf ack = context.alloc().buffer(4).writeShort(OP_ACK).writeShort(block);
        context.writeAndFlush(new DatagramPacket(ack, transferPeer));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
        Probes.finish(context.channel(), result, ProbeResult.failed(cause.getMessage()));
    }
}
