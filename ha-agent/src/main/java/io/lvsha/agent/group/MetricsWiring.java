package io.lvsha.agent.group;

import io.lvsha.agent.channel.HeartbeatChannel;
import io.lvsha.agent.loop.HaLoop;
import io.lvsha.agent.metrics.AgentMetrics;
import io.lvsha.vrrp.DropReason;
import java.util.List;

/** What the agent exports about its loop, and about each group and its channels (README "Metrics"). */
final class MetricsWiring {
    static void registerLoop(AgentMetrics metrics, HaLoop loop) {
        loop.reportLagTo(metrics::loopLag);
        metrics.gauge("ha.loop.stalls", loop::stalls);
        metrics.gauge("ha.loop.task.failures", loop::taskFailures);
    }

    /** @param prefix "" for an agent's only group, "group.NAME." for each of several */
    static void registerGroup(AgentMetrics metrics, String prefix, GroupController controller, List<HeartbeatChannel> channels) {
        metrics.textGauge(prefix + "vrrp.role", () -> controller.publishedRole().name());
        metrics.gauge(prefix + "vrrp.priority", controller::publishedPriority);
        metrics.gauge(prefix + "vrrp.late_timer_deferrals", controller.router()::lateTimerDeferrals);
        metrics.gauge(prefix + "vrrp.fsm.impossible", controller.router()::impossibleEvents);
        metrics.gauge(prefix + "vrrp.advert_send_failures", controller.dataplane()::advertSendFailures);
        metrics.gauge(prefix + "garp.send_failures", controller.dataplane()::garpSendFailures);
        metrics.gauge(prefix + "sync.connections", () -> controller.peers().published()[0]);
        metrics.gauge(prefix + "sync.state", () -> controller.peers().published()[1]);
        metrics.gauge(prefix + "sync.behind", () -> controller.peers().published()[2]);
        metrics.gauge(prefix + "sync.repaired", () -> controller.peers().published()[3]);
        metrics.gauge(prefix + "sync.refused", () -> controller.peers().published()[4]);
        for (HeartbeatChannel channel : channels) {
            String channelPrefix = prefix + "vrrp.channel." + channel.name();
            metrics.gauge(channelPrefix + ".adverts.sent", channel::sent);
            metrics.gauge(channelPrefix + ".adverts.received", channel::received);
            for (DropReason reason : DropReason.values()) {
                metrics.gauge(channelPrefix + ".adverts.dropped." + reason.metricName(), () -> channel.drops().total(reason));
            }
        }
    }

    private MetricsWiring() {
    }
}
