package io.lvsha.agent.health;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvsha.agent.director.CheckSpec;
import io.lvsha.agent.director.Forwarding;
import io.lvsha.agent.director.RealServer;
import io.lvsha.agent.director.Scheduler;
import io.lvsha.agent.director.ServiceKey;
import io.lvsha.agent.director.VirtualService;
import io.lvsha.vrrp.IpAddress;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class HealthMonitorTest {
    private static final long MS = 1_000_000L;

    private static VirtualService service(int port) {
        CheckSpec tcp = new CheckSpec(CheckSpec.Type.TCP, 0, "", null, false, null, null, 200, List.of(), 50 * MS, 200 * MS,
                0, 60_000 * MS, 1, 1);
        return new VirtualService("web", new ServiceKey.Address(io.lvsha.agent.director.Protocol.TCP,
                IpAddress.parse("127.0.0.1"), 80), List.of(), Scheduler.WLC, 0, 32, Forwarding.NAT, false, null, 69, null, tcp,
                List.of(new RealServer(IpAddress.parse("127.0.0.1"), port, 1, true)));
    }

    @Test
    void aReloadKeepsAFailedServerOutOfItsPool() throws Exception {
        int closedPort;
        try (ServerSocket unused = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = unused.getLocalPort();
        }
        VirtualService web = service(closedPort);
        RealServer server = web.realServers().get(0);
        CountDownLatch down = new CountDownLatch(1);
        HealthMonitor first = new HealthMonitor(List.of(web), (s, r, up, why) -> down.countDown());
        first.start();
        assertTrue(down.await(10, TimeUnit.SECONDS), "the refused server goes down");
        assertFalse(first.healthy(web, server));
        first.close();
        // The same service, reloaded: still down at once, without waiting for a check (re-entry is a minute).
        try (HealthMonitor reloaded = new HealthMonitor(List.of(service(closedPort)), (s, r, up, why) -> { }, first)) {
            assertFalse(reloaded.healthy(web, server));
        }
        // Another check is another matter: it starts afresh, in the pool until proven down.
        VirtualService changed = web.withRealServers(List.of(server));
        CheckSpec other = new CheckSpec(CheckSpec.Type.TCP, 8080, "", null, false, null, null, 200, List.of(), 50 * MS, 200 * MS,
                0, 0, 1, 1);
        VirtualService otherCheck = new VirtualService("web", changed.key(), List.of(), Scheduler.WLC, 0, 32, Forwarding.NAT,
                false, null, 69, null, other, List.of(server));
        try (HealthMonitor fresh = new HealthMonitor(List.of(otherCheck), (s, r, up, why) -> { }, first)) {
            assertTrue(fresh.healthy(otherCheck, server));
        }
    }
}
