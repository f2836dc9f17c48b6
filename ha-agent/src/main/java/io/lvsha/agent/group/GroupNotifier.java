package io.lvsha.agent.group;

import io.lvsha.agent.hook.NotifyHooks;
import io.lvsha.vrrp.Role;
import io.lvsha.vrrp.VrrpAction;
import java.util.List;
import java.util.Locale;

/**
 * Tells the notify hooks of the group's changes: each role change once its takeover or release
 * has run (after the GARP), and "fault" while every channel's link is down (the group can
 * neither hear nor be heard), with the role again when a link comes back. HA loop only.
 */
final class GroupNotifier implements RoleListener {
    private final NotifyHooks hooks;
    private final String group;
    private final String node;
    private final List<String> vips;
    private boolean fault;

    GroupNotifier(NotifyHooks hooks, String group, String node, List<String> vips) {
        this.hooks = hooks;
        this.group = group;
        this.node = node;
        this.vips = List.copyOf(vips);
    }

    @Override
    public void roleChanged(VrrpAction.RoleChanged change, int priority) {
        hooks.changed(new NotifyHooks.Change(group, hookRole(change.to()), hookRole(change.from()),
                change.reason().detail(), priority, vips, node));
    }

    @Override
    public void channelLinks(boolean allDown, Role role, int priority) {
        if (allDown == fault) {
            return;
        }
        fault = allDown;
        String now = allDown ? "fault" : hookRole(role);
        String before = allDown ? hookRole(role) : "fault";
        hooks.changed(new NotifyHooks.Change(group, now, before, allDown ? "every channel's link is down"
                : "a channel's link is back", priority, vips, node));
    }

    private static String hookRole(Role role) {
        return role == Role.INITIALIZE ? "stop" : role.name().toLowerCase(Locale.ROOT);
    }
}
