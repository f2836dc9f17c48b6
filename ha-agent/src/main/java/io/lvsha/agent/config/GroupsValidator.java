package io.lvsha.agent.config;

import io.lvsha.vrrp.IpAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code groups:} (or {@code group:} with {@code vips:}, its shorthand for one): each group on its
 * own, then what groups must not share: a name, a VIP, or a VRID of one family on one interface
 * (their adverts could not be told apart on the wire).
 */
final class GroupsValidator {
    private final ConfigValidator config;

    GroupsValidator(ConfigValidator config) {
        this.config = config;
    }

    List<AgentConfig.Group> groups(RawConfig raw) {
        List<AgentConfig.Group> groups = new ArrayList<>();
        if (raw.groups() != null) {
            if (raw.group() != null || raw.vips() != null) {
                config.problem(raw.group() != null ? "group" : "vips", "given beside groups:",
                        "use groups: alone, each group with its own vips: (group: and vips: are the shorthand for one group)");
            }
            if (raw.groups().isEmpty()) {
                config.problem("groups", "empty", "list at least one group, or use group: and vips:");
            }
            for (int i = 0; i < raw.groups().size(); i++) {
                String at = "groups[" + i + "]";
                RawConfig.Group group = raw.groups().get(i);
                if (group == null) {
                    config.problem(at, "empty", "give the group its vrid, channels and vips");
                    continue;
                }
                groups.add(new GroupValidator(config, at).group(group, group.vips(), at + ".vips"));
            }
        } else if (raw.group() == null) {
            config.problem("group", "missing", "add a 'group:' with vrid, priority and channels (see deploy/examples/),"
                    + " or 'groups:' for several");
        } else {
            if (raw.group().vips() != null) {
                config.problem("group.vips", "the one group's VIPs are the top-level vips:", "move them to vips:");
            }
            groups.add(new GroupValidator(config, "group").group(raw.group(), raw.vips(), "vips"));
        }
        apart(groups, raw.groups() == null ? "group" : "groups");
        return groups;
    }

    /**
     * With several groups, a service belongs to the group whose VIPs it uses: its connections
     * are replicated by that group's master and committed at that group's takeover. A service
     * whose VIPs are in two groups would be split between two masters, so it is refused.
     */
    void servicesInOneGroupEach(AgentConfig.Director director, List<AgentConfig.Group> groups) {
        if (director == null || groups.size() < 2) {
            return;
        }
        Map<IpAddress, String> groupOfVip = new HashMap<>();
        groups.forEach(group -> group.vips().forEach(vip -> groupOfVip.put(vip.address().address(), group.name())));
        List<io.lvsha.agent.director.VirtualService> services = director.desired().services();
        for (int i = 0; i < services.size(); i++) {
            io.lvsha.agent.director.VirtualService service = services.get(i);
            List<IpAddress> vips = service.key() instanceof io.lvsha.agent.director.ServiceKey.Address address
                    ? List.of(address.vip()) : service.marks().stream().map(io.lvsha.agent.director.MarkRule::vip).toList();
            java.util.Set<String> named = new java.util.TreeSet<>();
            vips.forEach(vip -> named.add(groupOfVip.getOrDefault(vip, "no group")));
            if (named.size() > 1) {
                config.problem("services[" + i + "]", "'" + service.name() + "' uses the VIPs of " + String.join(" and ", named),
                        "a service's connections are replicated by one group's master: give it the VIPs of one group,"
                                + " or move its VIPs into one group");
            }
        }
    }

    /** {@code sync-groups:}: lists of two or more groups' names, each group in one list at most. */
    List<List<String>> syncGroups(List<List<String>> raw, List<AgentConfig.Group> groups) {
        if (raw == null) {
            return List.of();
        }
        List<List<String>> syncGroups = new ArrayList<>();
        Map<String, Integer> member = new HashMap<>();
        for (int i = 0; i < raw.size(); i++) {
            String at = "sync-groups[" + i + "]";
            List<String> names = raw.get(i) == null ? List.of() : raw.get(i);
            if (names.size() < 2) {
                config.problem(at, "names " + names.size() + " group(s)", "list two or more groups that change role together, e.g. [a, c]");
            }
            for (String name : names) {
                if (groups.stream().noneMatch(group -> group.name().equals(name))) {
                    config.problem(at, "'" + name + "' is none of the groups", "use the names in groups: "
                            + groups.stream().map(AgentConfig.Group::name).toList());
                }
                Integer other = member.putIfAbsent(name, i);
                if (other != null) {
                    config.problem(at, "'" + name + "' is in sync-groups[" + other + "] too", "put each group in one sync group");
                }
            }
            syncGroups.add(List.copyOf(names));
        }
        return syncGroups;
    }

    /** Nothing two groups may share. */
    private void apart(List<AgentConfig.Group> groups, String list) {
        Map<String, Integer> names = new HashMap<>();
        Map<String, Integer> vridsOnWire = new HashMap<>();
        Map<IpAddress, Integer> vips = new HashMap<>();
        for (int i = 0; i < groups.size(); i++) {
            AgentConfig.Group group = groups.get(i);
            String at = list.equals("group") ? "group" : list + "[" + i + "]";
            Integer first = names.putIfAbsent(group.name(), i);
            if (first != null) {
                config.problem(at + ".name", "'" + group.name() + "' names groups[" + first + "] too",
                        "give each group its own name (commands and events use it)");
            }
            for (AgentConfig.Vip vip : group.vips()) {
                Integer owner = vips.putIfAbsent(vip.address().address(), i);
                if (owner != null && owner != i) {
                    config.problem(at + ".vips", vip.address().address() + " is a VIP of groups[" + owner + "] too",
                            "a VIP moves with one group's mastership: list it in one group");
                }
            }
            if (group.vips().isEmpty()) {
                continue;
            }
            String family = group.vips().get(0).address().address().family().toString();
            for (AgentConfig.Channel channel : group.channels()) {
                Integer other = vridsOnWire.putIfAbsent(channel.iface() + "|" + family + "|" + group.vrid(), i);
                if (other != null && other != i) {
                    config.problem(at + ".vrid", "VRID " + group.vrid() + " (" + family + ") is groups[" + other + "]'s on "
                            + channel.iface() + " too", "give each group on an interface its own VRID: their adverts"
                            + " would be taken for each other's");
                }
            }
        }
    }
}
