package io.lvsha.agent.health;

import io.lvsha.agent.director.CheckSpec;
import io.lvsha.vrrp.IpAddress;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The probes, asynchronous on one Netty event loop: no thread and no process per check (exec
 * aside). Each completes exactly once, with a failure at its deadline at the latest; bad answers
 * are failures, never exceptions.
 */
public final class Probes {
    /** A probe reads at most this much: a server that answers without end is down, not a memory leak. */
    static final int MAX_ANSWER = 64 * 1024;

    private final EventLoopGroup group;

    public Probes(EventLoopGroup group) {
        this.group = group;
    }

    /** Probes {@code address:port} as {@code spec} says. */
    public CompletableFuture<ProbeResult> probe(CheckSpec spec, IpAddress address, int port) {
        InetSocketAddress target = new InetSocketAddress(inet(address), port);
        return switch (spec.type()) {
            case TCP -> tcp(target, spec, "", text -> Verdict.PASS, text -> Verdict.FAIL);
            case SEND_EXPECT -> spec.udp() ? udpSendExpect(target, spec) : tcp(target, spec, spec.send(),
                    text -> spec.expect() == null || spec.expect().matcher(text).find() ? Verdict.PASS : Verdict.MORE,
                    text -> Verdict.FAIL);
            case FTP -> tcp(target, spec, "", Probes::ftpBanner, text -> Verdict.FAIL);
            case HTTP -> tcp(target, spec, "GET " + spec.file() + " HTTP/1.0\r\nHost: " + address + "\r\nConnection: close\r\n\r\n",
                    text -> Verdict.MORE, text -> httpVerdict(text, spec));
            case TFTP -> TftpProbe.start(group, target, spec);
            case EXEC -> ExecProbe.start(group, spec, address, port);
        };
    }

    enum Verdict { PASS, FAIL, MORE }

    private static Verdict ftpBanner(String text) {
        int newline = text.indexOf('\n');
        if (newline < 0) {
            return Verdict.MORE;
        }
        return text.startsWith("220") ? Verdict.PASS : Verdict.FAIL;
    }

    private static Verdict httpVerdict(String text, CheckSpec spec) {
        String[] statusLine = text.split("\r?\n", 2)[0].split(" ");
        if (statusLine.length < 2 || !statusLine[0].startsWith("HTTP/")) {
            return Verdict.FAIL;
        }
        boolean status = statusLine[1].equals(Integer.toString(spec.expectStatus()));
        int bodyAt = text.indexOf("\r\n\r\n");
        String body = bodyAt < 0 ? "" : text.substring(bodyAt + 4);
        return status && (spec.expect() == null || spec.expect().matcher(body).find()) ? Verdict.PASS : Verdict.FAIL;
    }

    /**
     * A TCP conversation: connect, send, judge what has arrived after each read and at the close.
     * A passing FTP conversation says QUIT before it closes.
     */
    private CompletableFuture<ProbeResult> tcp(InetSocketAddress target, CheckSpec spec, String send,
                                               Function<String, Verdict> onData, Function<String, Verdict> onClose) {
        CompletableFuture<ProbeResult> result = new CompletableFuture<>();
        StringBuilder answer = new StringBuilder();
        long timeoutMillis = TimeUnit.NANOSECONDS.toMillis(spec.probeTimeoutNanos());
        Bootstrap bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, timeoutMillis))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        channel.pipeline().addLast(new SimpleChannelInboundHandler<ByteBuf>() {
                            @Override
                            public void channelActive(ChannelHandlerContext context) {
                                boolean connectOnly = spec.type() == CheckSpec.Type.TCP
                                        || spec.type() == CheckSpec.Type.SEND_EXPECT && send.isEmpty() && spec.expect() == null;
                                if (connectOnly) {
                                    finish(context.channel(), result, ProbeResult.ok("connected"));
                                } else if (!send.isEmpty()) {
                                    context.writeAndFlush(Unpooled.copiedBuffer(send, StandardCharsets.ISO_8859_1));
                                }
                            }

                            @Override
                            protected void channelRead0(ChannelHandlerContext context, ByteBuf data) {
                                if (answer.length() + data.readableBytes() > MAX_ANSWER) {
                                    finish(context.channel(), result, ProbeResult.failed("answer longer than " + MAX_ANSWER + " bytes"));
                                    return;
                                }
                                answer.append(data.toString(StandardCharsets.ISO_8859_1));
                                Verdict verdict = onData.apply(answer.toString());
                                if (verdict == Verdict.PASS && spec.type() == CheckSpec.Type.FTP) {
                                    context.writeAndFlush(Unpooled.copiedBuffer("QUIT\r\n", StandardCharsets.US_ASCII));
                                }
                                if (verdict != Verdict.MORE) {
                                    finish(context.channel(), result, verdict == Verdict.PASS ? ProbeResult.ok(firstLine(answer))
                                            : ProbeResult.failed("unexpected answer: " + firstLine(answer)));
                                }
                            }

                            @Override
                            public void channelInactive(ChannelHandlerContext context) {
                                Verdict verdict = onClose.apply(answer.toString());
                                result.complete(verdict == Verdict.PASS ? ProbeResult.ok(firstLine(answer))
                                        : ProbeResult.failed(answer.length() == 0 ? "closed without an answer"
                                        : "unexpected answer: " + firstLine(answer)));
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
                                finish(context.channel(), result, ProbeResult.failed(cause.getMessage()));
                            }
                        });
                    }
                });
        bootstrap.connect(target).addListener((ChannelFutureListener) connect -> {
            if (!connect.isSuccess()) {
                result.complete(ProbeResult.failed("connect: " + connect.cause().getMessage()));
                return;
            }
            Channel channel = connect.channel();
            channel.eventLoop().schedule(() -> finish(channel, result,
                    ProbeResult.failed("no answer in " + timeoutMillis + " ms" + (answer.length() > 0 ? " (got: " + firstLine(answer) + ")" : ""))),
                    timeoutMillis, TimeUnit.MILLISECONDS);
        });
        return result;
    }

    private CompletableFuture<ProbeResult> udpSendExpect(InetSocketAddress target, CheckSpec spec) {
        CompletableFuture<ProbeResult> result = new CompletableFuture<>();
        long timeoutMillis = TimeUnit.NANOSECONDS.toMillis(spec.probeTimeoutNanos());
        Bootstrap bootstrap = new Bootstrap().group(group).channel(NioDatagramChannel.class)
                .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext context, DatagramPacket packet) {
                        String answer = packet.content().toString(StandardCharsets.ISO_8859_1);
                        boolean matches = spec.expect() == null || spec.expect().matcher(answer).find();
                        finish(context.channel(), result, matches ? ProbeResult.ok(firstLine(answer))
                                : ProbeResult.failed("unexpected answer: " + firstLine(answer)));
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
                        // ICMP port unreachable shows up here as a refused connection.
                        finish(context.channel(), result, ProbeResult.failed(cause.getMessage()));
                    }
                });
        bootstrap.connect(target).addListener((ChannelFutureListener) bound -> {
            if (!bound.isSuccess()) {
                result.complete(ProbeResult.failed(bound.cause().getMessage()));
                return;
            }
            Channel channel = bound.channel();
            channel.writeAndFlush(Unpooled.copiedBuffer(spec.send(), StandardCharsets.ISO_8859_1));
            channel.eventLoop().schedule(() -> finish(channel, result, ProbeResult.failed("no answer in " + timeoutMillis + " ms")),
                    timeoutMillis, TimeUnit.MILLISECONDS);
        });
        return result;
    }

    static void finish(Channel channel, CompletableFuture<ProbeResult> result, ProbeResult outcome) {
        result.complete(outcome);
        channel.close();
    }

    static String firstLine(CharSequence text) {
        String line = text.toString().split("\r?\n", 2)[0];
        return line.length() > 80 ? line.substring(0, 80) + "..." : line;
    }

    static InetAddress inet(IpAddress address) {
        try {
            return InetAddress.getByAddress(address.toBytes());
        } catch (UnknownHostException e) {
            throw new IllegalStateException("a 4- or 16-byte address is always valid", e);
        }
    }
}
