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
        compare(fields, "node", running.node(), fresh.node());
        boolean one = running.groups().size() == 1 && fresh.groups().size() == 1;
        if (one) {
            compare(fields, "group.name", running.groups().get(0).name(), fresh.groups().get(0).name());
        } else {
            compare(fields, "groups (their names)", running.groups().stream().map(AgentConfig.Group::name).toList(),
                    fresh.groups().stream().map(AgentConfig.Group::name).toList());
        }
        for (AgentConfig.Group a : running.groups()) {
            // One group is compared with the other file's one, whatever its name; several by name.
            AgentConfig.Group b = one ? fresh.groups().get(0) : fresh.group(a.name());
            if (b == null) {
                continue;
            }
            String at = one ? "group" : "group " + a.name();
            compare(fields, at + ".vrid", a.vrid(), b.vrid());
            compare(fields, at + ".version", a.version(), b.version());
            compare(fields, at + ".advert-interval", a.adverIntervalCentis(), b.adverIntervalCentis());
            compare(fields, at + ".preempt", a.preempt(), b.preempt());
            compare(fields, at + ".preempt-delay", a.preemptDelayNanos(), b.preemptDelayNanos());
            compare(fields, at + ".accept", a.accept(), b.accept());
            compare(fields, at + ".checksum", a.checksum(), b.checksum());
            compare(fields, at + ".auth-password", a.auth(), b.auth());
            compare(fields, at + ".channels", a.channels(), b.channels());
            compare(fields, one ? "vips" : at + ".vips", a.vips(), b.vips());
        }
        compare(fields, "sync-groups", running.syncGroups(), fresh.syncGroups());
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
        compare(fields, "director.commit-order", running.director() == null ? null : running.director().commitOrder(),
                fresh.director() == null ? null : fresh.director().commitOrder());
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
