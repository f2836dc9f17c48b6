package io.lvsha.agent.group;

import io.lvsha.agent.channel.HeartbeatChannel;
import io.lvsha.agent.loop.HaLoop;
import io.lvsha.agent.metrics.AgentMetrics;
import io.lvsha.vrrp.DropReason;
import java.util.List;

/** What the agent exports about its group, its loop and its channels (README "Metrics"). */
final class MetricsWiring {
    static void register(AgentMetrics metrics, GroupController controller,
                         List<HeartbeatChannel> channels, HaLoop loop) {
        loop.reportLagTo(metrics::loopLag);
        metrics.textGauge("vrrp.role", () -> controller.publishedRole().name());
        metrics.gauge("vrrp.priority", controller::publishedPriority);
        metrics.gauge("vrrp.late_timer_deferrals", controller.router()::lateTimerDeferrals);
        metrics.gauge("vrrp.fsm.impossible", controller.router()::impossibleEvents);
        metrics.gauge("vrrp.advert_send_failures", controller.dataplane()::advertSendFailures);
        metrics.gauge("garp.send_failures", controller.dataplane()::garpSendFailures);
        metrics.gauge("ha.loop.stalls", loop::stalls);
        metrics.gauge("ha.loop.task.failures", loop::taskFailures);
        metrics.gauge("sync.connections", () -> controller.peers().published()[0]);
        metrics.gauge("sync.state", () -> controller.peers().published()[1]);
        metrics.gauge("sync.behind", () -> controller.peers().published()[2]);
        metrics.gauge("sync.repaired", () -> controller.peers().published()[3]);
        metrics.gauge("sync.refused", () -> controller.peers().published()[4]);
        for (HeartbeatChannel channel : channels) {
            String prefix = "vrrp.channel." + channel.name();
            metrics.gauge(prefix + ".adverts.sent", channel::sent);
            metrics.gauge(prefix + ".adverts.received", channel::received);
            for (DropReason reason : DropReason.values()) {
                metrics.gauge(prefix + ".adverts.dropped." + reason.metricName(), () -> channel.drops().total(reason));
            }
        }
    }

    private MetricsWiring() {
    }
}
