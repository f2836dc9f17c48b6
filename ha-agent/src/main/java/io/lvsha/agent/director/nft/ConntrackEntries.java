package io.lvsha.agent.director.nft;

import io.lvsha.state.sync.ConnectionRecord;
import io.lvsha.vrrp.IpAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Conntrack entries in {@code conntrack -o save} form, and the {@link ConnectionRecord} the peer
 * link carries for them. Two kinds matter for a takeover (../shared/reference/nft-tftp/):
 * <ul>
 *   <li>a client's flow to a VIP, DNATed to a real server ({@code -g}): client, VIP, real server
 *       as IPVS has them;</li>
 *   <li>a flow a helper expected and the real server opened (TFTP data from its new port),
 *       SNATed to the VIP ({@code -n}): flagged {@link #REAL_SERVER_OPENED}, so that it is
 *       written back with its original direction.</li>
 * </ul>
 */
final class ConntrackEntries {
    /**
     * Flag bit of records from conntrack: the real server opened the flow. IPVS keeps bits 16 and
     * up to itself (they never travel in its sync messages), so no kernel record carries it.
     */
    static final int REAL_SERVER_OPENED = 1 << 24;

    /** conntrack's TCP states, numbered as IPVS numbers its own ({@code IP_VS_TCP_S_*}). */
    private static final List<String> TCP_STATES = List.of("NONE", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT",
            "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "SYN_SENT2");
    private static final Map<String, Integer> PROTOCOLS = Map.of("tcp", 6, "udp", 17, "sctp", 132);

    private ConntrackEntries() {
    }

    /**
     * @param vips the addresses the services answer on
     * @param helperPorts control ports of helper services: their request flows are left out, since
     *     conntrack cannot attach a helper to a committed entry and a retried request would then fail
     * @return the record, or null when the line is not a balanced flow of ours
     */
    static ConnectionRecord parse(String line, Set<IpAddress> vips, Set<Integer> helperPorts) {
        try {
            return record(options(line), vips, helperPorts);
        } catch (IllegalArgumentException | NullPointerException e) {
            return null; // a line of another shape (another conntrack version, a flow without ports): not ours
        }
    }

    private static ConnectionRecord record(Map<String, String> options, Set<IpAddress> vips, Set<Integer> helperPorts) {
        Integer protocol = PROTOCOLS.get(options.getOrDefault("-p", ""));
        if (protocol == null || options.get("--sport") == null || options.get("-t") == null) {
            return null;
        }
        int timeout = Integer.parseInt(options.get("-t"));
        int state = protocol == 6 ? Math.max(0, TCP_STATES.indexOf(options.getOrDefault("--state", "NONE"))) : 0;
        int sport = Integer.parseInt(options.get("--sport"));
        int dport = Integer.parseInt(options.get("--dport"));
        String snat = options.get("-n");
        String dnat = options.get("-g");
        if (snat != null && vips.contains(IpAddress.parse(snat))) {
            // RS:sport -> C:dport, answered C:dport -> VIP:reply-dst
            int vipPort = Integer.parseInt(options.get("--reply-port-dst"));
            return new ConnectionRecord(protocol, IpAddress.parse(options.get("-d")), dport, IpAddress.parse(snat), vipPort,
                    IpAddress.parse(options.get("-s")), sport, 0, REAL_SERVER_OPENED, state, timeout, null);
        }
        if (dnat != null && vips.contains(IpAddress.parse(options.get("-d"))) && !helperPorts.contains(dport)) {
            // C:sport -> VIP:dport, answered RS:reply-src -> C:sport
            int realPort = Integer.parseInt(options.get("--reply-port-src"));
            return new ConnectionRecord(protocol, IpAddress.parse(options.get("-s")), sport, IpAddress.parse(options.get("-d")),
                    dport, IpAddress.parse(dnat), realPort, 0, 0, state, timeout, null);
        }
        return null;
    }

    /** The {@code conntrack -R} line that installs the record with its NAT, as a fresh entry. */
    static String saveLine(ConnectionRecord record) {
        String protocol = record.protocol() == 6 ? "tcp" : record.protocol() == 17 ? "udp" : "sctp";
        String state = record.protocol() == 6 && record.state() < TCP_STATES.size() && record.state() > 0
                ? " --state " + TCP_STATES.get(record.state()) : "";
        // EXPECTED is left out: the kernel refuses it on a new entry ("Device or resource busy").
        String status = record.protocol() == 6 ? "SEEN_REPLY,ASSURED" : "SEEN_REPLY";
        int timeout = Math.max(1, record.timeoutSeconds());
        if ((record.flags() & REAL_SERVER_OPENED) != 0) {
            return "-A -t " + timeout + " -u " + status + " -s " + record.realServer() + " -d " + record.client()
                    + " -r " + record.client() + " -n " + record.virtualAddress() + " -p " + protocol
                    + " --sport " + record.realPort() + " --dport " + record.clientPort()
                    + " --reply-port-src " + record.clientPort() + " --reply-port-dst " + record.virtualPort() + state;
        }
        return "-A -t " + timeout + " -u " + status + " -s " + record.client() + " -d " + record.virtualAddress()
                + " -g " + record.realServer() + " -q " + record.client() + " -p " + protocol
                + " --sport " + record.clientPort() + " --dport " + record.virtualPort()
                + " --reply-port-src " + record.realPort() + " --reply-port-dst " + record.clientPort() + state;
    }

    /** "-t 29 -u A,B -s x ..." as option -> value (the first value of each). */
    private static Map<String, String> options(String line) {
        Map<String, String> options = new HashMap<>();
        String[] words = line.trim().split("\\s+");
        for (int i = 1; i + 1 < words.length; i++) {
            if (words[i].startsWith("-") && !words[i + 1].startsWith("-")) {
                options.putIfAbsent(words[i], words[i + 1]);
            }
        }
        return options;
    }
}
