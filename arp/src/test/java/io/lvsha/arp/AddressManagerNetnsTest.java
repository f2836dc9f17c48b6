package io.lvsha.arp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvsha.netns.Netns;
import io.lvsha.netns.NetnsTest;
import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

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

    @Test
    void unknownInterfaceIsNamedInTheError() {
        IOException e = assertThrows(IOException.class,
                () -> director.within(() -> addresses.add("nosuch0", InterfaceAddress.parse("10.0.0.1/24"))));
        assertTrue(e.getMessage().contains("nosuch0"), e.getMessage());
    }
}
