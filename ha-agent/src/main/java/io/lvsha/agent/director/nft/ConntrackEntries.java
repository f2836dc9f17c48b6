package io.lvsha.agent.director.nft;

import io.lvsha.agent.director.conntrack.ConntrackMessages;
import io.lvsha.agent.director.conntrack.ConntrackMessages.Flow;
import io.lvsha.agent.director.conntrack.ConntrackMessages.Tuple;
import io.lvsha.state.sync.ConnectionRecord;
import io.lvsha.vrrp.IpAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;

/**
 * Which conntrack entries a takeover must keep, and the {@link ConnectionRecord} the peer link
 * carries for them. Two kinds matter (../shared/reference/nft-tftp/):
 * <ul>
 *   <li>a client's flow to a VIP, DNATed to a real server: client, VIP, real server as IPVS has
 *       them;</li>
 *   <li>a flow a helper expected and the real server opened (TFTP data from its new port),
 *       SNATed to the VIP: flagged {@link #REAL_SERVER_OPENED}, so that it is written back with
 *       its original direction.</li>
 * </ul>
 */
final class ConntrackEntries {
    /**
     * Flag bit of records from conntrack: the real server opened the flow. IPVS keeps bits 16 and
     * up to itself (they never travel in its sync messages), so no kernel record carries it.
     */
    static final int REAL_SERVER_OPENED = 1 << 24;

    /** TCP state names in IPVS's numbering ({@code IP_VS_TCP_S_*}), which the records use. */
    private static final List<String> IPVS_TCP_STATES = List.of("NONE", "ESTABLISHED", "SYN_SENT", "SYN_RECV",
            "FIN_WAIT", "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "SYNACK");
    /** The same names in conntrack's numbering ({@code enum tcp_conntrack}). */
    private static final List<String> CONNTRACK_TCP_STATES = List.of("NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED",
            "FIN_WAIT", "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE", "SYN_SENT2");
    private static final Set<Integer> PROTOCOLS = Set.of(6, 17, 132);

    private ConntrackEntries() {
    }

    /**
     * @param vips the addresses the services answer on
     * @param helperPorts control ports of helper services: their request flows are left out, since
     *     a committed entry has no helper and a retried request would then fail
     * @return the record, or null when the flow is not a balanced flow of ours
     */
    static ConnectionRecord record(Flow flow, Set<IpAddress> vips, Set<Integer> helperPorts) {
        if (!PROTOCOLS.contains(flow.protocol())) {
            return null;
        }
        Tuple original = flow.original();
        Tuple reply = flow.reply();
        int state = flow.protocol() == 6 ? ipvsState(flow.tcpState()) : 0;
        if ((flow.status() & ConntrackMessages.IPS_SRC_NAT) != 0 && vips.contains(reply.destination())) {
            // RS:sport -> C:dport, answered C:dport -> VIP:vport
            return new ConnectionRecord(flow.protocol(), original.destination(), original.destinationPort(),
                    reply.destination(), reply.destinationPort(), original.source(), original.sourcePort(), 0,
                    REAL_SERVER_OPENED, state, flow.timeoutSeconds(), null);
        }
        if ((flow.status() & ConntrackMessages.IPS_DST_NAT) != 0 && vips.contains(original.destination())
                && !helperPorts.contains(original.destinationPort())) {
            // C:sport -> VIP:dport, answered RS:rport -> C:sport
            return new ConnectionRecord(flow.protocol(), original.source(), original.sourcePort(), original.destination(),
                    original.destinationPort(), reply.source(), reply.sourcePort(), 0, 0, state, flow.timeoutSeconds(), null);
        }
        return null;
    }

    /**
     * Appends the create request that installs {@code record} with its NAT as a fresh entry.
     *
     * @return false when {@code out} lacks the room
     */
    static boolean appendCreate(ByteBuffer out, int sequence, ConnectionRecord record) {
        // EXPECTED is left out: the kernel refuses it on a new entry ("Device or resource busy").
        int status = ConntrackMessages.IPS_SEEN_REPLY | (record.protocol() == 6 ? ConntrackMessages.IPS_ASSURED : 0);
        int tcpState = record.protocol() == 6 ? conntrackState(record.state()) : 0;
        boolean realServerOpened = (record.flags() & REAL_SERVER_OPENED) != 0;
        return ConntrackMessages.appendCreate(out, sequence, record.protocol(), original(record), realServerOpened,
                realServerOpened ? record.virtualAddress() : record.realServer(),
                realServerOpened ? record.virtualPort() : record.realPort(), status, record.timeoutSeconds(), tcpState);
    }

    /** Appends the request that deletes the entry of {@code record}'s flow, by its original tuple. */
    static boolean appendDelete(ByteBuffer out, int sequence, ConnectionRecord record) {
        return ConntrackMessages.appendDelete(out, sequence, record.protocol(), original(record));
    }

    private static Tuple original(ConnectionRecord record) {
        return (record.flags() & REAL_SERVER_OPENED) != 0
                ? new Tuple(record.realServer(), record.realPort(), record.client(), record.clientPort())
                : new Tuple(record.client(), record.clientPort(), record.virtualAddress(), record.virtualPort());
    }

    private static int ipvsState(int conntrackState) {
        return conntrackState < CONNTRACK_TCP_STATES.size()
                ? Math.max(0, IPVS_TCP_STATES.indexOf(CONNTRACK_TCP_STATES.get(conntrackState))) : 0;
    }

    private static int conntrackState(int ipvsState) {
        return ipvsState < IPVS_TCP_STATES.size()
                ? Math.max(0, CONNTRACK_TCP_STATES.indexOf(IPVS_TCP_STATES.get(ipvsState))) : 0;
    }
}
