package io.lvsha.arp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvsha.netns.Netns;
import io.lvsha.netns.NetnsTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@NetnsTest
class AddressManagerNetnsTest {
    private Netns director;
    private AddressManager addresses;

    @BeforeEach
    void setUp() throws Exception {
        director = Netns.create("vipmgr");
        // This kernel has no dummy driver; a veth pair inside the namespace serves as well.
        director.exec("ip", "link", "add", "pub0", "type", "veth", "peer", "name", "pub1");
        director.exec("ip", "link", "set", "pub0", "up");
        director.exec("ip", "link", "set", "pub1", "up");
        addresses = director.within(AddressManager::new);
    }

    @AfterEach
    void tearDown() {
        if (addresses != null) {
            addresses.close();
        }
        director.close();
    }

    @Test
    void addedVipIsSeenByTheKernelAndRemovalTakesItAway() throws Exception {
        InterfaceAddress vip = InterfaceAddress.parse("10.99.0.10/24");
        assertEquals(AddressManager.Outcome.CHANGED, director.within(() -> addresses.add("pub0", vip)));
        assertTrue(director.exec("ip", "-o", "addr", "show", "dev", "pub0").contains("inet 10.99.0.10/24"));
        assertTrue(director.within(() -> addresses.has("pub0", vip.address())));
        assertTrue(director.within(() -> addresses.list("pub0")).contains(vip));

        assertEquals(AddressManager.Outcome.CHANGED, director.within(() -> addresses.remove("pub0", vip)));
        assertFalse(director.exec("ip", "-o", "addr", "show", "dev", "pub0").contains("10.99.0.10"));
        assertFalse(director.within(() -> addresses.has("pub0", vip.address())));
    }

    @Test
    void addingTwiceAndRemovingAnAbsentVipAreNotErrors() throws Exception {
        InterfaceAddress vip = InterfaceAddress.parse("10.99.0.20/32");
        director.within(() -> addresses.add("pub0", vip));
        assertEquals(AddressManager.Outcome.ALREADY_SO, director.within(() -> addresses.add("pub0", vip)));
        director.within(() -> addresses.remove("pub0", vip));
        assertEquals(AddressManager.Outcome.ALREADY_SO, director.within(() -> addresses.remove("pub0", vip)));
    }

    @Test
    void ipv6VipIsUsableAtOnceWithoutDuplicateAddressDetection() throws Exception {
        InterfaceAddress vip = InterfaceAddress.parse("2001:db8::10/64");
        director.within(() -> addresses.add("pub0", vip));
        // Only the VIP's line: the interface's own link-local address is still in DAD, as it should be.
        String shown = director.exec("ip", "-o", "-6", "addr", "show", "dev", "pub0", "to", "2001:db8::10/128");
        assertTrue(shown.contains("2001:db8::10/64"), shown);
        assertTrue(shown.contains("nodad"), shown);
        assertFalse(shown.contains("tentative"), shown);
    }

    /**
     * Issue 14: a VIP the kernel drops by itself unless renewed, so that a crashed agent's VIPs
     * leave. Renewed in place 12 times, it never leaves (the address monitor sees no deletion);
     * left alone, it is gone within its lifetime (plus the kernel's lifetime check, about a second).
     */
    @Test
    void aVipWithALifetimeStaysWhileRenewedAndLeavesByItselfAfter(@TempDir Path dir) throws Exception {
        InterfaceAddress vip = InterfaceAddress.parse("10.99.0.10/24");
        Path monitored = dir.resolve("ip-monitor.out");
        Process monitor = new ProcessBuilder("ip", "-n", director.name(), "monitor", "address").redirectErrorStream(true)
                .redirectOutput(monitored.toFile()).start();
        try {
            Thread.sleep(200); // the monitor subscribes
            assertEquals(AddressManager.Outcome.CHANGED, director.within(() -> addresses.addFor("pub0", vip, 4)));
            String shown = director.exec("ip", "-o", "addr", "show", "dev", "pub0", "to", "10.99.0.10");
            assertTrue(shown.contains("dynamic") && shown.matches("(?s).*valid_lft [1-4]sec.*"), shown);
            for (int i = 0; i < 12; i++) {
                Thread.sleep(250);
                assertEquals(AddressManager.Outcome.ALREADY_SO, director.within(() -> addresses.addFor("pub0", vip, 4)));
            }
            assertTrue(director.within(() -> addresses.has("pub0", vip.address())), "renewed, it stayed");
        } finally {
            monitor.destroy();
            monitor.waitFor();
        }
        String seen = Files.readString(monitored);
        assertFalse(seen.contains("Deleted"), "the renewals flapped the address: " + seen);
        long renewed = System.nanoTime();
        long deadline = renewed + 15_000_000_000L;
        while (director.within(() -> addresses.has("pub0", vip.address())) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertFalse(director.within(() -> addresses.has("pub0", vip.address())), "the kernel removed it by itself");
        System.out.printf("a VIP with a 4 s lifetime left %.1f s after its last renewal%n", (System.nanoTime() - renewed) / 1e9);
    }

    @Test
    void aVipAlreadyThereWithoutALifetimeGetsOne() throws Exception {
        InterfaceAddress vip = InterfaceAddress.parse("10.99.0.30/32");
        director.within(() -> addresses.add("pub0", vip));
        assertTrue(director.exec("ip", "-o", "addr", "show", "dev", "pub0", "to", "10.99.0.30").contains("forever"));
        assertEquals(AddressManager.Outcome.ALREADY_SO, director.within(() -> addresses.addFor("pub0", vip, 60)));
        String shown = director.exec("ip", "-o", "addr", "show", "dev", "pub0", "to", "10.99.0.30");
        assertTrue(shown.contains("valid_lft 60sec") || shown.contains("valid_lft 59sec"), shown);
    }

    @Test
    void unknownInterfaceIsNamedInTheError() {
        IOException e = assertThrows(IOException.class,
                () -> director.within(() -> addresses.add("nosuch0", InterfaceAddress.parse("10.0.0.1/24"))));
        assertTrue(e.getMessage().contains("nosuch0"), e.getMessage());
    }
}
