package io.lvsha.agent.group;

import io.lvsha.agent.config.AgentConfig;
import io.lvsha.arp.AddressManager;
import io.lvsha.arp.InterfaceAddress;
import io.lvsha.arp.Interfaces;
import io.lvsha.vrrp.AddressFamily;
import io.lvsha.vrrp.IpAddress;
import io.lvsha.vrrp.VirtualRouterConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The VRRP router's settings from the agent's config, with each channel's source address found on its interface. */
final class RouterSetup {

    /** The router's settings, with each channel's source address found on its interface if not configured. */
    static VirtualRouterConfig routerConfig(AgentConfig config, AgentConfig.Group group, AddressManager addresses)
            throws IOException {
        AddressFamily family = group.vips().get(0).address().address().family();
        // No group advertises from another group's VIP either.
        Set<IpAddress> vipAddresses = Set.copyOf(config.allVips().stream().map(vip -> vip.address().address()).toList());
        List<VirtualRouterConfig.Channel> channels = new ArrayList<>();
        for (AgentConfig.Channel channel : group.channels()) {
            IpAddress source = channel.source() != null ? channel.source()
                    : primaryAddress(channel.iface(), family, vipAddresses, addresses);
            channels.add(new VirtualRouterConfig.Channel(channel.name(), source));
        }
        try {
            return new VirtualRouterConfig(group.version(), group.vrid(), group.priority(), group.adverIntervalCentis(),
                    group.preempt(), group.preemptDelayNanos(), group.accept(), channels, group.advertisedAddresses(),
                    group.auth(), group.checksum());
        } catch (IllegalArgumentException e) {
            throw new IOException(config.source() + ": " + e.getMessage(), e);
        }
    }

    static IpAddress primaryAddress(String iface, AddressFamily family, Set<IpAddress> vips,
                                            AddressManager addresses) throws IOException {
        if (family == AddressFamily.IPV6) {
            IpAddress linkLocal = Interfaces.linkLocalAddress(iface);
            if (linkLocal == null) {
                throw new IOException(iface + " has no IPv6 link-local address to send adverts from");
            }
            return linkLocal;
        }
        for (InterfaceAddress address : addresses.list(iface)) {
            if (address.address().family() == family && !vips.contains(address.address())) {
                return address.address();
            }
        }
        throw new IOException(iface + " has no " + family + " address of its own to send adverts from;"
                + " add one, or set 'source' for the channel");
    }

    private RouterSetup() {
    }
}
