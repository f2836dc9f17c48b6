package io.lvsha.agent.group;

import io.lvsha.agent.channel.HeartbeatChannel;
import io.lvsha.agent.config.AgentConfig;
import io.lvsha.agent.event.EventLog;
import io.lvsha.agent.loop.HaLoop;
import io.lvsha.agent.metrics.AgentMetrics;
import io.lvsha.agent.vip.VipSet;
import io.lvsha.arp.AnnouncementSchedule;
import io.lvsha.state.peer.PeerFrame;
import io.lvsha.state.peer.PeerFrameTypes;
import io.lvsha.vrrp.Clock;
import io.lvsha.vrrp.ReceivedAdvert;
import io.lvsha.vrrp.Role;
import io.lvsha.vrrp.VirtualRouter;
import io.lvsha.vrrp.VrrpEvent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Runs one failover group on the HA loop: turns what happens (adverts, timers, links, the peer,
 * operators) into {@link GroupPolicy} inputs, and carries out what it decides: router actions
 * through the {@link TakeoverExecutor}, everything else through the {@link GroupReporter}, the
 * peer link or an operator's reply. HA loop only.
 */
public final class GroupController implements HaLoop.Deadlines {
    private final GroupPolicy policy;
    private final VirtualRouter router;
    private final List<HeartbeatChannel> channels;
    private final LinkTracker links;
    private final Clock clock;
    private final GroupReporter reporter;
    private final GroupDataplane dataplane;
    private final TakeoverExecutor executor;
    private final GroupUpkeep upkeep;
    /** The other agent: the link, the replicated table and the preempt hold while it fills. */
    private final PeerSession peers;
    private final long startedAtMillis = System.currentTimeMillis();
    /** Started and not stopped: the loop serves our deadlines. */
    private boolean running;
    /** An operator's switchover waiting for its answer (make-before-break: until this node released). */
    private CompletableFuture<Map<String, Object>> switchoverReply;
    /** Told of every role change after its takeover or release has run: the peer session, the director, the hooks. */
    private final List<RoleListener> roleListeners = new ArrayList<>();
    private TrackTerms terms;
    /** The role and priority as of the last event, for threads other than the HA loop (metrics). */
    private volatile Role publishedRole = Role.INITIALIZE;
    private volatile int publishedPriority;

    GroupController(VirtualRouter router, List<HeartbeatChannel> channels, VipSet vips,
                    AnnouncementSchedule announcements, LinkTracker links, EventLog events, Clock clock,
                    AgentMetrics metrics) {
        this.policy = new GroupPolicy(router);
        this.router = router;
        this.channels = List.copyOf(channels);
        this.links = links;
        this.clock = clock;
        this.reporter = new GroupReporter(events, metrics, channels);
        this.peers = new PeerSession(router, fact -> apply(policy.routerFact(fact, clock.nanoTime())), events, clock,
                metrics::reachedBackupTable);
        this.dataplane = new GroupDataplane(channels, links, vips, announcements, peers::snapshot);
        this.executor = new TakeoverExecutor(dataplane, clock);
        this.upkeep = new GroupUpkeep(vips, announcements, links, peers, reporter);
        this.terms = new TrackTerms(AgentConfig.Tracking.NONE, links);
        onRoleChange((change, priority) -> {
            if (change.to() == Role.BACKUP) {
                peers.becameBackup();
            } else if (change.to() == Role.MASTER) {
                peers.becameMaster();
            }
        });
    }

    /** Removes VIPs an earlier run left behind, then joins the group (as backup, or master if owner). */
    public void start() {
        long now = clock.nanoTime();
        upkeep.start(now);
        running = true;
        apply(policy.start(now));
    }

    /** Leaves the group: a master resigns with priority 0 and removes its VIPs. */
    public void shutdown() {
        running = false;
        apply(policy.stop(clock.nanoTime()));
    }

    /** @param receivedNanos when the frame was captured */
    public void onAdvert(int channel, ReceivedAdvert advert, long receivedNanos) {
        apply(policy.advert(channel, advert, receivedNanos));
    }

    @Override
    public boolean hasDeadline() {
        return running;
    }

    @Override
    public long nextDeadline() {
        return policy.hasDeadline() ? GroupUpkeep.earlier(upkeep.nextDeadline(), policy.nextDeadline()) : upkeep.nextDeadline();
    }

    /** Only a timer of the router's while not master (the Master_Down_Timer, above all) is spun for. */
    @Override
    public boolean precise() {
        return router.role() != Role.MASTER && policy.hasDeadline() && policy.nextDeadline() == nextDeadline();
    }

    @Override
    public void onDeadline(long now, long deadline) {
        if (policy.hasDeadline() && now - policy.nextDeadline() >= 0) {
            apply(policy.tick(now));
        }
        upkeep.run(now, router.role(), new LinkChanges(now));
    }

    /** Carries out what the policy decided, in its order. */
    private void apply(List<GroupAction> decided) {
        TakeoverRecord last = null;
        for (GroupAction action : decided) {
            if (action instanceof GroupAction.Execute execute) {
                last = executor.run(execute.actions(), execute.cause(), execute.vipsStay());
                // never ask the kernel here: this runs for every advert (a dump per advert: 200 groups took 52 % of a core, 18 % without)
                reporter.takeover(last, router.priority(), dataplane.vipCount());
                for (RoleListener listener : last.roleChange() == null ? List.<RoleListener>of() : roleListeners) {
                    listener.roleChanged(last.roleChange(), router.priority());
                }
            } else if (action instanceof GroupAction.AskPeerToTakeOver) {
                if (peers.send(new PeerFrame(PeerFrameTypes.SWITCHOVER_REQUEST, new byte[0]))) {
                    reporter.askedPeer(peers.peerName());
                } else {
                    apply(policy.peerUnreachable(clock.nanoTime()));
                }
            } else if (action instanceof GroupAction.ReleaseHeldVips release) {
                reporter.heldVipsReleased(release.why(), dataplane.releaseVips());
            } else if (action instanceof GroupAction.SwitchoverAnswered answered) {
                answerSwitchover(answered, last);
            } else {
                reporter.decision(action, router.role());
            }
        }
        publishedRole = router.role();
        publishedPriority = router.priority();
    }

    private void answerSwitchover(GroupAction.SwitchoverAnswered answered, TakeoverRecord run) {
        if (switchoverReply == null) {
            return;
        }
        Map<String, Object> reply = new LinkedHashMap<>((run != null ? run : TakeoverRecord.nothing(0))
                .outcome(router.role(), router.priority()));
        if (answered.makeBeforeBreak()) {
            reply.put("make_before_break", true);
            reply.put("released_after_ms", answered.releasedAfterNanos() / 1e6);
        }
        if (!answered.changed()) {
            reply.put("changed", false);
        }
        switchoverReply.complete(reply);
        switchoverReply = null;
    }

    /** Turns link changes into policy inputs and event-log lines. */
    private final class LinkChanges implements LinkTracker.Changes {
        private final long now;

        LinkChanges(long now) {
            this.now = now;
        }

        @Override
        public void channelLink(int channel, String iface, boolean up) {
            reporter.channelLink(channels.get(channel), up);
            apply(policy.routerFact(up ? new VrrpEvent.ChannelUp(channel) : new VrrpEvent.ChannelDown(channel), now));
            boolean allDown = channels.stream().noneMatch(c -> links.isChannelUp(c.index()));
            roleListeners.forEach(listener -> listener.channelLinks(allDown, router.role(), router.priority()));
        }

        @Override
        public void trackedLink(String iface, boolean up) {
            List<GroupAction> decided = policy.trackPenalty(terms.adjustment(), now);
            reporter.trackedLink(iface, up, policy.effectivePriority());
            apply(decided);
        }
    }

    // ---- Operator commands (admin socket), HA loop only ----------------------------------

    /**
     * Hands mastership over (see {@link GroupPolicy#switchover}); completes when this node has
     * released (make-before-break) or at once.
     *
     * @throws IllegalStateException with the reason if it cannot work now
     */
    public CompletableFuture<Map<String, Object>> switchover(long holdNanos) {
        List<GroupAction> decided = policy.switchover(clock.nanoTime(), holdNanos, peers.isUp());
        CompletableFuture<Map<String, Object>> reply = new CompletableFuture<>();
        switchoverReply = reply;
        apply(decided);
        return reply;
    }

    /** A member of this group's sync group changed role (called on the HA loop, after its own change ran). */
    void followSyncGroup(String member, boolean memberMaster) {
        apply(policy.syncGroupMember(member, memberMaster, clock.nanoTime()));
    }

    public Map<String, Object> resume() {
        apply(policy.resume(clock.nanoTime()));
        return Map.of("role", router.role().name(), "holding", router.isHolding());
    }

    /** Leaves the group (resigning if master) and stays out until {@code on} is false. */
    public Map<String, Object> maintenance(boolean on) {
        List<GroupAction> decided = policy.maintenance(on, clock.nanoTime());
        apply(decided);
        return Map.of("maintenance", on, "changed", !decided.isEmpty(), "role", router.role().name());
    }

    /** An operator's priority ({@code null}: back to the configured one); tracked links still apply. */
    public Map<String, Object> setPriority(Integer priority) {
        apply(policy.setPriority(priority, clock.nanoTime()));
        return priorityReply();
    }

    /** Takes the reloadable settings of a new configuration (the caller checked the rest is unchanged). */
    public Map<String, Object> reload(int priority, AgentConfig.Tracking tracking, AnnouncementSchedule.Plan garp) {
        track(tracking);
        upkeep.replacePlan(garp);
        apply(policy.reload(priority, terms.adjustment(), clock.nanoTime()));
        Map<String, Object> result = new LinkedHashMap<>(priorityReply());
        result.put("maintenance", policy.isMaintenance());
        return result;
    }

    /** What is tracked; unchanged terms keep what they last reported. Before start, or on the HA loop. */
    void track(AgentConfig.Tracking tracking) {
        terms = terms.following(tracking);
    }

    /** A tracked script, file or service reported; {@code update} applies it to the terms. HA loop. */
    void onTrack(String what, Predicate<TrackTerms> update) {
        if (update.test(terms)) {
            List<GroupAction> decided = policy.trackPenalty(terms.adjustment(), clock.nanoTime());
            reporter.trackChanged(what, terms.status(), policy.effectivePriority());
            apply(decided);
        }
    }

    /** Each tracked term for `status`: interfaces, then scripts, files and services. */
    List<Map<String, Object>> trackStatus() {
        return terms.status();
    }

    private Map<String, Object> priorityReply() {
        return Map.of("base", policy.basePriority(), "effective", policy.effectivePriority(), "role", router.role().name());
    }

    /** Sends an announcement burst now (master only). */
    public Map<String, Object> announceNow() {
        if (router.role() != Role.MASTER) {
            throw new IllegalStateException("not master: only the master announces the VIPs");
        }
        return Map.of("sent", upkeep.announceNow(clock.nanoTime()));
    }

    // ---- Peer link and director backend hooks (HA loop) ----------------------------------------

    /**
     * @param committer installs replicated connections at each takeover (backends without a kernel sync daemon)
     * @param loop where the outcome of a commit that ran in the background is reported
     */
    public void commitStateWith(ConnectionCommitter committer, java.util.concurrent.Executor loop) {
        dataplane.commitStateWith(committer);
        dataplane.reportBackgroundCommitsTo((result, cause) -> {
            long committedAt = clock.nanoTime();
            loop.execute(() -> reporter.committed(result, (committedAt - cause) / 1000));
        });
    }

    /** @param listener told of every role change once its takeover or release has run (after the GARP) */
    void onRoleChange(RoleListener listener) {
        roleListeners.add(listener);
    }

    /** @param listener told true when this node became master, false when it became anything else */
    public void onMastershipChange(Consumer<Boolean> listener) {
        onRoleChange((change, priority) -> listener.accept(change.to() == Role.MASTER));
    }

    /** The replicated table, the peer link and the preempt hold, for the director's and the link's hooks. */
    PeerSession peers() {
        return peers;
    }

    /** The link broke. If the peer is our master, its agent probably died: check sooner than Master_Down_Interval. */
    public void onPeerDown() {
        peers.down();
        apply(policy.peerLinkLost(clock.nanoTime()));
    }

    public void onPeerFrame(PeerFrame frame) {
        if (!peers.onReplicationFrame(frame) && frame.type() == PeerFrameTypes.SWITCHOVER_REQUEST) {
            apply(policy.peerAsksTakeOver(clock.nanoTime()));
        }
    }

    public Role publishedRole() {
        return publishedRole;
    }

    public int publishedPriority() {
        return publishedPriority;
    }

    GroupPolicy policy() {
        return policy;
    }

    long startedAtMillis() {
        return startedAtMillis;
    }

    Map<String, Object> lastTransition() {
        return reporter.lastTransition();
    }

    /** The channels, their links and the VIPs, for `status`. */
    GroupDataplane dataplane() {
        return dataplane;
    }

    public VirtualRouter router() {
        return router;
    }
}
