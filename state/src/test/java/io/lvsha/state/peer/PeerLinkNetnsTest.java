package io.lvsha.state.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvsha.netns.Netns;
import io.lvsha.netns.NetnsTest;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
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
    private static final class Events implements PeerLink.Listener {
        final BlockingQueue<Object> seen = new LinkedBlockingQueue<>();

        @Override
        public void up(Hello peer) {
            seen.add(peer);
        }

        @Override
        public void frame(PeerFrame frame) {
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
}
