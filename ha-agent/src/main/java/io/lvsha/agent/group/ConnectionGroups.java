package io.lvsha.agent.group;

import io.lvsha.agent.config.AgentConfig;
import io.lvsha.agent.director.DesiredState;
import io.lvsha.agent.director.MarkRule;
import io.lvsha.agent.director.ServedConnections;
import io.lvsha.agent.director.ServiceKey;
import io.lvsha.agent.director.VirtualService;
import io.lvsha.state.sync.ConnectionRecord;
import io.lvsha.state.table.ConnectionAdmission;
import io.lvsha.vrrp.IpAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which failover group a connection is of: the group whose VIP it was made to (groups share no
 * VIP), or for a firewall-mark persistence template, which names its mark and no VIP, the group
 * of its service's VIPs. An active-active pair replicates each group's connections from that
 * group's master, and a takeover commits the group's own. Pure; immutable, so the backend's
 * threads read it as the HA loop replaces it on a reload.
 */
final class ConnectionGroups {
    /** Of no group: a connection to an address no group floats. */
    static final int NONE = -1;

    private final int groupCount;
    private final Map<IpAddress, Integer> byVip = new HashMap<>();
    private final Map<Integer, Integer> byMark = new HashMap<>();
    private final ServedConnections served;

    private ConnectionGroups(List<AgentConfig.Group> groups, DesiredState services) {
        groupCount = groups.size();
        for (int i = 0; i < groups.size(); i++) {
            for (AgentConfig.Vip vip : groups.get(i).vips()) {
                byVip.put(vip.address().address(), i);
            }
        }
        for (VirtualService service : services.services()) {
            if (service.key() instanceof ServiceKey.Fwmark fwmark) {
                for (MarkRule rule : service.marks()) {
                    Integer group = byVip.get(rule.vip());
                    if (group != null) {
                        byMark.put(fwmark.mark(), group); // the config keeps a service's VIPs in one group
                    }
                }
            }
        }
        served = new ServedConnections(services);
    }

    static ConnectionGroups of(AgentConfig config) {
        return new ConnectionGroups(config.groups(), config.director().desired());
    }

    int groupCount() {
        return groupCount;
    }

    /** The index of {@code record}'s group in the config's order, or {@link #NONE}. */
    int groupOf(ConnectionRecord record) {
        if (groupCount == 1) {
            return 0; // as before groups: the one group's admission judges the rest
        }
        Integer group = byVip.get(record.virtualAddress());
        if (group == null && record.isTemplate() && record.fwmark() != 0) {
            group = byMark.get(record.fwmark());
        }
        return group == null ? NONE : group;
    }

    /** {@code records} by group: the list at index i holds group i's, in their order; those of no group are left out. */
    List<List<ConnectionRecord>> split(List<ConnectionRecord> records) {
        List<List<ConnectionRecord>> byGroup = new ArrayList<>(groupCount);
        for (int i = 0; i < groupCount; i++) {
            byGroup.add(groupCount == 1 ? records : new ArrayList<>());
        }
        if (groupCount > 1) {
            for (ConnectionRecord record : records) {
                int group = groupOf(record);
                if (group != NONE) {
                    byGroup.get(group).add(record);
                }
            }
        }
        return byGroup;
    }

    /** What group {@code group}'s replicated table admits: connections the services can have, and of this group. */
    ConnectionAdmission admission(int group) {
        return record -> groupOf(record) != group ? "group" : served.refusal(record);
    }
}
