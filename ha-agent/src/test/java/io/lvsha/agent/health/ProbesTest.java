package io.lvsha.agent.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.lvsha.agent.director.CheckSpec;
import io.lvsha.vrrp.IpAddress;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every probe against small servers on loopback: the right answer passes, anything else fails without an exception. */
class ProbesTest {
    private static final long MS = 1_000_000L;
    private static final IpAddress LOCALHOST = IpAddress.parse("127.0.0.1");
    private static EventLoopGroup group;
    private static Probes probes;

    @BeforeAll
    static void start() {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        probes = new Probes(group);
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    static CheckSpec spec(CheckSpec.Type type, String send, String expectRegex, boolean udp, String file, List<String> program) {
        return new CheckSpec(type, 0, send, expectRegex == null ? null : Pattern.compile(expectRegex), udp, file, null, 200,
                program, 1000 * MS, 2000 * MS, 0, 0, 1, 1);
    }

    private static ProbeResult run(CheckSpec spec, int port) throws Exception {
        return probes.probe(spec, LOCALHOST, port).get(10, TimeUnit.SECONDS);
    }

    /** A TCP server on loopback that answers each connection with {@code conversation} on its own thread. */
    private static ServerSocket serve(Function<InputStream, String> conversation) throws IOException {
        ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
        Thread thread = new Thread(() -> {
            while (!server.isClosed()) {
                try (Socket client = server.accept()) {
                    OutputStream out = client.getOutputStream();
                    out.write(conversation.apply(client.getInputStream()).getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    client.shutdownOutput();
                    client.getInputStream().read(new byte[64]);
                } catch (IOException e) {
                    // the test closed the server
                }
            }
        });
        thread.setDaemon(true);
        thread.start();
        return server;
    }

    private static String readLine(InputStream in) {
        StringBuilder line = new StringBuilder();
        try {
            for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
                line.append((char) c);
            }
        } catch (IOException e) {
            return "";
        }
        return line.toString();
    }

    @Test
    void tcpConnectPassesAndARefusedPortFails() throws Exception {
        try (ServerSocket server = serve(in -> "")) {
            assertTrue(run(spec(CheckSpec.Type.TCP, "", null, false, null, null), server.getLocalPort()).ok());
        }
        int closed;
        try (ServerSocket unused = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = unused.getLocalPort();
        }
        ProbeResult refused = run(spec(CheckSpec.Type.TCP, "", null, false, null, null), closed);
        assertFalse(refused.ok());
        assertTrue(refused.detail().startsWith("connect:"), refused.detail());
    }

    @Test
    void sendExpectOverTcpMatchesTheAnswerAndGarbageIsDown() throws Exception {
        try (ServerSocket server = serve(in -> readLine(in).equals("PING") ? "+PONG\r\n" : "-ERR\r\n")) {
            assertTrue(run(spec(CheckSpec.Type.SEND_EXPECT, "PING\n", "^\\+PONG", false, null, null), server.getLocalPort()).ok());
            ProbeResult wrong = run(spec(CheckSpec.Type.SEND_EXPECT, "HELLO\n", "^\\+PONG", false, null, null), server.getLocalPort());
            assertFalse(wrong.ok());
            assertTrue(wrong.detail().startsWith("unexpected answer: -ERR"), wrong.detail());
        }
    }

    @Test
    void sendExpectOverUdp() throws Exception {
        try (DatagramSocket echo = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            Thread thread = new Thread(() -> {
                byte[] buffer = new byte[512];
                try {
                    while (true) {
                        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                        echo.receive(packet);
                        byte[] answer = ("echo:" + new String(buffer, 0, packet.getLength(), StandardCharsets.US_ASCII)).getBytes(StandardCharsets.US_ASCII);
                        echo.send(new DatagramPacket(answer, answer.length, packet.getSocketAddress()));
                    }
                } catch (IOException e) {
                    // closed
                }
            });
            thread.setDaemon(true);
            thread.start();
            assertTrue(run(spec(CheckSpec.Type.SEND_EXPECT, "ping", "echo:ping", true, null, null), echo.getLocalPort()).ok());
            assertFalse(run(spec(CheckSpec.Type.SEND_EXPECT, "ping", "pong", true, null, null), echo.getLocalPort()).ok());
        }
    }

    @Test
    void ftpWantsBanner220() throws Exception {
        try (ServerSocket good = serve(in -> "220 ProFTPD ready\r\n"); ServerSocket busy = serve(in -> "421 Too many users\r\n")) {
            assertTrue(run(spec(CheckSpec.Type.FTP, "", null, false, null, null), good.getLocalPort()).ok());
            ProbeResult refused = run(spec(CheckSpec.Type.FTP, "", null, false, null, null), busy.getLocalPort());
            assertFalse(refused.ok());
            assertTrue(refused.detail().contains("421"), refused.detail());
        }
    }

    @Test
    void httpChecksStatusAndBody() throws Exception {
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/health", exchange -> {
            byte[] body = "status: ok".getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        http.createContext("/broken", exchange -> {
            exchange.sendResponseHeaders(503, -1);
            exchange.close();
        });
        http.start();
        try {
            int port = http.getAddress().getPort();
            assertTrue(run(spec(CheckSpec.Type.HTTP, "", "ok$", false, "/health", null), port).ok());
            assertFalse(run(spec(CheckSpec.Type.HTTP, "", "healthy", false, "/health", null), port).ok());
            assertFalse(run(spec(CheckSpec.Type.HTTP, "", null, false, "/broken", null), port).ok());
        } finally {
            http.stop(0);
        }
        try (ServerSocket garbage = serve(in -> "\u0000\u00ff not http at all\n")) {
            assertFalse(run(spec(CheckSpec.Type.HTTP, "", null, false, "/", null), garbage.getLocalPort()).ok());
        }
    }

    @Test
    void tftpServerAnsweringGarbageIsDown() throws Exception {
        try (DatagramSocket server = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            Thread thread = new Thread(() -> {
                byte[] buffer = new byte[512];
                try {
                    DatagramPacket request = new DatagramPacket(buffer, buffer.length);
                    server.receive(request);
                    byte[] junk = {0x00, 0x09, 0x01};
                    server.send(new DatagramPacket(junk, junk.length, request.getSocketAddress()));
                } catch (IOException e) {
                    // closed
                }
            });
            thread.setDaemon(true);
            thread.start();
            ProbeResult result = run(spec(CheckSpec.Type.TFTP, "", null, true, "pxelinux.0", null), server.getLocalPort());
            assertFalse(result.ok());
            assertTrue(result.detail().contains("not TFTP"), result.detail());
        }
    }

    @Test
    void execPassesPlaceholdersAndAHangingProgramIsKilledAtItsTimeout() throws Exception {
        CheckSpec echo = spec(CheckSpec.Type.EXEC, "", "^127\\.0\\.0\\.1 4242$", false, null, List.of("sh", "-c", "echo %h %p"));
        assertTrue(run(echo, 4242).ok());
        CheckSpec status = spec(CheckSpec.Type.EXEC, "", null, false, null, List.of("sh", "-c", "exit 3"));
        assertEquals("exit 3", run(status, 1).detail());
        CheckSpec hang = new CheckSpec(CheckSpec.Type.EXEC, 0, "", null, false, null, null, 200,
                List.of("sh", "-c", "sleep 30; echo late"), 1000 * MS, 300 * MS, 0, 0, 1, 1);
        long started = System.nanoTime();
        ProbeResult killed = run(hang, 1);
        assertFalse(killed.ok());
        assertTrue(killed.detail().contains("killed after 300 ms"), killed.detail());
        assertTrue(System.nanoTime() - started < 10_000 * MS, "the hung program did not hold the probe");
    }
}
