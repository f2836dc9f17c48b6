package io.lvsha.agent.group;

import io.lvsha.agent.loop.HaLoop;
import io.lvsha.vrrp.Role;
import java.util.List;
import java.util.Map;

/**
 * keepalived's vrrp_sync_group: when a member leaves mastership the others resign with it, and
 * when one is master again their hold ends ({@link GroupPolicy#syncGroupMember}). Each member is
 * told on a task of its own on the HA loop, after the change that moved it has run, so that one
 * group's role change never runs inside another's.
 */
final class SyncGroups {
    private SyncGroups() {
    }

    /** @param controllers every group's, by name */
    static void wire(List<List<String>> syncGroups, Map<String, GroupController> controllers, HaLoop loop) {
        for (List<String> members : syncGroups) {
            for (String member : members) {
                controllers.get(member).onRoleChange((change, priority) -> {
                    boolean wasMaster = change.from() == Role.MASTER;
                    boolean isMaster = change.to() == Role.MASTER;
                    if (wasMaster == isMaster) {
                        return;
                    }
                    for (String other : members) {
                        if (!other.equals(member)) {
                            loop.execute(() -> controllers.get(other).followSyncGroup(member, isMaster));
                        }
                    }
                });
            }
        }
    }
}
