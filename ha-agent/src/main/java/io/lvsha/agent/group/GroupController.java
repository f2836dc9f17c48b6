package io.lvsha.agent.group;

import io.lvsha.agent.channel.HeartbeatChannel;
import io.lvsha.agent.event.EventLog;
import io.lvsha.agent.loop.HaLoop;
import io.lvsha.agent.vip.VipSet;
import io.lvsha.arp.AnnouncementSchedule;
import io.lvsha.vrrp.Clock;
import io.lvsha.vrrp.DropReason;
import io.lvsha.vrrp.ReceivedAdvert;
import io.lvsha.vrrp.Role;
import io.lvsha.vrrp.VirtualRouter;
import io.lvsha.vrrp.VrrpAction;
import io.lvsha.vrrp.VrrpEvent;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Drives one failover group on the HA loop: feeds the {@link VirtualRouter} its events and carries
 * out its actions in the order of DESIGN.md §5 (advert, VIPs, gratuitous ARP, event), measuring the
 * takeover as it goes. HA loop only.
 */
public final class GroupController implements HaLoop.Deadlines {
    private static final long LINK_POLL_NANOS = 100_000_000L;
    private static final long DROP_REPORT_NANOS = 10_000_000_000L;

    private final VirtualRouter router;
    private final List<HeartbeatChannel> channels;
    private final VipSet vips;
    private final AnnouncementSchedule announcements;
    private final LinkTracker links;
    private final EventLog events;
    private final Clock clock;
    private final int basePriority;
    private long nextLinkPoll;
    private long nextDropReport;
    /** Between start() and shutdown(): adverts that arrive outside it are a normal race, not news. */
    private boolean running;
    private long advertSendFailures;

    GroupController(VirtualRouter router, List<HeartbeatChannel> channels, VipSet vips,
                    AnnouncementSchedule announcements, LinkTracker links, EventLog events, Clock clock) {
        this.router = router;
        this.channels = List.copyOf(channels);
        this.vips = vips;
        this.announcements = announcements;
        this.links = links;
        this.events = events;
        this.clock = clock;
        this.basePriority = router.config().priority();
    }

    /** Removes VIPs an earlier run left behind, then joins the group (as backup, or master if owner). */
    public void start() {
        for (VipSet.Change change : vips.removeAll()) {
            if (change.changed()) {
                events.emit("vip-removed", change.vip().address() + " on " + change.vip().iface()
                        + " (left by an earlier run, removed before joining)",
                        Map.of("vip", change.vip().address().toString(), "interface", change.vip().iface(),
                                "reason", "leftover"));
            }
        }
        long now = clock.nanoTime();
        nextLinkPoll = now + LINK_POLL_NANOS;
        nextDropReport = now + DROP_REPORT_NANOS;
        running = true;
        handle(new VrrpEvent.Startup(), now, now);
    }

    /** Leaves the group: a master resigns with priority 0 and removes its VIPs. */
    public void shutdown() {
        running = false;
        long now = clock.nanoTime();
        handle(new VrrpEvent.Shutdown(), now, now);
    }

    /**
     * @param receivedNanos when the frame was captured: the Master_Down_Timer starts from the
     *     advert's arrival, not from when the loop got to it
     */
    public void onAdvert(int channel, ReceivedAdvert advert, long receivedNanos) {
        if (!running) {
            return;
        }
        handle(new VrrpEvent.AdvertReceived(channel, advert), receivedNanos, receivedNanos);
    }

    @Override
    public boolean hasDeadline() {
        return running;
    }

    @Override
    public long nextDeadline() {
        long next = nextLinkPoll;
        if (nextDropReport - next < 0) {
            next = nextDropReport;
        }
        if (router.hasDeadline() && router.nextDeadline() - next < 0) {
            next = router.nextDeadline();
        }
        if (announcements.hasDeadline() && announcements.nextDeadline() - next < 0) {
            next = announcements.nextDeadline();
        }
        return next;
    }

    @Override
    public void onDeadline(long now, long deadline) {
        if (router.hasDeadline() && now - router.nextDeadline() >= 0) {
            handle(new VrrpEvent.TimerTick(), now, router.nextDeadline());
        }
        int due = announcements.poll(now);
        if (due > 0 && router.role() == Role.MASTER) {
            int sent = vips.announce(due);
            events.emit("garp-sent", sent + " announcements (" + due + " per VIP, scheduled)",
                    Map.of("count", sent, "per_vip", due, "reason", "scheduled"));
        }
        if (now - nextLinkPoll >= 0) {
            nextLinkPoll = now + LINK_POLL_NANOS;
            links.poll(new LinkChanges(now));
        }
        if (now - nextDropReport >= 0) {
            nextDropReport = now + DROP_REPORT_NANOS;
            reportDrops();
        }
    }

    /** Feeds one event to the router and carries out what it returns; {@code cause} is when it was due. */
    private void handle(VrrpEvent event, long now, long cause) {
        List<VrrpAction> actions = router.handle(event, now);
        if (!actions.isEmpty()) {
            new Takeover(cause).run(actions);
        }
    }

    /**
     * One run of actions, timed from {@code cause}. It acts first and reports afterwards: nothing
     * before the first GARP builds a string, a lambda or an event, because on a backup's first
     * takeover each of those runs for the first time and costs up to a millisecond.
     */
    private final class Takeover {
        private final long cause;
        private long advertAt;
        private long vipsAt;
        private long garpAt;
        private VrrpAction.RoleChanged roleChange;
        private List<VipSet.Change> vipChanges = List.of();
        private int garpSent = -1;
        private final List<VrrpAction> channelChanges = new ArrayList<>(2);

        Takeover(long cause) {
            this.cause = cause;
        }

        void run(List<VrrpAction> actions) {
            for (VrrpAction action : actions) {
                if (action instanceof VrrpAction.SendAdvert send) {
                    sendAdvert(send.priority());
                    advertAt = advertAt == 0 ? clock.nanoTime() : advertAt;
                } else if (action instanceof VrrpAction.RoleChanged change) {
                    roleChange = change;
                    if (change.to() == Role.MASTER) {
                        vipChanges = vips.addAll();
                        vipsAt = clock.nanoTime();
                    } else if (change.from() == Role.MASTER) {
                        announcements.stop();
                        vipChanges = vips.removeAll();
                    }
                } else if (action instanceof VrrpAction.AnnounceAddresses) {
                    garpSent = vips.announce(announcements.start(clock.nanoTime()));
                    garpAt = garpAt == 0 ? clock.nanoTime() : garpAt;
                } else {
                    channelChanges.add(action);
                }
            }
            report();
        }

        private void report() {
            if (roleChange != null) {
                emitRoleChange(roleChange);
            }
            for (VipSet.Change change : vipChanges) {
                emitVipChange(change);
            }
            if (garpSent >= 0) {
                events.emit("garp-sent", garpSent + " announcements for " + vips.vips().size() + " VIPs",
                        Map.of("count", garpSent, "reason", roleChange != null ? "takeover" : "lower-priority advert"));
            }
            for (VrrpAction action : channelChanges) {
                if (action instanceof VrrpAction.ChannelLost lost) {
                    HeartbeatChannel channel = channels.get(lost.channel());
                    events.emit("channel-lost", channel.name() + " (" + channel.iface() + "): " + lost.why()
                                    + "; a single point of failure remains",
                            Map.of("channel", channel.name(), "interface", channel.iface(), "why", lost.why()));
                } else if (action instanceof VrrpAction.ChannelRestored restored) {
                    HeartbeatChannel channel = channels.get(restored.channel());
                    events.emit("channel-restored", channel.name() + " (" + channel.iface() + ")",
                            Map.of("channel", channel.name(), "interface", channel.iface()));
                }
            }
        }

        private void emitRoleChange(VrrpAction.RoleChanged change) {
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("from", change.from().name());
            fields.put("to", change.to().name());
            fields.put("cause", change.reason().cause().name());
            fields.put("reason", change.reason().detail());
            fields.put("priority", router.priority());
            String text = change.from() + " -> " + change.to() + " (" + change.reason().detail() + ")";
            if (change.to() == Role.MASTER) {
                Map<String, Object> timings = new LinkedHashMap<>();
                timings.put("advert_us", micros(advertAt));
                timings.put("vips_us", micros(vipsAt));
                timings.put("garp_us", micros(garpAt));
                fields.put("takeover", timings);
                text += "; from the timer: advert +" + micros(advertAt) + " us, VIPs +" + micros(vipsAt)
                        + " us, first GARP +" + micros(garpAt) + " us";
            }
            events.emit("role-change", text, fields);
        }

        private long micros(long at) {
            return at == 0 ? -1 : (at - cause) / 1000;
        }
    }

    private void sendAdvert(int priority) {
        for (HeartbeatChannel channel : channels) {
            if (!links.isChannelUp(channel.index())) {
                continue;
            }
            try {
                channel.sendAdvert(priority);
            } catch (IOException e) {
                // Counted; repeated failure shows as the peer taking over, reported on its side.
                advertSendFailures++;
            }
        }
    }

    private void emitVipChange(VipSet.Change change) {
        String vip = change.vip().address().toString();
        String iface = change.vip().iface();
        boolean added = change.added();
        if (change.error() != null) {
            events.emit("vip-error", vip + " on " + iface + ": " + change.error(),
                    Map.of("vip", vip, "interface", iface, "error", change.error()));
        } else if (change.changed()) {
            events.emit(added ? "vip-added" : "vip-removed", vip + " on " + iface,
                    Map.of("vip", vip, "interface", iface));
        }
    }

    private void reportDrops() {
        for (HeartbeatChannel channel : channels) {
            Map<DropReason, Long> fresh = channel.drops().takeNewDrops();
            if (fresh.isEmpty()) {
                continue;
            }
            Map<String, Object> byReason = new LinkedHashMap<>();
            fresh.forEach((reason, count) -> byReason.put(reason.metricName(), count));
            events.emit("packets-dropped", channel.name() + ": " + byReason + " in the last "
                    + DROP_REPORT_NANOS / 1_000_000_000L + " s", Map.of("channel", channel.name(), "dropped", byReason));
        }
    }

    /** Turns link changes into router events and event-log lines. */
    private final class LinkChanges implements LinkTracker.Changes {
        private final long now;

        LinkChanges(long now) {
            this.now = now;
        }

        @Override
        public void channelLink(int channel, String iface, boolean up) {
            events.emit(up ? "link-up" : "link-down", iface + " (channel " + channels.get(channel).name() + ")",
                    Map.of("interface", iface, "channel", channels.get(channel).name()));
            handle(up ? new VrrpEvent.ChannelUp(channel) : new VrrpEvent.ChannelDown(channel), now, now);
        }

        @Override
        public void trackedLink(String iface, boolean up) {
            int priority = links.effectivePriority(basePriority);
            events.emit(up ? "link-up" : "link-down", iface + " (tracked): priority now " + priority,
                    Map.of("interface", iface, "priority", priority));
            if (priority != router.priority()) {
                handle(new VrrpEvent.PriorityChanged(priority), now, now);
            }
        }
    }

    public VirtualRouter router() {
        return router;
    }

    public long advertSendFailures() {
        return advertSendFailures;
    }
}
