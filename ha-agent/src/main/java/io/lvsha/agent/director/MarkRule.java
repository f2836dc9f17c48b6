package io.lvsha.agent.director;

import io.lvsha.vrrp.IpAddress;
import java.util.List;

/** Packets to {@code vip} over {@code protocol} on any of {@code ports} get the service's firewall mark. */
public record MarkRule(IpAddress vip, Protocol protocol, List<PortRange> ports) {
    public MarkRule {
        ports = List.copyOf(ports);
    }
}
