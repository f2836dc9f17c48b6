package io.lvsha.state.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvsha.netns.Netns;
import io.lvsha.netns.NetnsTest;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Two agents' peer links over a veth between two namespaces, on real TCP sockets. */
@NetnsTest
class PeerLinkNetnsTest {
    private static final byte[] KEY = "peer-link key of the director pair".getBytes(StandardCharsets.US_ASCII);
    private static final InetSocketAddress D1 = new InetSocketAddress("192.168.60.11", 7311);

    private Netns n1;
    private Netns n2;
    private PeerLink listener;
    private PeerLink connector;

    /** Records what a link reports. */
    private static class Events implements PeerLink.Listener {
        final BlockingQueue<Object> seen = new LinkedBlockingQueue<>();
        final BlockingQueue<Thread> frameThreads = new LinkedBlockingQueue<>();

        @Override
        public void up(Hello peer) {
            seen.add(peer);
        }

        @Override
        public void frame(PeerFrame frame) {
            frameThreads.add(Thread.currentThread());
            seen.add(frame);
        }

        @Override
        public void down(String why) {
            seen.add("down: " + why);
        }

        Object next() throws InterruptedException {
            return seen.poll(10, TimeUnit.SECONDS);
        }
    }

    @BeforeEach
    void setUp() {
        n1 = Netns.create("peer1");
        n2 = Netns.create("peer2");
        Netns.link(n1, "priv0", n2, "priv0");
        n1.exec("ip", "addr", "add", "192.168.60.11/24", "dev", "priv0");
        n2.exec("ip", "addr", "add", "192.168.60.12/24", "dev", "priv0");
    }

    @AfterEach
    void tearDown() {
        if (connector != null) {
            connector.close();
        }
        if (listener != null) {
            listener.close();
        }
        n1.close();
        n2.close();
    }

    @Test
    void linkComesUpWithBothHellosCarriesFramesAndNoticesADeadPeerAtOnce() throws Exception {
        Events d1 = new Events();
        Events d2 = new Events();
        listener = n1.within(() -> PeerLink.listen(new Hello("d1", "lvs-ha 0.1", "digest-a"), KEY, D1, d1));
        connector = n2.within(() -> PeerLink.connect(new Hello("d2", "lvs-ha 0.1", "digest-b"), KEY, D1, d2));
        assertEquals(new Hello("d2", "lvs-ha 0.1", "digest-b"), d1.next());
        assertEquals(new Hello("d1", "lvs-ha 0.1", "digest-a"), d2.next());
        assertTrue(connector.send(new PeerFrame(0x20, new byte[] {42})));
        assertEquals(new PeerFrame(0x20, new byte[] {42}), d1.next());

        long before = System.nanoTime();
        connector.close(); // what the peer's kernel does when its agent dies
        Object down = d1.next();
        assertNotNull(down);
        assertTrue(down.toString().startsWith("down:"), down.toString());
        System.out.printf("peer loss noticed %.1f ms after its close%n", (System.nanoTime() - before) / 1e6);

        Events back = new Events();
        connector = n2.within(() -> PeerLink.connect(new Hello("d2", "lvs-ha 0.1", "digest-b"), KEY, D1, back));
        assertEquals(new Hello("d2", "lvs-ha 0.1", "digest-b"), d1.next());
        assertTrue(listener.isUp());
    }

    /** The thread the agent makes real-time serves the link's frames, on both sides; strangers wait on another. */
    @Test
    void framesArriveOnTheLinkThreadAfterTheHandshake() throws Exception {
        Events d1 = new Events();
        Events d2 = new Events();
        listener = n1.within(() -> PeerLink.listen(new Hello("d1", "v", "x"), KEY, D1, d1));
        connector = n2.within(() -> PeerLink.connect(new Hello("d2", "v", "x"), KEY, D1, d2));
        assertEquals(new Hello("d2", "v", "x"), d1.next());
        assertEquals(new Hello("d1", "v", "x"), d2.next());
        for (int i = 0; i < 3; i++) {
            assertTrue(connector.send(new PeerFrame(0x20, new byte[] {(byte) i})));
            assertTrue(listener.send(new PeerFrame(0x21, new byte[] {(byte) i})));
            assertEquals(new PeerFrame(0x20, new byte[] {(byte) i}), d1.next());
            assertEquals(new PeerFrame(0x21, new byte[] {(byte) i}), d2.next());
        }
        assertEquals(Set.of(linkThreadOf(listener)), Set.copyOf(d1.frameThreads));
        assertEquals(Set.of(linkThreadOf(connector)), Set.copyOf(d2.frameThreads));
    }

    /**
     * The peer's last handshake message and its hello in one read (as a slow reader gets them):
     * the link is declared up only after our own hello left, so a frame the agent sends at once
     * from {@code up} follows our hello on the wire. The peer here is the link's pipeline in an
     * EmbeddedChannel over a plain socket, so that the test decides what shares a segment.
     */
    @Test
    void aHelloThatCameWithTheHandshakeIsAnsweredHelloFirst() throws Exception {
        java.util.concurrent.atomic.AtomicReference<PeerLink> self = new java.util.concurrent.atomic.AtomicReference<>();
        PeerFrame atOnce = new PeerFrame(0x20, new byte[] {7});
        Events d1 = new Events() {
            @Override
            public void up(Hello peer) {
                super.up(peer);
                self.get().send(atOnce); // what the agent does: a resync request as soon as the peer is up
            }
        };
        listener = n1.within(() -> PeerLink.listen(new Hello("d1", "v", "x"), KEY, D1, d1));
        self.set(listener);
        io.netty.channel.embedded.EmbeddedChannel peer = new io.netty.channel.embedded.EmbeddedChannel();
        PeerLinkPipeline.install(peer.pipeline(), "d2", KEY, new java.security.SecureRandom());
        List<Object> received = new ArrayList<>();
        boolean[] authenticated = {false};
        peer.pipeline().addLast(new io.netty.channel.ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                received.add(msg);
            }

            @Override
            public void userEventTriggered(io.netty.channel.ChannelHandlerContext ctx, Object event) {
                authenticated[0] |= event instanceof PeerAuthenticated;
            }
        });
        try (Socket socket = n2.within(() -> new Socket(D1.getAddress(), D1.getPort()))) {
            socket.setSoTimeout(10_000);
            peer.pipeline().fireChannelActive();
            socket.getOutputStream().write(outbound(peer)); // our challenge
            byte[] held = new byte[0];
            while (!authenticated[0]) { // our proof is held back until d1's proof has come
                feed(peer, socket);
                held = concat(held, outbound(peer));
            }
            peer.writeAndFlush(new Hello("d2", "v", "x").toFrame());
            socket.getOutputStream().write(concat(held, outbound(peer))); // proof and hello in one segment
            while (received.size() < 2) {
                feed(peer, socket);
            }
        }
        assertEquals(new Hello("d2", "v", "x"), d1.next());
        assertEquals(new Hello("d1", "v", "x"), Hello.fromFrame((PeerFrame) received.get(0)), "our hello first");
        assertEquals(atOnce, received.get(1));
    }

    private static void feed(io.netty.channel.embedded.EmbeddedChannel peer, Socket socket) throws java.io.IOException {
        byte[] buffer = new byte[4096];
        int length = socket.getInputStream().read(buffer);
        assertTrue(length > 0, "the listener closed the connection");
        peer.writeInbound(io.netty.buffer.Unpooled.copiedBuffer(buffer, 0, length));
    }

    private static byte[] outbound(io.netty.channel.embedded.EmbeddedChannel peer) {
        byte[] all = new byte[0];
        io.netty.buffer.ByteBuf part;
        while ((part = peer.readOutbound()) != null) {
            byte[] bytes = new byte[part.readableBytes()];
            part.readBytes(bytes);
            part.release();
            all = concat(all, bytes);
        }
        return all;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    private static Thread linkThreadOf(PeerLink link) throws InterruptedException {
        BlockingQueue<Thread> thread = new LinkedBlockingQueue<>();
        link.runOnLinkThread(() -> thread.add(Thread.currentThread()));
        return thread.poll(10, TimeUnit.SECONDS);
    }

    /**
     * The peer dies without closing its connection (its FIN never leaves: a power cut, a killed
     * VM) and comes back: its new connection replaces the old one at once, and the old one's end
     * reports no loss over the new link (UML: the returning director's resync answers went to the
     * dead connection, and its late close cleared the new one).
     */
    @Test
    void aPeerThatDiedWithoutClosingReplacesItsOldConnectionWhenItComesBack() throws Exception {
        Events d1 = new Events();
        listener = n1.within(() -> PeerLink.listen(new Hello("d1", "v", "x"), KEY, D1, d1));
        connector = n2.within(() -> PeerLink.connect(new Hello("d2", "v", "1"), KEY, D1, new Events()));
        assertEquals(new Hello("d2", "v", "1"), d1.next());
        n2.exec("ip", "link", "set", "priv0", "down");
        connector.close(); // its FIN cannot leave,
        n2.exec("ss", "-K", "dst", "192.168.60.11", "dport", "=", "7311"); // and its socket is gone: d1 holds a dead connection
        n2.exec("ip", "link", "set", "priv0", "up");
        Events back = new Events();
        connector = n2.within(() -> PeerLink.connect(new Hello("d2", "v", "2"), KEY, D1, back));
        Object next = d1.next();
        if (next instanceof String down) {
            assertTrue(down.startsWith("down:"), down); // the old one's end, reported before the new one is up
            next = d1.next();
        }
        assertEquals(new Hello("d2", "v", "2"), next, "the returning peer is up");
        assertEquals(new Hello("d1", "v", "x"), back.next());
        assertTrue(listener.send(new PeerFrame(0x20, new byte[] {9})), "d1 sends over the new connection");
        assertEquals(new PeerFrame(0x20, new byte[] {9}), back.next());
        assertNull(d1.seen.poll(1, TimeUnit.SECONDS), "no loss reported after the new link is up");
        assertTrue(listener.isUp());
    }

    @Test
    void aPeerWithTheWrongKeyNeverComesUp() throws Exception {
        Events d1 = new Events();
        Events intruder = new Events();
        listener = n1.within(() -> PeerLink.listen(new Hello("d1", "v", "x"), KEY, D1, d1));
        connector = n2.within(() -> PeerLink.connect(new Hello("d2", "v", "x"),
                "not the key of this director pair".getBytes(StandardCharsets.US_ASCII), D1, intruder));
        assertNull(d1.seen.poll(2, TimeUnit.SECONDS));
        assertNull(intruder.seen.poll(100, TimeUnit.MILLISECONDS));
        assertFalse(listener.isUp());
        assertFalse(connector.send(new PeerFrame(1, new byte[] {1})));
    }

    /**
     * 50 strangers connect first, each with a frame that claims 1 MiB and never ends; the peer
     * (from the same address) still comes up, long before the strangers' handshake deadline (set
     * to a minute here, so that only eviction can let it in), and all but the few strangers a
     * source may keep are closed.
     */
    @Test
    void aCrowdOfUnauthenticatedConnectionsCannotKeepThePeerOut() throws Exception {
        Events d1 = new Events();
        listener = n1.within(() -> PeerLink.listen(new Hello("d1", "v", "x"), KEY, D1, Set.of(), d1, 60_000));
        List<Socket> strangers = new ArrayList<>();
        try {
            for (int i = 0; i < 50; i++) {
                Socket stranger = n2.within(() -> new Socket(D1.getAddress(), D1.getPort()));
                stranger.getOutputStream().write(new byte[] {0, 15, (byte) 255, (byte) 248, 1, 2, 3}); // 1 MiB - 8 claimed, 3 sent
                strangers.add(stranger);
            }
            Events d2 = new Events();
            connector = n2.within(() -> PeerLink.connect(new Hello("d2", "v", "x"), KEY, D1, d2));
            assertEquals(new Hello("d2", "v", "x"), d1.next(), "the peer came up");
            int closed = 0;
            for (Socket stranger : strangers) {
                stranger.setSoTimeout(1000);
                try {
                    stranger.getInputStream().readAllBytes(); // the server's challenge, then the end of the stream
                    closed++;
                } catch (java.net.SocketTimeoutException stillOpen) {
                    // one of the few the limit leaves, until the handshake's deadline
                } catch (java.io.IOException reset) {
                    closed++;
                }
            }
            assertTrue(closed >= 50 - (PeerConnections.MAX_PER_SOURCE - 1),
                    "at most " + (PeerConnections.MAX_PER_SOURCE - 1) + " strangers beside the peer stay; closed: " + closed);
        } finally {
            for (Socket stranger : strangers) {
                stranger.close();
            }
        }
    }

    @Test
    void anAllowListKeepsOtherAddressesOut() throws Exception {
        Events d1 = new Events();
        listener = n1.within(() -> PeerLink.listen(new Hello("d1", "v", "x"), KEY, D1,
                Set.of(InetAddress.getByName("192.168.60.99")), d1));
        Events d2 = new Events();
        connector = n2.within(() -> PeerLink.connect(new Hello("d2", "v", "x"), KEY, D1, d2));
        assertNull(d1.seen.poll(2, TimeUnit.SECONDS), "192.168.60.12 is not allowed");
        connector.close();
        listener.close();
        listener = n1.within(() -> PeerLink.listen(new Hello("d1", "v", "x"), KEY, D1,
                Set.of(InetAddress.getByName("192.168.60.12")), d1));
        connector = n2.within(() -> PeerLink.connect(new Hello("d2", "v", "x"), KEY, D1, new Events()));
        assertEquals(new Hello("d2", "v", "x"), d1.next());
    }
}
