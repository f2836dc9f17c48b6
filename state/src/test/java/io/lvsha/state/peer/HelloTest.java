package io.lvsha.state.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.lvsha.vrrp.IpAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HelloTest {
    @Test
    void theAdvertSourcesTravelByChannelName() {
        Hello hello = new Hello("d1", "lvs-ha 0.1", "digest", Map.of("public", IpAddress.parse("10.99.0.11"),
                "private", IpAddress.parse("fe80::1")), IpAddress.parse("192.168.50.11"));
        assertEquals(hello, Hello.fromFrame(hello.toFrame()));
        Hello withoutSync = new Hello("d1", "v", "x", Map.of("public", IpAddress.parse("10.99.0.11")), null);
        assertEquals(withoutSync, Hello.fromFrame(withoutSync.toFrame()));
    }

    @Test
    void aHelloWithoutSourcesHasNone() {
        PeerFrame older = new PeerFrame(Hello.TYPE, "d1\nlvs-ha 0.1\ndigest".getBytes(StandardCharsets.UTF_8));
        assertEquals(new Hello("d1", "lvs-ha 0.1", "digest"), Hello.fromFrame(older));
        assertEquals(Map.of(), Hello.fromFrame(new Hello("d1", "v", "x").toFrame()).advertSources());
    }

    @Test
    void aMalformedSourceIsRefused() {
        for (String sources : new String[] {"public", "=10.0.0.1", "public=nowhere", "public=10.0.0.1,", "\nnowhere"}) {
            PeerFrame frame = new PeerFrame(Hello.TYPE, ("d1\nv\nx\n" + sources).getBytes(StandardCharsets.UTF_8));
            assertThrows(IllegalArgumentException.class, () -> Hello.fromFrame(frame), sources);
        }
    }
}
