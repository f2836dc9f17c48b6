package io.lvsha.agent.director;

import io.lvsha.state.sync.ConnectionRecord;
import io.lvsha.state.table.ConnectionAdmission;
import io.lvsha.vrrp.AddressFamily;
import io.lvsha.vrrp.IpAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The connections this director's services can have: a replicated entry must name a configured
 * VIP and a configured real server of a service that answers on it (by firewall mark when the
 * entry carries one), a plausible client, and a timeout no dataplane would give. The codec has
 * checked protocol, state and flags already, as the kernel does. Pure; thread-safe (immutable).
 */
public final class ServedConnections implements ConnectionAdmission {
    /** Beyond any dataplane's default (conntrack keeps an established TCP flow 5 days). */
    public static final int MAX_TIMEOUT_SECONDS = 7 * 24 * 3600;

    /** What entries one VIP may carry: the real servers behind it, and the marks that lead there. */
    private record Served(Set<IpAddress> realServers, Set<Integer> marks) {
    }

    private final Map<IpAddress, Served> byVip = new HashMap<>();
    /** Firewall-mark templates name the mark as their virtual address (IPVS's ip_vs_sched_persist). */
    private final Map<IpAddress, Set<IpAddress>> byMarkAddress = new HashMap<>();

    public ServedConnections(DesiredState services) {
        for (VirtualService service : services.services()) {
            Set<IpAddress> realServers = new HashSet<>();
            service.realServers().forEach(server -> realServers.add(server.address()));
            if (service.sorryServer() != null) {
                realServers.add(service.sorryServer().address());
            }
            int mark = service.key() instanceof ServiceKey.Fwmark fwmark ? fwmark.mark() : 0;
            List<IpAddress> vips = service.key() instanceof ServiceKey.Address address ? List.of(address.vip())
                    : service.marks().stream().map(MarkRule::vip).toList();
            for (IpAddress vip : vips) {
                Served served = byVip.computeIfAbsent(vip, v -> new Served(new HashSet<>(), new HashSet<>()));
                served.realServers().addAll(realServers);
                if (mark != 0) {
                    served.marks().add(mark);
                }
            }
            if (mark != 0) {
                for (IpAddress address : markAddresses(mark)) {
                    byMarkAddress.computeIfAbsent(address, m -> new HashSet<>()).addAll(realServers);
                }
            }
        }
    }

    /** The mark as an IPv4 address, and as the first word of an IPv6 one. */
    private static List<IpAddress> markAddresses(int mark) {
        byte[] word = {(byte) (mark >>> 24), (byte) (mark >>> 16), (byte) (mark >>> 8), (byte) mark};
        byte[] ipv6 = new byte[16];
        System.arraycopy(word, 0, ipv6, 0, 4);
        return List.of(IpAddress.of(word), IpAddress.of(ipv6));
    }

    @Override
    public String refusal(ConnectionRecord record) {
        if (record.timeoutSecondsUnsigned() == 0 || record.timeoutSecondsUnsigned() > MAX_TIMEOUT_SECONDS) {
            return "timeout";
        }
        if (!plausibleClient(record.client())) {
            return "client-address";
        }
        Set<IpAddress> realServers;
        Served served = byVip.get(record.virtualAddress());
        if (served != null) {
            if (record.fwmark() != 0 && !served.marks().contains(record.fwmark())) {
                return "fwmark";
            }
            realServers = served.realServers();
        } else if (record.isTemplate() && record.fwmark() != 0 && byMarkAddress.containsKey(record.virtualAddress())) {
            realServers = byMarkAddress.get(record.virtualAddress());
        } else {
            return "virtual-address";
        }
        return realServers.contains(record.realServer()) ? null : "real-server";
    }

    /** Not unspecified, loopback or multicast: no client sends from those. */
    private static boolean plausibleClient(IpAddress client) {
        byte[] bytes = client.toBytes();
        if (client.family() == AddressFamily.IPV4) {
            int first = bytes[0] & 0xff;
            return first != 0 && first != 127 && first < 224;
        }
        boolean unspecifiedOrLoopback = true;
        for (int i = 0; i < 15; i++) {
            unspecifiedOrLoopback &= bytes[i] == 0;
        }
        return !unspecifiedOrLoopback && (bytes[0] & 0xff) != 0xff;
    }
}
