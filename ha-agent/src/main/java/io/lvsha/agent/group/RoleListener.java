package io.lvsha.agent.group;

import io.lvsha.vrrp.Role;
import io.lvsha.vrrp.VrrpAction;

/** Told of the group's changes once they have run. HA loop only. */
interface RoleListener {
    /** A role change whose takeover or release is done (the VIPs moved, the first GARP sent). */
    void roleChanged(VrrpAction.RoleChanged change, int priority);

    /** After a channel's link changed: {@code allDown} says whether none is left. */
    default void channelLinks(boolean allDown, Role role, int priority) {
    }
}
