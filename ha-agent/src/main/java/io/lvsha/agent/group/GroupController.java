package io.lvsha.agent.group;

import io.lvsha.agent.channel.HeartbeatChannel;
import io.lvsha.agent.event.EventLog;
import io.lvsha.agent.loop.HaLoop;
import io.lvsha.agent.vip.VipSet;
import io.lvsha.arp.AnnouncementSchedule;
import io.lvsha.state.peer.Hello;
import io.lvsha.state.peer.PeerFrame;
import io.lvsha.state.peer.PeerFrameTypes;
import io.lvsha.vrrp.AdvertIntervals;
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
    /** How often a master renews its VIPs' kernel lifetime (at least 5 s: VipSet). */
    private static final long VIP_RENEW_NANOS = 1_000_000_000L;

    private final VirtualRouter router;
    private final List<HeartbeatChannel> channels;
    private final VipSet vips;
    private final AnnouncementSchedule announcements;
    private final LinkTracker links;
    private final EventLog events;
    private final Clock clock;
    private final io.lvsha.agent.metrics.AgentMetrics metrics;
    private long nextLinkPoll;
    private long nextDropReport;
    private long nextVipRenewal;
    private boolean renewalFailing;
    /** Started and not stopped: the loop serves our deadlines. */
    private boolean running;
    /** In the group (not stopped, not in maintenance): adverts outside it are a normal race, not news. */
    private boolean participating;
    private boolean maintenance;
    /** An operator's `priority set`; null = the configured priority. */
    private Integer priorityOverride;
    private int configuredPriority;
    private final long startedAtMillis = System.currentTimeMillis();
    private Map<String, Object> lastTransition = Map.of();
    private long lastTakeoverMicros = -1;
    /** The other agent, and a make-before-break switchover in flight. */
    private final PeerSession peers;
    private PendingSwitchover pendingSwitchover;
    /** Installs the replicated connections in the dataplane at a takeover, before the VIPs move; null = nothing to commit. */
    private ConnectionCommitter committer;
    /** Told of every role change after its takeover or release has run (the director backend's role hook). */
    private java.util.function.Consumer<Boolean> mastershipListener = master -> { };

    /** A master's switchover waiting for the peer to take over first. */
    private record PendingSwitchover(java.util.concurrent.CompletableFuture<Map<String, Object>> reply, long startedAt,
                                     long deadline, long holdNanos) {
    }
    /** Written on the HA loop, read by the metrics thread. */
    private volatile long advertSendFailures;

    GroupController(VirtualRouter router, List<HeartbeatChannel> channels, VipSet vips,
                    AnnouncementSchedule announcements, LinkTracker links, EventLog events, Clock clock,
                    io.lvsha.agent.metrics.AgentMetrics metrics) {
        this.metrics = metrics;
        this.router = router;
        this.channels = List.copyOf(channels);
        this.vips = vips;
        this.announcements = announcements;
        this.links = links;
        this.events = events;
        this.clock = clock;
        this.configuredPriority = router.config().priority();
        this.peers = new PeerSession(router, event -> handle(event, clock.nanoTime(), clock.nanoTime()), events, clock,
                metrics::reachedBackupTable);
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
        nextVipRenewal = now + VIP_RENEW_NANOS;
        running = true;
        participating = true;
        handle(new VrrpEvent.Startup(), now, now);
    }

    /** Leaves the group: a master resigns with priority 0 and removes its VIPs. */
    public void shutdown() {
        running = false;
        participating = false;
        long now = clock.nanoTime();
        handle(new VrrpEvent.Shutdown(), now, now);
    }

    /**
     * @param receivedNanos when the frame was captured: the Master_Down_Timer starts from the
     *     advert's arrival, not from when the loop got to it
     */
    public void onAdvert(int channel, ReceivedAdvert advert, long receivedNanos) {
        if (!participating) {
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
        if (pendingSwitchover != null && pendingSwitchover.deadline() - next < 0) {
            next = pendingSwitchover.deadline();
        }
        if (nextVipRenewal - next < 0) {
            next = nextVipRenewal;
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
            metrics.garpsSent(sent);
            events.emit("garp-sent", sent + " announcements (" + due + " per VIP, scheduled)",
                    Map.of("count", sent, "per_vip", due, "reason", "scheduled"));
        }
        if (pendingSwitchover != null && now - pendingSwitchover.deadline() >= 0) {
            PendingSwitchover late = pendingSwitchover;
            pendingSwitchover = null;
            events.emit("switchover", "the peer did not take over within " + (now - late.startedAt()) / 1_000_000
                    + " ms; resigning with priority 0 instead", Map.of("fallback", true));
            late.reply().complete(resign(late.holdNanos()));
        }
        if (now - nextLinkPoll >= 0) {
            nextLinkPoll = now + LINK_POLL_NANOS;
            links.poll(new LinkChanges(now));
            peers.tick(now);
        }
        if (now - nextDropReport >= 0) {
            nextDropReport = now + DROP_REPORT_NANOS;
            reportDrops();
            peers.verify(); // the repair cycle, every 10 s
        }
        if (now - nextVipRenewal >= 0) {
            nextVipRenewal = now + VIP_RENEW_NANOS;
            if (router.role() == Role.MASTER) {
                renewVips(now);
            }
        }
    }

    /**
     * Renews the VIPs' lifetimes. A VIP that was gone (its lifetime ran out while the loop was
     * held up) is back, and announced; a failure is reported when it starts and when it ends.
     */
    private void renewVips(long now) {
        boolean restored = false;
        boolean failing = false;
        for (VipSet.Change change : vips.addAll()) {
            String vip = change.vip().address().toString();
            if (change.error() != null) {
                failing = true;
                if (!renewalFailing) {
                    emitVipChange(change);
                }
            } else if (change.changed()) {
                restored = true;
                events.emit("vip-added", vip + " on " + change.vip().iface() + " (back: its " + vips.lifetimeSeconds()
                        + " s lifetime ran out before the renewal, the HA loop was held up)", Map.of("vip", vip,
                        "interface", change.vip().iface(), "reason", "expired"));
            }
        }
        if (renewalFailing && !failing) {
            events.emit("vip-renewed", "the VIPs' lifetimes are renewed again", Map.of());
        }
        renewalFailing = failing;
        if (restored) {
            int sent = vips.announce(announcements.start(now));
            metrics.garpsSent(sent);
            events.emit("garp-sent", sent + " announcements (VIPs back after expiry)", Map.of("count", sent, "reason", "restored"));
        }
    }

    /**
     * Feeds one event to the router and carries out what it returns; {@code cause} is when it was
     * due. The router's only caller: whatever it returns is executed.
     */
    private Takeover handle(VrrpEvent event, long now, long cause) {
        List<VrrpAction> actions = router.handle(event, now);
        Takeover takeover = new Takeover(cause);
        if (!actions.isEmpty()) {
            takeover.run(actions);
        }
        publishedRole = router.role();
        publishedPriority = router.priority();
        return takeover;
    }

    /** The role and priority as of the last event, for threads other than the HA loop (metrics). */
    private volatile Role publishedRole = Role.INITIALIZE;
    private volatile int publishedPriority;

    public Role publishedRole() {
        return publishedRole;
    }

    public int publishedPriority() {
        return publishedPriority;
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
        private long committedAt;
        private int committed = -1;
        private int commitRefused;
        private String commitRefusal;
        private String commitError;
        private VrrpAction.RoleChanged roleChange;
        private List<VipSet.Change> vipChanges = List.of();
        private int garpSent = -1;
        private final List<VrrpAction> channelChanges = new ArrayList<>(2);

        Takeover(long cause) {
            this.cause = cause;
        }

        void run(List<VrrpAction> actions) {
            // A switchover's old master is alive and releases the moment it hears us: our advert must
            // follow our VIPs and GARP, or it would drop its VIPs before the clients were told of ours.
            boolean advertLast = actions.stream().anyMatch(action -> action instanceof VrrpAction.RoleChanged change
                    && change.to() == Role.MASTER && change.reason().cause() == io.lvsha.vrrp.TransitionReason.Cause.SWITCHOVER);
            VrrpAction.SendAdvert heldAdvert = null;
            for (VrrpAction action : actions) {
                if (action instanceof VrrpAction.SendAdvert send && advertLast) {
                    heldAdvert = send;
                } else if (action instanceof VrrpAction.SendAdvert send) {
                    sendAdvert(send.priority());
                    advertAt = advertAt == 0 ? clock.nanoTime() : advertAt;
                } else if (action instanceof VrrpAction.RoleChanged change) {
                    roleChange = change;
                    if (change.to() == Role.MASTER) {
                        commitState();
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
            if (heldAdvert != null) {
                sendAdvert(heldAdvert.priority());
                advertAt = clock.nanoTime();
            }
            report();
        }

        /** DESIGN.md §5 step 2: the replicated flows must be in the dataplane before traffic arrives for them. */
        private void commitState() {
            if (committer == null) {
                return;
            }
            try {
                committed = committer.commit(peers.snapshot());
            } catch (io.lvsha.agent.director.PartialCommitException partly) {
                committed = partly.installed();
                commitRefused = partly.refused();
                commitRefusal = partly.getMessage();
            } catch (Exception e) {
                commitError = String.valueOf(e.getMessage());
            }
            committedAt = clock.nanoTime();
        }

        private void report() {
            if (committed >= 0 || commitError != null) {
                events.emit(commitError == null ? "state-committed" : "state-commit-failed", commitError != null ? commitError
                        : committed + " replicated connections installed in " + micros(committedAt) + " us from the timer"
                        + (commitRefusal == null ? "" : "; " + commitRefusal), Map.of("connections", Math.max(committed, 0),
                        "refused", commitRefused, "commit_us", micros(committedAt)));
            }
            if (roleChange != null) {
                emitRoleChange(roleChange);
                mastershipListener.accept(roleChange.to() == Role.MASTER);
            }
            for (VipSet.Change change : vipChanges) {
                emitVipChange(change);
            }
            if (garpSent >= 0) {
                metrics.garpsSent(garpSent);
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
                if (committedAt != 0) {
                    timings.put("commit_us", micros(committedAt));
                }
                timings.put("vips_us", micros(vipsAt));
                timings.put("garp_us", micros(garpAt));
                fields.put("takeover", timings);
                text += "; from the timer: advert +" + micros(advertAt) + " us, VIPs +" + micros(vipsAt)
                        + " us, first GARP +" + micros(garpAt) + " us";
            }
            events.emit("role-change", text, fields);
            Map<String, Object> transition = new LinkedHashMap<>(fields);
            transition.put("time", java.time.Instant.now().toString());
            lastTransition = transition;
            metrics.roleChanged();
            if (change.to() == Role.BACKUP) {
                peers.becameBackup();
            }
            if (pendingSwitchover != null && change.from() == Role.MASTER) {
                Map<String, Object> released = new LinkedHashMap<>(outcome());
                released.put("make_before_break", true);
                released.put("released_after_ms", (clock.nanoTime() - pendingSwitchover.startedAt()) / 1e6);
                pendingSwitchover.reply().complete(released);
                pendingSwitchover = null;
            }
            if (change.to() == Role.MASTER) {
                lastTakeoverMicros = micros(garpAt);
                metrics.takeover(lastTakeoverMicros);
            }
        }

        /** What the operator's command did, for its reply. */
        Map<String, Object> outcome() {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("role", router.role().name());
            result.put("priority", router.priority());
            if (roleChange != null) {
                result.put("from", roleChange.from().name());
                result.put("reason", roleChange.reason().detail());
            }
            if (roleChange != null && roleChange.to() == Role.MASTER) {
                result.put("takeover", Map.of("advert_us", micros(advertAt), "vips_us", micros(vipsAt),
                        "garp_us", micros(garpAt)));
            }
            return result;
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
            int priority = links.effectivePriority(basePriority());
            events.emit(up ? "link-up" : "link-down", iface + " (tracked): priority now " + priority,
                    Map.of("interface", iface, "priority", priority));
            if (priority != router.priority() && participating) {
                handle(new VrrpEvent.PriorityChanged(priority), now, now);
            }
        }
    }

    // ---- Operator commands (admin socket), HA loop only ----------------------------------

    private int basePriority() {
        return priorityOverride != null ? priorityOverride : configuredPriority;
    }

    /**
     * Hands mastership over (see {@link VrrpEvent.Switchover}). A master with its peer link up does
     * it make-before-break: the peer takes over first and this node yields to its advert, so
     * clients see one GARP's propagation instead of Skew_Time; without the link, or if the peer
     * does not take over in time, it resigns with priority 0.
     *
     * @throws IllegalStateException with the reason if it cannot work now
     */
    public java.util.concurrent.CompletableFuture<Map<String, Object>> switchover(long holdNanos) {
        String refusal = maintenance ? "in maintenance: nothing to hand over" : router.switchoverRefusal();
        if (refusal != null) {
            throw new IllegalStateException(refusal);
        }
        if (pendingSwitchover != null) {
            throw new IllegalStateException("a switchover is already under way");
        }
        if (router.role() == Role.MASTER && peers.isUp() && peers.send(new PeerFrame(PeerFrameTypes.SWITCHOVER_REQUEST, new byte[0]))) {
            long now = clock.nanoTime();
            long wait = Math.max(500_000_000L, 2 * AdvertIntervals.centisToNanos(router.config().adverIntervalCentis()));
            pendingSwitchover = new PendingSwitchover(new java.util.concurrent.CompletableFuture<>(), now, now + wait,
                    holdNanos);
            events.emit("switchover", "asked " + peers.peerName() + " to take over first (make-before-break)",
                    Map.of("from", "MASTER", "peer", peers.peerName()));
            return pendingSwitchover.reply();
        }
        return java.util.concurrent.CompletableFuture.completedFuture(resign(holdNanos));
    }

    private Map<String, Object> resign(long holdNanos) {
        long now = clock.nanoTime();
        Role before = router.role();
        if (router.switchoverRefusal() != null) {
            return Map.of("role", before.name(), "changed", false);
        }
        Map<String, Object> outcome = handle(new VrrpEvent.Switchover(holdNanos), now, now).outcome();
        events.emit("switchover", before + " handed over by an operator" + (before == Role.MASTER
                ? "; not preempting back for " + holdNanos / 1_000_000_000L + " s or until resume" : ""),
                Map.of("from", before.name(), "to", router.role().name()));
        return outcome;
    }

    // ---- Peer link and director backend hooks (HA loop) ----------------------------------------

    /** @param committer installs replicated connections at each takeover (backends without a kernel sync daemon) */
    public void commitStateWith(ConnectionCommitter committer) {
        this.committer = committer;
    }

    /** What a replicated connection must pass to enter the table, and its bound; HA loop. */
    public void admitConnections(io.lvsha.state.table.ConnectionAdmission admission, int maxConnections) {
        peers.admit(admission, maxConnections);
    }

    /** Connections the director backend exported (this node is master, and sent them to the peer): kept. */
    public void onExportedConnections(List<io.lvsha.state.sync.ConnectionRecord> connections) {
        peers.keep(connections);
    }

    /** Connections the director backend reported ended (this node is master, and told the peer): dropped. */
    public void onEndedConnections(List<io.lvsha.state.sync.ConnectionRecord> connections) {
        peers.forget(connections);
    }

    /** Connections the kernel's sync daemon sent or received, from the mirror. */
    public void onKernelMessage(io.lvsha.state.sync.SyncMessage message) {
        peers.onConnections(message.connections());
    }

    /** @param listener told true when this node became master, false when it became anything else */
    public void onMastershipChange(java.util.function.Consumer<Boolean> listener) {
        this.mastershipListener = listener;
    }

    public void attachPeerLink(java.util.function.Predicate<PeerFrame> sender) {
        peers.attach(sender);
    }

    /** @see PeerSession#holdPreemptUntilInSync */
    public void holdPreemptUntilInSync() {
        peers.holdPreemptUntilInSync();
    }

    public void onPeerUp(Hello hello, String ownDigest) {
        peers.up(hello, ownDigest);
    }

    /** The link broke. If the peer is our master, its agent probably died: check sooner than Master_Down_Interval. */
    public void onPeerDown(String why) {
        peers.down(why);
        if (participating) {
            long now = clock.nanoTime();
            handle(new VrrpEvent.MasterLinkLost(), now, now);
        }
    }

    public void onPeerFrame(PeerFrame frame) {
        if (peers.onReplicationFrame(frame) || frame.type() != PeerFrameTypes.SWITCHOVER_REQUEST || !participating) {
            return;
        }
        String refusal = router.role() == Role.BACKUP ? router.switchoverRefusal() : "not backup";
        if (refusal != null) {
            events.emit("switchover", "the peer asked us to take over; refused: " + refusal, Map.of("refused", refusal));
            return;
        }
        long now = clock.nanoTime();
        handle(new VrrpEvent.Switchover(0), now, now);
        events.emit("switchover", "took over at the peer's request (make-before-break)", Map.of("to", "MASTER"));
    }

    /** The replicated table, or one client's part of it (see {@link StateSync#connections}). */
    Map<String, Object> connections(io.lvsha.vrrp.IpAddress client, int limit) {
        Map<String, Object> reply = new java.util.LinkedHashMap<>();
        // A master's table also holds what its own dataplane exports; a backup's is only the master's
        reply.put("role", router.role().name());
        reply.putAll(peers.connections(client, limit));
        return reply;
    }

    Map<String, Object> syncStatus() {
        return peers.syncStatus();
    }

    /** Replicated connections, backup sync state (0 no peer, 1 catching up, 2 in sync), lag and repairs, for metrics. */
    public long[] publishedSync() {
        return peers.published();
    }

    Map<String, Object> peerStatus() {
        return peers.status();
    }

    public Map<String, Object> resume() {
        long now = clock.nanoTime();
        handle(new VrrpEvent.Resume(), now, now);
        events.emit("resume", "switchover hold ended by an operator", Map.of());
        return Map.of("role", router.role().name(), "holding", false);
    }

    /** Leaves the group (resigning if master) and stays out until {@code on} is false. */
    public Map<String, Object> maintenance(boolean on) {
        if (on == maintenance) {
            return Map.of("maintenance", on, "changed", false, "role", router.role().name());
        }
        maintenance = on;
        long now = clock.nanoTime();
        if (on) {
            participating = false;
            handle(new VrrpEvent.Shutdown(), now, now);
        } else {
            participating = true;
            handle(new VrrpEvent.Startup(), now, now);
            int effective = links.effectivePriority(basePriority());
            if (effective != router.priority()) {
                handle(new VrrpEvent.PriorityChanged(effective), now, now);
            }
        }
        events.emit("maintenance", on ? "on: left the group, refusing mastership until 'maintenance off'"
                : "off: rejoined the group", Map.of("maintenance", on));
        return Map.of("maintenance", on, "changed", true, "role", router.role().name());
    }

    /** An operator's priority ({@code null}: back to the configured one); tracked links still apply. */
    public Map<String, Object> setPriority(Integer priority) {
        priorityOverride = priority;
        return applyPriority("priority " + (priority == null ? "reset to the configured " + configuredPriority
                : "set to " + priority) + " by an operator");
    }

    private Map<String, Object> applyPriority(String why) {
        int effective = links.effectivePriority(basePriority());
        if (participating && effective != router.priority()) {
            long now = clock.nanoTime();
            handle(new VrrpEvent.PriorityChanged(effective), now, now);
        }
        events.emit("priority-changed", why + "; effective " + effective,
                Map.of("base", basePriority(), "effective", effective));
        return Map.of("base", basePriority(), "effective", effective, "role", router.role().name());
    }

    /** Takes the reloadable settings of a new configuration (the caller checked the rest is unchanged). */
    public Map<String, Object> reload(int priority, List<io.lvsha.agent.config.AgentConfig.Track> tracks,
                                      AnnouncementSchedule.Plan garp) {
        configuredPriority = priority;
        links.replaceTracks(tracks);
        announcements.replacePlan(garp);
        Map<String, Object> result = new LinkedHashMap<>(applyPriority("configuration reloaded"));
        result.put("maintenance", maintenance);
        return result;
    }

    /** Sends an announcement burst now (master only). */
    public Map<String, Object> announceNow() {
        if (router.role() != Role.MASTER) {
            throw new IllegalStateException("not master: only the master announces the VIPs");
        }
        int sent = vips.announce(announcements.start(clock.nanoTime()));
        metrics.garpsSent(sent);
        events.emit("garp-sent", sent + " announcements (requested by an operator)",
                Map.of("count", sent, "reason", "operator"));
        return Map.of("sent", sent);
    }

    boolean isMaintenance() {
        return maintenance;
    }

    Integer priorityOverride() {
        return priorityOverride;
    }

    int configuredPriority() {
        return configuredPriority;
    }

    long startedAtMillis() {
        return startedAtMillis;
    }

    Map<String, Object> lastTransition() {
        return lastTransition;
    }

    /** The last takeover's time from its cause to the first GARP, or -1; read by the metrics. */
    public long lastTakeoverMicros() {
        return lastTakeoverMicros;
    }

    List<HeartbeatChannel> channels() {
        return channels;
    }

    VipSet vips() {
        return vips;
    }

    boolean isChannelUp(int channel) {
        return links.isChannelUp(channel);
    }

    public VirtualRouter router() {
        return router;
    }

    public long advertSendFailures() {
        return advertSendFailures;
    }
}
