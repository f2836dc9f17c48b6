package io.lvsha.agent.director.ipvs;

import io.lvsha.agent.director.Forwarding;
import io.lvsha.agent.director.MarkRule;
import io.lvsha.agent.director.PortRange;
import io.lvsha.agent.director.Protocol;
import io.lvsha.agent.director.ServiceKey;
import io.lvsha.agent.director.VirtualService;
import io.lvsha.state.sync.ConnectionRecord;
import io.lvsha.vrrp.IpAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The kernel's IPVS connections as {@code /proc/net/ip_vs_conn} prints them, turned into the
 * records the peer link and the sync protocol carry. The file gives no firewall mark and no
 * flags; both follow from the services: a connection matched by a service's marking rules has
 * its mark, a persistence template of a firewall-mark service has the mark as its virtual
 * address (as the kernel keeps it), and the forwarding method is the service's.
 */
final class IpvsConnections {
    /** IPVS's TCP states by number ({@code IP_VS_TCP_S_*}); other protocols' states are 0. */
    private static final List<String> TCP_STATES = List.of("NONE", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT",
            "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "SYNACK");

    private IpvsConnections() {
    }

    /** Lines the kernel does not print as expected are skipped, never fatal. */
    static List<ConnectionRecord> parse(String procFile, List<VirtualService> services) {
        List<ConnectionRecord> records = new ArrayList<>();
        for (String line : procFile.split("\n")) {
            String[] words = line.trim().split("\\s+");
            if (words.length < 9 || words[0].equals("Pro")) {
                continue;
            }
            try {
                records.add(record(words, services));
            } catch (IllegalArgumentException e) {
                // a protocol or address format this version does not know: not ours to replicate
            }
        }
        return records;
    }

    /**
     * A line of the file. A firewall-mark service's persistence template is kept under protocol 0
     * ({@code IPPROTO_IP}, printed "IP") with the mark as its virtual address: the entry that sends
     * a client's every later packet to its real server, whatever port it goes to.
     */
    private static ConnectionRecord record(String[] words, List<VirtualService> services) {
        boolean fwmarkTemplate = words[0].equals("IP");
        Protocol protocol = fwmarkTemplate ? null : Protocol.valueOf(words[0].toUpperCase(Locale.ROOT));
        int protocolNumber = protocol == null ? 0 : switch (protocol) {
            case TCP -> 6;
            case UDP -> 17;
            case SCTP -> 132;
        };
        IpAddress client = address(words[1]);
        int clientPort = Integer.parseInt(words[2], 16);
        IpAddress virtual = address(words[3]);
        int virtualPort = Integer.parseInt(words[4], 16);
        IpAddress real = address(words[5]);
        int realPort = Integer.parseInt(words[6], 16);
        int state = protocol == Protocol.TCP ? Math.max(0, TCP_STATES.indexOf(words[7])) : 0;
        int timeout = Integer.parseInt(words[8]);
        boolean template = fwmarkTemplate || clientPort == 0;
        VirtualService service = fwmarkTemplate || template && virtualPort == 0 ? byMark(virtual, services)
                : byTraffic(protocol, virtual, virtualPort, services);
        int fwmark = service != null && service.key() instanceof ServiceKey.Fwmark mark ? mark.mark() : 0;
        int flags = (service == null ? 0 : forwardingFlag(service.forwarding()))
                | (template ? ConnectionRecord.Flags.TEMPLATE : 0);
        return new ConnectionRecord(protocolNumber, client, clientPort, virtual, virtualPort, real, realPort, fwmark, flags,
                state, timeout, null);
    }

    /** "0A61000A" (IPv4, hex) or an IPv6 address as the kernel prints it. */
    private static IpAddress address(String text) {
        if (text.contains(":")) {
            return IpAddress.parse(text);
        }
        long value = Long.parseLong(text, 16);
        return IpAddress.of(new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value});
    }

    private static VirtualService byTraffic(Protocol protocol, IpAddress vip, int port, List<VirtualService> services) {
        for (VirtualService service : services) {
            if (service.key() instanceof ServiceKey.Address address && address.protocol() == protocol
                    && address.vip().equals(vip) && address.port() == port) {
                return service;
            }
            for (MarkRule rule : service.marks()) {
                if (rule.vip().equals(vip) && rule.protocol() == protocol
                        && rule.ports().stream().anyMatch(range -> range.overlaps(new PortRange(port, port)))) {
                    return service;
                }
            }
        }
        return null;
    }

    /** A firewall-mark service's persistence template: the kernel keeps the mark where the VIP would be. */
    private static VirtualService byMark(IpAddress virtual, List<VirtualService> services) {
        byte[] bytes = virtual.toBytes();
        if (bytes.length != 4) {
            return null;
        }
        int mark = ((bytes[0] & 0xff) << 24) | ((bytes[1] & 0xff) << 16) | ((bytes[2] & 0xff) << 8) | (bytes[3] & 0xff);
        for (VirtualService service : services) {
            if (service.key() instanceof ServiceKey.Fwmark fwmark && fwmark.mark() == mark) {
                return service;
            }
        }
        return null;
    }

    private static int forwardingFlag(Forwarding forwarding) {
        return switch (forwarding) {
            case NAT -> ConnectionRecord.Flags.MASQ;
            case DR -> ConnectionRecord.Flags.DROUTE;
            case TUN -> ConnectionRecord.Flags.TUNNEL;
        };
    }
}
