package io.lvsha.agent.group;

import io.lvsha.agent.channel.HeartbeatChannel;
import io.lvsha.agent.config.AgentConfig;
import io.lvsha.vrrp.DropReason;
import io.lvsha.vrrp.IpAddress;
import io.lvsha.vrrp.Role;
import io.lvsha.vrrp.VirtualRouter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The answers to `status` (who is master and why, per channel what is heard) and `connections`. Built on the HA loop. */
final class StatusReport {
    private StatusReport() {
    }

    /**
     * The agent: node, version, uptime and each group's status under "groups"; an agent of one
     * group also has that group's fields at the top, as before there were several.
     */
    static Map<String, Object> of(List<RunningGroup> groups, AgentConfig config, long nowNanos) {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("node", config.node());
        status.put("version", Versions.AGENT);
        status.put("uptime_s", (System.currentTimeMillis() - groups.get(0).controller().startedAtMillis()) / 1000);
        List<Map<String, Object>> each = new ArrayList<>();
        for (RunningGroup group : groups) {
            each.add(group(group, nowNanos));
        }
        if (groups.size() == 1) {
            status.putAll(each.get(0));
        }
        status.put("groups", each);
        return status;
    }

    private static Map<String, Object> group(RunningGroup group, long nowNanos) {
        GroupController controller = group.controller();
        VirtualRouter router = controller.router();
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("group", group.name());
        status.put("vrid", router.config().vrid());
        status.put("vrrp_version", router.config().version().wireValue());
        status.put("role", router.role().name());
        status.put("maintenance", controller.policy().isMaintenance());
        status.put("holding", router.isHolding());
        Map<String, Object> priority = new LinkedHashMap<>();
        priority.put("configured", controller.policy().configuredPriority());
        priority.put("override", controller.policy().priorityOverride());
        priority.put("effective", router.priority());
        priority.put("tracked", controller.trackStatus());
        status.put("priority", priority);
        Map<String, Object> master = new LinkedHashMap<>();
        IpAddress masterAddress = router.role() == Role.MASTER ? null : router.masterAddress();
        master.put("address", router.role() == Role.MASTER ? "self" : masterAddress == null ? null : masterAddress.toString());
        master.put("priority", router.role() == Role.MASTER ? router.priority() : router.masterPriority());
        status.put("master", master);
        status.put("advert_interval_ms", router.config().adverIntervalCentis() * 10);
        status.put("master_down_interval_ms", router.masterDownIntervalNanos() / 1e6);
        List<Map<String, Object>> channels = new ArrayList<>();
        for (HeartbeatChannel channel : controller.dataplane().channels()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("name", channel.name());
            entry.put("interface", channel.iface());
            entry.put("link", controller.dataplane().isChannelUp(channel.index()) ? "up" : "down");
            entry.put("lost", router.isChannelLost(channel.index()));
            long heard = channel.lastHeardNanos();
            entry.put("last_advert_age_ms", heard == 0 ? null : (nowNanos - heard) / 1_000_000);
            entry.put("sent", channel.sent());
            entry.put("received", channel.received());
            // Empty: adverts from any source count (the RFC's behaviour, open to forged adverts).
            entry.put("known_speakers", channel.knownSpeakers().stream().map(Object::toString).sorted().toList());
            Map<String, Long> dropped = new LinkedHashMap<>();
            for (DropReason reason : DropReason.values()) {
                long count = channel.drops().total(reason);
                if (count > 0) {
                    dropped.put(reason.metricName(), count);
                }
            }
            entry.put("dropped", dropped);
            channels.add(entry);
        }
        status.put("channels", channels);
        List<Map<String, Object>> vips = new ArrayList<>();
        List<Boolean> present = controller.dataplane().vipsPresent();
        for (int i = 0; i < group.config().vips().size(); i++) {
            AgentConfig.Vip vip = group.config().vips().get(i);
            vips.add(Map.of("address", vip.address().toString(), "interface", vip.iface(),
                    "here", present.get(i)));
        }
        status.put("vips", vips);
        status.put("peer_link", controller.peers().status());
        status.put("sync", controller.peers().syncStatus());
        status.put("last_transition", controller.lastTransition());
        return status;
    }

    /** The replicated table, or one client's part of it (see {@link StateSync#connections}). */
    static Map<String, Object> connections(GroupController controller, IpAddress client, int limit) {
        Map<String, Object> reply = new LinkedHashMap<>();
        // A master's table also holds what its own dataplane exports; a backup's is only the master's
        reply.put("role", controller.router().role().name());
        reply.putAll(controller.peers().connections(client, limit));
        return reply;
    }
}
