package io.lvsha.agent.director;

import java.util.List;

/**
 * One virtual service as the operator configured it.
 *
 * @param name the operator's name for it, used in events and status
 * @param marks for a firewall-mark service, the rules that give packets its mark; empty otherwise
 * @param persistenceSeconds 0 = none; otherwise a client keeps its real server this long after its last connection
 * @param persistencePrefix clients in the same /prefix share a real server (32 or 128 = each on its own)
 * @param quiesce a failed real server gets weight 0 (keeps its connections) instead of being removed
 * @param helper the conntrack helper the nftables dataplane attaches ("tftp", "ftp"), or null
 * @param helperPort the control port the helper watches (TFTP 69, FTP 21)
 * @param sorryServer takes the traffic when every real server is down, or null
 * @param check how real servers are checked, or null (never checked: always in)
 */
public record VirtualService(String name, ServiceKey key, List<MarkRule> marks, Scheduler scheduler,
                             long persistenceSeconds, int persistencePrefix, Forwarding forwarding, boolean quiesce,
                             String helper, int helperPort, RealServer sorryServer, CheckSpec check,
                             List<RealServer> realServers) {

    public VirtualService {
        marks = List.copyOf(marks);
        realServers = List.copyOf(realServers);
    }

    /** The addresses clients reach {@code services} at: their VIPs, and those their marking rules match. */
    public static java.util.Set<io.lvsha.vrrp.IpAddress> addressesOf(List<VirtualService> services) {
        java.util.Set<io.lvsha.vrrp.IpAddress> addresses = new java.util.HashSet<>();
        for (VirtualService service : services) {
            if (service.key() instanceof ServiceKey.Address address) {
                addresses.add(address.vip());
            }
            service.marks().forEach(mark -> addresses.add(mark.vip()));
        }
        return java.util.Set.copyOf(addresses);
    }

    /** The same service with another pool (health and operator changes applied). */
    public VirtualService withRealServers(List<RealServer> pool) {
        return new VirtualService(name, key, marks, scheduler, persistenceSeconds, persistencePrefix, forwarding,
                quiesce, helper, helperPort, sorryServer, check, pool);
    }
}
