package io.lvsha.agent.group;

import io.lvsha.agent.channel.HeartbeatChannel;
import io.lvsha.agent.event.EventLog;
import io.lvsha.agent.loop.HaLoop;
import io.lvsha.agent.loop.StallReports;
import io.lvsha.agent.metrics.AgentMetrics;
import io.lvsha.vrrp.DropReason;
import java.util.List;
import java.util.Map;

/**
 * What the agent exports about its loop (and the loop's stalls as host-stall events), and about
 * each group and its channels (README "Metrics").
 */
final class MetricsWiring {
    /** At most one host-stall event per minute after the first: 10 ms adverts on a busy host stall often. */
    private static final long STALL_REPORT_QUIET_NANOS = 60_000_000_000L;

    static void registerLoop(AgentMetrics metrics, HaLoop loop, EventLog events) {
        loop.reportLagTo(metrics::loopLag);
        StallReports reports = new StallReports(STALL_REPORT_QUIET_NANOS);
        loop.reportStallsTo(lag -> {
            StallReports.Report report = reports.stalled(System.nanoTime(), lag);
            if (report != null) {
                events.emit("host-stall", String.format("the HA loop served a timer %.1f ms late: this machine (or"
                                + " the JVM) held the agent up, so adverts may have been missed here, not lost by the"
                                + " peer; %d stall(s) since the last report, the longest %.1f ms", report.lagNanos() / 1e6,
                                report.stalls(), report.longestNanos() / 1e6),
                        Map.of("lag_ms", report.lagNanos() / 1e6, "stalls", report.stalls(),
                                "longest_ms", report.longestNanos() / 1e6));
            }
        });
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
