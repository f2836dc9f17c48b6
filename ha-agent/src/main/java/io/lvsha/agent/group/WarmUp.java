package io.lvsha.agent.group;

import io.lvsha.arp.AddressManager;
import io.lvsha.arp.InterfaceAddress;
import io.lvsha.vrrp.AddressFamily;
import io.lvsha.vrrp.AdvertCodec;
import io.lvsha.vrrp.AdvertRejectedException;
import io.lvsha.vrrp.IpAddress;
import io.lvsha.vrrp.VirtualRouter;
import io.lvsha.vrrp.VirtualRouterConfig;
import io.lvsha.vrrp.VrrpEvent;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The takeover path run before it is needed (see {@link #run}). */
final class WarmUp {
    private static final Logger LOG = LoggerFactory.getLogger(WarmUp.class);

    /**
     * Runs the takeover path's own code a few thousand times before the first real takeover, which
     * on a backup may come months after start-up: code that never ran is interpreted, and measured
     * here it made the first takeover milliseconds slower. Nothing here touches the wire or the
     * VIPs: the codec and a throwaway state machine are pure, and the netlink path is exercised
     * with a loopback address (127.77.77.77/32 on lo, inside 127/8 that lo already answers for).
     */
    static void run(VirtualRouterConfig router, AddressManager addresses) {
        IpAddress source = router.channels().get(0).primaryAddress();
        IpAddress group = source.family() == AddressFamily.IPV4 ? IpAddress.parse("224.0.0.18") : IpAddress.parse("ff02::12");
        byte[] datagram = new byte[AdvertCodec.datagramLength(router.advertisement(router.priority()))];
        for (int i = 0; i < 20_000; i++) {
            AdvertCodec.encodeDatagram(router.advertisement(1 + i % 254), source, group, router.checksumMode(), i,
                    datagram, 0);
            try {
                AdvertCodec.decodeDatagram(datagram, 0, datagram.length, router.checksumMode());
            } catch (AdvertRejectedException e) {
                throw new IllegalStateException("our own advert does not decode: " + e.getMessage(), e);
            }
        }
        for (int i = 0; i < 5_000; i++) {
            VirtualRouter rehearsal = new VirtualRouter(router);
            long now = i * 10_000_000_000L;
            rehearsal.handle(new VrrpEvent.Startup(), now);
            rehearsal.handle(new VrrpEvent.TimerTick(), now + rehearsal.masterDownIntervalNanos());
            rehearsal.handle(new VrrpEvent.Shutdown(), now + rehearsal.masterDownIntervalNanos() + 1);
        }
        InterfaceAddress loopback = InterfaceAddress.parse("127.77.77.77/32");
        try {
            for (int i = 0; i < 2_000; i++) {
                addresses.add("lo", loopback);
                addresses.remove("lo", loopback);
            }
        } catch (IOException e) {
            LOG.warn("netlink warm-up on lo skipped: {}", e.getMessage());
        }
    }

    private WarmUp() {
    }
}
