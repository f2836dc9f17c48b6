package io.lvsha.agent.group;

import io.lvsha.agent.channel.ChannelReceivers;
import io.lvsha.agent.channel.HeartbeatChannel;
import io.lvsha.agent.config.AgentConfig;
import io.lvsha.agent.event.EventLog;
import io.lvsha.agent.hook.NotifyHooks;
import io.lvsha.agent.loop.HaLoop;
import io.lvsha.agent.metrics.AgentMetrics;
import io.lvsha.agent.vip.VipSet;
import io.lvsha.arp.AddressManager;
import io.lvsha.arp.AnnouncementSchedule;
import io.lvsha.arp.Interfaces;
import io.lvsha.arp.LinkPort;
import io.lvsha.arp.MacAddress;
import io.lvsha.vrrp.AdvertIntervals;
import io.lvsha.vrrp.Clock;
import io.lvsha.vrrp.VirtualRouter;
import io.lvsha.vrrp.VirtualRouterConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One failover group of the agent: its router, its channels (receiving through the interfaces'
 * shared handles), its VIPs, its controller, hooks and tracked scripts; its events say which
 * group they are about. Built in two steps: the channels before the handles open, the rest after.
 */
final class RunningGroup {
    private final AgentConfig.Group config;
    private final VirtualRouterConfig router;
    private final EventLog events;
    private final List<HeartbeatChannel> channels = new ArrayList<>();
    private GroupController controller;
    private NotifyHooks hooks;
    private volatile TrackRunner trackRunner;

    private RunningGroup(AgentConfig.Group config, VirtualRouterConfig router, EventLog events) {
        this.config = config;
        this.router = router;
        this.events = events;
    }

    /** The group's router and channels, its channels added to {@code receivers} (not open yet). */
    static RunningGroup channels(AgentConfig agent, AgentConfig.Group group, AddressManager addresses, EventLog agentEvents,
                                 HaLoop loop, ChannelReceivers receivers) throws IOException {
        RunningGroup running = new RunningGroup(group, RouterSetup.routerConfig(agent, group, addresses),
                agentEvents.forGroup(group.name()));
        for (int i = 0; i < group.channels().size(); i++) {
            AgentConfig.Channel channel = group.channels().get(i);
            HeartbeatChannel heartbeat = new HeartbeatChannel(i, channel.iface(),
                    running.router.channels().get(i).primaryAddress(), Interfaces.macAddress(channel.iface()),
                    running.router, channel.peers(),
                    (index, advert, at) -> loop.executeAhead(() -> running.controller.onAdvert(index, advert, at)),
                    (index, advert) -> running.events.emit("foreign-speaker", advert.source() + " sent a VRRP advert for our VRID "
                            + advert.advert().vrid() + " at priority " + advert.advert().priority() + " on channel "
                            + channel.name() + "; it is none of the channel's known peers, so it was dropped (and so"
                            + " is everything it sends, counted as foreign-speaker)", Map.of("channel", channel.name(),
                            "source", advert.source().toString(), "vrid", advert.advert().vrid(),
                            "priority", advert.advert().priority())));
            running.channels.add(heartbeat);
            receivers.add(heartbeat);
        }
        return running;
    }

    /**
     * The rest, once the interfaces' handles are open: VIPs, controller, hooks, metrics.
     *
     * @param linkUp the interfaces' link states, shared by every group
     * @param metricsPrefix "" for an agent's only group (the names it always had), else "group.NAME."
     */
    void wire(AgentConfig agent, AddressManager addresses, Map<String, LinkPort> ports, Map<String, MacAddress> macs,
              java.util.function.Predicate<String> linkUp, AgentMetrics metrics, String metricsPrefix) {
        VipSet vips = new VipSet(config.vips(), addresses, agent.garpForm(), ports, macs,
                VipSet.lifetimeSeconds(AdvertIntervals.centisToNanos(router.adverIntervalCentis())));
        LinkTracker links = new LinkTracker(config.channels().stream().map(AgentConfig.Channel::iface).toList(),
                config.track().interfaces(), linkUp);
        controller = new GroupController(new VirtualRouter(router), channels, vips, new AnnouncementSchedule(agent.garp()),
                links, events, Clock.SYSTEM, metrics);
        hooks = new NotifyHooks(List.of(config.hooks(), agent.hooks()), events);
        metrics.gauge(metricsPrefix + "hooks.dropped", hooks::dropped);
        controller.onRoleChange(new GroupNotifier(hooks, config.name(), agent.node(),
                config.vips().stream().map(vip -> vip.address().toString()).toList()));
        MetricsWiring.registerGroup(metrics, metricsPrefix, controller, channels);
        controller.track(config.track());
    }

    /**
     * Runs what {@code tracking} names (scripts, files) from now on, in place of what ran before.
     * Call from a thread at normal priority, never the HA loop: the runner's threads inherit it.
     */
    void trackWith(AgentConfig.Tracking tracking, HaLoop loop) {
        TrackRunner previous = trackRunner;
        trackRunner = new TrackRunner(tracking, (what, update) -> loop.execute(() -> controller.onTrack(what, update)));
        if (previous != null) {
            previous.close();
        }
    }

    String name() {
        return config.name();
    }

    AgentConfig.Group config() {
        return config;
    }

    VirtualRouterConfig router() {
        return router;
    }

    List<HeartbeatChannel> channels() {
        return channels;
    }

    GroupController controller() {
        return controller;
    }

    NotifyHooks hooks() {
        return hooks;
    }

    EventLog events() {
        return events;
    }

    /** Stops the tracked scripts, then lets the hooks finish within their budget. */
    void closeHelpers(long budgetMillis) {
        if (trackRunner != null) {
            trackRunner.close();
        }
        if (hooks != null) {
            hooks.close(hooks.longestTimeoutMillis() + budgetMillis); // the stop hook runs to its end
        }
    }
}
