package io.lvsha.agent.group;

import io.lvsha.agent.config.AgentConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Which changed fields a reload cannot take: all but priority, tracked interfaces, the GARP schedule, the notify hooks and the services. */
final class ReloadCheck {
    private ReloadCheck() {
    }

    static List<String> fieldsNeedingRestart(AgentConfig running, AgentConfig fresh) {
        List<String> fields = new ArrayList<>();
        AgentConfig.Group a = running.group();
        AgentConfig.Group b = fresh.group();
        compare(fields, "node", running.node(), fresh.node());
        compare(fields, "group.name", a.name(), b.name());
        compare(fields, "group.vrid", a.vrid(), b.vrid());
        compare(fields, "group.version", a.version(), b.version());
        compare(fields, "group.advert-interval", a.adverIntervalCentis(), b.adverIntervalCentis());
        compare(fields, "group.preempt", a.preempt(), b.preempt());
        compare(fields, "group.preempt-delay", a.preemptDelayNanos(), b.preemptDelayNanos());
        compare(fields, "group.accept", a.accept(), b.accept());
        compare(fields, "group.checksum", a.checksum(), b.checksum());
        compare(fields, "group.auth-password", a.auth(), b.auth());
        compare(fields, "group.channels", a.channels(), b.channels());
        compare(fields, "vips", running.vips(), fresh.vips());
        compare(fields, "garp.form", running.garpForm(), fresh.garpForm());
        compare(fields, "events.file", running.eventFile(), fresh.eventFile());
        compare(fields, "admin", running.admin(), fresh.admin());
        compare(fields, "metrics", running.prometheus(), fresh.prometheus());
        compare(fields, "peer-link", running.peerLink(), fresh.peerLink());
        compare(fields, "sync", running.sync(), fresh.sync());
        compare(fields, "director.backend", running.director() == null ? null : running.director().backend(),
                fresh.director() == null ? null : fresh.director().backend());
        compare(fields, "director.state-file", running.director() == null ? null : running.director().stateFile(),
                fresh.director() == null ? null : fresh.director().stateFile());
        compare(fields, "director.mark-tool", running.director() == null ? null : running.director().markTool(),
                fresh.director() == null ? null : fresh.director().markTool());
        return fields;
    }

    private static void compare(List<String> fields, String name, Object running, Object fresh) {
        if (!Objects.equals(running, fresh)) {
            fields.add(name);
        }
    }
}
