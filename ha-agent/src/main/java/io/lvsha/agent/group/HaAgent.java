package io.lvsha.agent.group;

import io.lvsha.agent.channel.HeartbeatChannel;
import io.lvsha.agent.config.AgentConfig;
import io.lvsha.agent.event.EventLog;
import io.lvsha.agent.loop.HaLoop;
import io.lvsha.agent.vip.VipSet;
import io.lvsha.arp.AddressManager;
import io.lvsha.arp.AnnouncementSchedule;
import io.lvsha.arp.InterfaceAddress;
import io.lvsha.arp.Interfaces;
import io.lvsha.arp.LinkPort;
import io.lvsha.arp.MacAddress;
import io.lvsha.vrrp.AddressFamily;
import io.lvsha.vrrp.AdvertCodec;
import io.lvsha.vrrp.AdvertRejectedException;
import io.lvsha.vrrp.Clock;
import io.lvsha.vrrp.IpAddress;
import io.lvsha.vrrp.VirtualRouter;
import io.lvsha.vrrp.VirtualRouterConfig;
import io.lvsha.vrrp.VrrpEvent;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running agent: opens everything it needs at start-up (event file, netlink, pcap handles,
 * multicast memberships), then hands control to the HA loop. {@link #close()} resigns and
 * releases the VIPs before it closes anything; it runs once, from the shutdown hook on SIGTERM.
 */
public final class HaAgent implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HaAgent.class);
    private static final long SHUTDOWN_BUDGET_MILLIS = 3000;

    private final AgentConfig config;
    private final EventLog events;
    private final AddressManager addresses;
    private final List<HeartbeatChannel> channels;
    private final List<LinkPort> extraPorts;
    private final HaLoop loop;
    private final GroupController controller;
    private final AtomicReference<State> state = new AtomicReference<>(State.STARTED);

    private enum State { STARTED, CLOSED }

    private HaAgent(AgentConfig config, EventLog events, AddressManager addresses, List<HeartbeatChannel> channels,
                    List<LinkPort> extraPorts, HaLoop loop, GroupController controller) {
        this.config = config;
        this.events = events;
        this.addresses = addresses;
        this.channels = channels;
        this.extraPorts = extraPorts;
        this.loop = loop;
        this.controller = controller;
    }

    /** Opens everything and starts the group. @throws IOException if an interface cannot be used */
    public static HaAgent start(AgentConfig config, PrintStream out) throws IOException {
        EventLog events = EventLog.open(config.node(), config.eventFile(), out);
        AddressManager addresses = new AddressManager();
        List<HeartbeatChannel> channels = new ArrayList<>();
        List<LinkPort> extraPorts = new ArrayList<>();
        try {
            VirtualRouterConfig routerConfig = routerConfig(config, addresses);
            HaLoop loop = new HaLoop(Clock.SYSTEM);
            AtomicReference<GroupController> controllerRef = new AtomicReference<>();
            Map<String, LinkPort> ports = new HashMap<>();
            Map<String, MacAddress> macs = new HashMap<>();
            for (int i = 0; i < config.group().channels().size(); i++) {
                AgentConfig.Channel channel = config.group().channels().get(i);
                MacAddress mac = Interfaces.macAddress(channel.iface());
                HeartbeatChannel heartbeat = new HeartbeatChannel(i, channel.iface(),
                        routerConfig.channels().get(i).primaryAddress(), mac, routerConfig,
                        (index, advert, at) -> loop.execute(() -> controllerRef.get().onAdvert(index, advert, at)));
                channels.add(heartbeat);
                heartbeat.open();
                ports.put(channel.iface(), heartbeat.port());
                macs.put(channel.iface(), mac);
            }
            for (AgentConfig.Vip vip : config.vips()) {
                if (!ports.containsKey(vip.iface())) {
                    LinkPort port = LinkPort.sendOnly(vip.iface());
                    extraPorts.add(port);
                    ports.put(vip.iface(), port);
                    macs.put(vip.iface(), Interfaces.macAddress(vip.iface()));
                }
            }
            for (Map.Entry<String, LinkPort> port : ports.entrySet()) {
                port.getValue().warmUp(macs.get(port.getKey()));
            }
            VipSet vips = new VipSet(config.vips(), addresses, config.garpForm(), ports, macs);
            LinkTracker links = new LinkTracker(config.group().channels().stream().map(AgentConfig.Channel::iface).toList(),
                    config.group().tracks(), Interfaces::isUp);
            GroupController controller = new GroupController(new VirtualRouter(routerConfig), channels, vips,
                    new AnnouncementSchedule(config.garp()), links, events, Clock.SYSTEM);
            controllerRef.set(controller);
            warmUp(routerConfig, addresses);
            events.emit("agent-start", "VRID " + routerConfig.vrid() + " v" + routerConfig.version().wireValue()
                    + " priority " + routerConfig.priority() + ", advert every " + routerConfig.adverIntervalCentis() * 10
                    + " ms on " + channelList(channels), Map.of("vrid", routerConfig.vrid(),
                    "priority", routerConfig.priority(), "advert_interval_ms", routerConfig.adverIntervalCentis() * 10));
            loop.start(controller);
            loop.execute(controller::start);
            return new HaAgent(config, events, addresses, channels, extraPorts, loop, controller);
        } catch (IOException | RuntimeException e) {
            closeQuietly(channels, extraPorts);
            addresses.close();
            events.close();
            throw e;
        }
    }

    private static String channelList(List<HeartbeatChannel> channels) {
        return String.join(", ", channels.stream().map(c -> c.name() + "=" + c.iface() + " from " + c.source()).toList());
    }

    /** The router's settings, with each channel's source address found on its interface if not configured. */
    private static VirtualRouterConfig routerConfig(AgentConfig config, AddressManager addresses) throws IOException {
        AgentConfig.Group group = config.group();
        AddressFamily family = config.vips().get(0).address().address().family();
        Set<IpAddress> vipAddresses = Set.copyOf(config.advertisedAddresses());
        List<VirtualRouterConfig.Channel> channels = new ArrayList<>();
        for (AgentConfig.Channel channel : group.channels()) {
            IpAddress source = channel.source() != null ? channel.source()
                    : primaryAddress(channel.iface(), family, vipAddresses, addresses);
            channels.add(new VirtualRouterConfig.Channel(channel.name(), source));
        }
        try {
            return new VirtualRouterConfig(group.version(), group.vrid(), group.priority(), group.adverIntervalCentis(),
                    group.preempt(), group.preemptDelayNanos(), group.accept(), channels, config.advertisedAddresses(),
                    group.auth(), group.checksum());
        } catch (IllegalArgumentException e) {
            throw new IOException(config.source() + ": " + e.getMessage(), e);
        }
    }

    private static IpAddress primaryAddress(String iface, AddressFamily family, Set<IpAddress> vips,
                                            AddressManager addresses) throws IOException {
        if (family == AddressFamily.IPV6) {
            IpAddress linkLocal = Interfaces.linkLocalAddress(iface);
            if (linkLocal == null) {
                throw new IOException(iface + " has no IPv6 link-local address to send adverts from");
            }
            return linkLocal;
        }
        for (InterfaceAddress address : addresses.list(iface)) {
            if (address.address().family() == family && !vips.contains(address.address())) {
                return address.address();
            }
        }
        throw new IOException(iface + " has no " + family + " address of its own to send adverts from;"
                + " add one, or set 'source' for the channel");
    }

    /**
     * Runs the takeover path's own code a few thousand times before the first real takeover, which
     * on a backup may come months after start-up: code that never ran is interpreted, and measured
     * here it made the first takeover milliseconds slower. Nothing here touches the wire or the
     * VIPs: the codec and a throwaway state machine are pure, and the netlink path is exercised
     * with a loopback address (127.77.77.77/32 on lo, inside 127/8 that lo already answers for).
     */
    private static void warmUp(VirtualRouterConfig router, AddressManager addresses) {
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

    /** Resigns (priority 0 if master), removes the VIPs, then closes everything. Idempotent. */
    @Override
    public void close() {
        if (!state.compareAndSet(State.STARTED, State.CLOSED)) {
            return;
        }
        CountDownLatch released = new CountDownLatch(1);
        try {
            loop.execute(() -> {
                try {
                    controller.shutdown();
                } finally {
                    released.countDown();
                }
            });
            if (!released.await(SHUTDOWN_BUDGET_MILLIS, TimeUnit.MILLISECONDS)) {
                LOG.error("shutdown did not finish in {} ms; VIPs may remain", SHUTDOWN_BUDGET_MILLIS);
            }
            loop.stop(SHUTDOWN_BUDGET_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("shutdown failed: {}", e.toString());
        }
        events.emit("agent-stop", "stopped", Map.of());
        closeQuietly(channels, extraPorts);
        addresses.close();
        try {
            events.close();
        } catch (IOException e) {
            LOG.warn("closing the event file: {}", e.getMessage());
        }
    }

    private static void closeQuietly(List<HeartbeatChannel> channels, List<LinkPort> ports) {
        for (HeartbeatChannel channel : channels) {
            try {
                channel.close();
            } catch (IOException | RuntimeException e) {
                LOG.warn("closing channel {}: {}", channel.name(), e.toString());
            }
        }
        ports.forEach(LinkPort::close);
    }

    public AgentConfig config() {
        return config;
    }

    public HaLoop loop() {
        return loop;
    }

    public GroupController controller() {
        return controller;
    }
}
