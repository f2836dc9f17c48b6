package io.lvsha.agent.group;

import io.lvsha.agent.channel.HeartbeatChannel;
import io.lvsha.agent.event.EventLog;
import io.lvsha.agent.metrics.AgentMetrics;
import io.lvsha.agent.vip.VipSet;
import io.lvsha.vrrp.DropReason;
import io.lvsha.vrrp.Role;
import io.lvsha.vrrp.VrrpAction;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A group's events and metrics: one line per thing an operator cares about, after the thing is
 * done. HA loop only (the metrics it feeds are read elsewhere).
 */
final class GroupReporter {
    private final EventLog events;
    private final AgentMetrics metrics;
    private final List<HeartbeatChannel> channels;
    private volatile Map<String, Object> lastTransition = Map.of();

    GroupReporter(EventLog events, AgentMetrics metrics, List<HeartbeatChannel> channels) {
        this.events = events;
        this.metrics = metrics;
        this.channels = List.copyOf(channels);
    }

    /** Everything one run of router actions did, in the order it happened. */
    void takeover(TakeoverRecord run, int priority, int vipCount) {
        if (run.commit() != null) {
            committed(run.commit(), run.micros(run.committedAt()));
        }
        if (run.roleChange() != null) {
            roleChange(run, priority);
        }
        run.vipChanges().forEach(this::vipChange);
        if (run.garpSent() >= 0) {
            garpSent(run.garpSent(), run.garpSent() + " announcements for " + vipCount + " VIPs",
                    run.roleChange() != null ? "takeover" : "lower-priority advert");
        }
        for (VrrpAction action : run.channelChanges()) {
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

    /** A takeover's commit, done {@code commitMicros} after the takeover's cause (before the VIPs, or after the GARP). */
    void committed(TakeoverSteps.CommitResult commit, long commitMicros) {
        events.emit(commit.error() == null ? "state-committed" : "state-commit-failed", commit.error() != null
                ? commit.error() : commit.installed() + " replicated connections installed in "
                + commitMicros + " us from the timer" + (commit.refusal() == null ? ""
                : "; " + commit.refusal()), Map.of("connections", commit.installed(), "refused", commit.refused(),
                "commit_us", commitMicros));
    }

    private void roleChange(TakeoverRecord run, int priority) {
        VrrpAction.RoleChanged change = run.roleChange();
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("from", change.from().name());
        fields.put("to", change.to().name());
        fields.put("cause", change.reason().cause().name());
        fields.put("reason", change.reason().detail());
        fields.put("priority", priority);
        String text = change.from() + " -> " + change.to() + " (" + change.reason().detail() + ")";
        if (run.becameMaster()) {
            fields.put("takeover", run.timings());
            text += "; from the timer: advert +" + run.micros(run.advertAt()) + " us, VIPs +" + run.micros(run.vipsAt())
                    + " us, first GARP +" + run.micros(run.garpAt()) + " us";
            metrics.takeover(run.takeoverMicros());
        }
        events.emit("role-change", text, fields);
        Map<String, Object> transition = new LinkedHashMap<>(fields);
        transition.put("time", java.time.Instant.now().toString());
        lastTransition = transition;
        metrics.roleChanged();
    }

    /** What the policy decided besides the router's actions; {@code role} is the router's after them. */
    void decision(GroupAction action, Role role) {
        if (action instanceof GroupAction.SwitchoverFellBack late) {
            events.emit("switchover", "the peer did not take over within " + late.waitedNanos() / 1_000_000
                    + " ms; resigning with priority 0 instead", Map.of("fallback", true));
        } else if (action instanceof GroupAction.HandedOver handed) {
            events.emit("switchover", handed.from() + " handed over by an operator" + (handed.from() == Role.MASTER
                    ? "; not preempting back for " + handed.holdNanos() / 1_000_000_000L + " s or until resume" : ""),
                    Map.of("from", handed.from().name(), "to", handed.to().name()));
        } else if (action instanceof GroupAction.PeerRequestAnswered answer) {
            if (answer.refusal() != null) {
                events.emit("switchover", "the peer asked us to take over; refused: " + answer.refusal(),
                        Map.of("refused", answer.refusal()));
            } else {
                events.emit("switchover", "took over at the peer's request (make-before-break)", Map.of("to", role.name()));
            }
        } else if (action instanceof GroupAction.SyncGroupFollowed followed) {
            events.emit("sync-group", followed.memberMaster()
                    ? followed.member() + " is master again: this group's hold ends, it preempts as it would"
                    : followed.member() + " left mastership: this group resigned with it (one goes, all go) and holds back"
                    + " until a member is master again", Map.of("member", followed.member(), "member_master", followed.memberMaster(),
                    "role", role.name()));
        } else if (action instanceof GroupAction.Resumed) {
            events.emit("resume", "switchover hold ended by an operator", Map.of());
        } else if (action instanceof GroupAction.MaintenanceChanged maintenance) {
            events.emit("maintenance", maintenance.on() ? "on: left the group, refusing mastership until 'maintenance off'"
                    : "off: rejoined the group", Map.of("maintenance", maintenance.on()));
        } else if (action instanceof GroupAction.PriorityApplied priority) {
            events.emit("priority-changed", priority.why() + "; effective " + priority.effective(),
                    Map.of("base", priority.base(), "effective", priority.effective()));
        }
    }

    void askedPeer(String peerName) {
        events.emit("switchover", "asked " + peerName + " to take over first (make-before-break)",
                Map.of("from", "MASTER", "peer", peerName));
    }

    /** The VIPs a resigned master kept until a new master showed itself are gone now, for {@code why}. */
    void heldVipsReleased(String why, List<VipSet.Change> changes) {
        for (VipSet.Change change : changes) {
            vipChange(change, " (kept through the switchover until " + why + ")", Map.of("reason", why));
        }
    }

    void vipChange(VipSet.Change change) {
        vipChange(change, "", Map.of());
    }

    private void vipChange(VipSet.Change change, String because, Map<String, Object> more) {
        String vip = change.vip().address().toString();
        String iface = change.vip().iface();
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("vip", vip);
        fields.put("interface", iface);
        fields.putAll(more);
        if (change.error() != null) {
            fields.put("error", change.error());
            events.emit("vip-error", vip + " on " + iface + ": " + change.error(), fields);
        } else if (change.changed()) {
            events.emit(change.added() ? "vip-added" : "vip-removed", vip + " on " + iface + because, fields);
        }
    }

    void leftoverVipRemoved(VipSet.Change change) {
        events.emit("vip-removed", change.vip().address() + " on " + change.vip().iface()
                + " (left by an earlier run, removed before joining)", Map.of("vip", change.vip().address().toString(),
                "interface", change.vip().iface(), "reason", "leftover"));
    }

    void vipExpiredAndBack(VipSet.Change change, long lifetimeSeconds) {
        String vip = change.vip().address().toString();
        events.emit("vip-added", vip + " on " + change.vip().iface() + " (back: its " + lifetimeSeconds
                + " s lifetime ran out before the renewal, the HA loop was held up)", Map.of("vip", vip,
                "interface", change.vip().iface(), "reason", "expired"));
    }

    void vipRenewalRecovered() {
        events.emit("vip-renewed", "the VIPs' lifetimes are renewed again", Map.of());
    }

    void garpSent(int sent, String text, String reason) {
        metrics.garpsSent(sent);
        events.emit("garp-sent", text, Map.of("count", sent, "reason", reason));
    }

    void channelLink(HeartbeatChannel channel, boolean up) {
        events.emit(up ? "link-up" : "link-down", channel.iface() + " (channel " + channel.name() + ")",
                Map.of("interface", channel.iface(), "channel", channel.name()));
    }

    void trackedLink(String iface, boolean up, int priority) {
        events.emit(up ? "link-up" : "link-down", iface + " (tracked): priority now " + priority,
                Map.of("interface", iface, "priority", priority));
    }

    /** A tracked script, file or service moved the priority (or reported something new). */
    void trackChanged(String what, List<Map<String, Object>> terms, int priority) {
        Map<String, Object> term = terms.stream().filter(t -> what.equals(t.get("track"))).findFirst().orElse(Map.of());
        events.emit("track-changed", what + ": " + term.getOrDefault("state", "?")
                + (term.containsKey("detail") ? " (" + term.get("detail") + ")" : "") + "; priority now " + priority,
                Map.of("track", what, "state", String.valueOf(term.getOrDefault("state", "?")),
                        "applied", term.getOrDefault("applied", 0), "priority", priority));
    }

    /** The channels' drops since the last report, one line per channel that dropped any. */
    void drops(long periodSeconds) {
        for (HeartbeatChannel channel : channels) {
            Map<DropReason, Long> fresh = channel.drops().takeNewDrops();
            if (fresh.isEmpty()) {
                continue;
            }
            Map<String, Object> byReason = new LinkedHashMap<>();
            fresh.forEach((reason, count) -> byReason.put(reason.metricName(), count));
            events.emit("packets-dropped", channel.name() + ": " + byReason + " in the last " + periodSeconds + " s",
                    Map.of("channel", channel.name(), "dropped", byReason));
        }
    }

    Map<String, Object> lastTransition() {
        return lastTransition;
    }
}
