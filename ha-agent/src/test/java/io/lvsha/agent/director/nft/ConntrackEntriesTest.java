package io.lvsha.agent.director.nft;

import io.lvsha.agent.director.conntrack.ConntrackMessages;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvsha.agent.director.conntrack.ConntrackMessages.Flow;
import io.lvsha.agent.director.conntrack.ConntrackMessages.Kind;
import io.lvsha.agent.director.conntrack.ConntrackMessages.Message;
import io.lvsha.state.sync.ConnectionRecord;
import io.lvsha.vrrp.IpAddress;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * ctnetlink NEW events as kernel 6.18 sent them (nf_conntrack_timestamp on; 30 s left, the UDP timeout) in a namespace with
 * the lab's addresses: a TFTP request DNATed to a real server, the data flow a real server opened,
 * SNATed to the VIP, and a TCP flow without NAT. {@code conntrack -L -o save} printed them as
 * <pre>
 * -A -t 28 -u UNSET -s 10.99.0.1 -d 10.99.0.10 -g 192.168.50.21 -q 10.99.0.1 -p udp --sport 35363 --dport 69 --reply-port-src 6969 --reply-port-dst 35363
 * -A -t 28 -u UNSET -s 192.168.50.21 -d 10.99.0.100 -r 10.99.0.100 -n 10.99.0.10 -p udp --sport 56075 --dport 35363 --reply-port-src 35363 --reply-port-dst 56075
 * -A -t 118 -u UNSET -s 10.99.0.1 -d 10.99.0.10 -r 10.99.0.10 -q 10.99.0.1 -p tcp --sport 48450 --dport 69 --reply-port-src 69 --reply-port-dst 48450 --state SYN_SENT
 * </pre>
 */
class ConntrackEntriesTest {
    static final String DNAT_EVENT = "a0000000000100060000000000000000020000003400018014000180080001000a630001080002000a63000a1c0002800500010011000000060002008a2300000600030000450000340002801400018008000100c0a83215080002000a6300011c0002800500010011000000060002001b390000060003008a23000008000c00cb6cd2cb08000300000001a8080007000000001e0c001b0018ed88e501eb00d4";
    static final String SNAT_EVENT = "a000000000010006000000000000000002000000340001801400018008000100c0a83215080002000a6300641c000280050001001100000006000200db0b0000060003008a2300003400028014000180080001000a630064080002000a63000a1c0002800500010011000000060002008a23000006000300db0b000008000c00a6cf31c60800030000000198080007000000001e0c001b0018ed88e501ecebfd";
    static final String TCP_EVENT = "d0000000000100060000000000000000020000003400018014000180080001000a630001080002000a63000a1c000280050001000600000006000200b2d0000006000300004500003400028014000180080001000a63000a080002000a6300011c0002800500010006000000060002000045000006000300b2d0000008000c004a40080208000300000001880800070000000078300004802c0001800500010001000000050002000a0000000500030000000000060004000300000006000500000000000c001b0018ed88e501ee758a";
    private static final Set<IpAddress> VIPS = Set.of(IpAddress.parse("10.99.0.10"));
    private static final IpAddress CLIENT = IpAddress.parse("10.99.0.100");

    static Flow flow(String hex) {
        byte[] bytes = HexFormat.of().parseHex(hex);
        int[] malformed = new int[1];
        List<Message> messages = ConntrackMessages.decode(bytes, bytes.length, malformed);
        assertEquals(0, malformed[0]);
        assertEquals(1, messages.size());
        assertEquals(Kind.NEW, messages.get(0).kind());
        return messages.get(0).flow();
    }

    @Test
    void theDataFlowARealServerOpenedIsTheClientsFlowToTheVip() {
        Flow data = flow(SNAT_EVENT);
        assertTrue(data.eventRealtimeNanos() > 1_700_000_000_000_000_000L, "the event's time, from the kernel");
        assertEquals(new ConnectionRecord(17, CLIENT, 35363, IpAddress.parse("10.99.0.10"), 56075,
                IpAddress.parse("192.168.50.21"), 56075, 0, ConntrackEntries.REAL_SERVER_OPENED, 0, 30, null),
                ConntrackEntries.record(data, VIPS, Set.of()));
    }

    @Test
    void aDnatFlowIsKeptUnlessItIsARequestToAHelpersPort() {
        Flow request = flow(DNAT_EVENT);
        ConnectionRecord record = ConntrackEntries.record(request, VIPS, Set.of());
        assertEquals(new ConnectionRecord(17, IpAddress.parse("10.99.0.1"), 35363, IpAddress.parse("10.99.0.10"), 69,
                IpAddress.parse("192.168.50.21"), 6969, 0, 0, 0, 30, null), record);
        assertNull(ConntrackEntries.record(request, VIPS, Set.of(69)), "a committed request would lack its helper");
        assertNull(ConntrackEntries.record(request, Set.of(IpAddress.parse("10.99.0.77")), Set.of()), "another VIP's");
    }

    @Test
    void aFlowWithoutNatIsNotBalanced() {
        Flow tcp = flow(TCP_EVENT);
        assertEquals(6, tcp.protocol());
        assertEquals(1, tcp.tcpState(), "SYN_SENT in conntrack's numbering");
        assertNull(ConntrackEntries.record(tcp, VIPS, Set.of()));
    }

    /**
     * The create for a record carries the original tuple, its plain inverse as the reply (the
     * kernel applies the NAT to it) and the NAT: decoded as the kernel would echo it, it gives the
     * record back once the NAT is applied.
     */
    @Test
    void aCreateCarriesThePlainReplyAndTheNatThatRebuildsTheRecord() {
        ConnectionRecord record = new ConnectionRecord(6, CLIENT, 40000, IpAddress.parse("10.99.0.10"), 80,
                IpAddress.parse("192.168.50.22"), 8080, 0, 0, 1, 300, null);
        ByteBuffer out = ByteBuffer.allocate(4096);
        assertTrue(ConntrackEntries.appendCreate(out, 7, record));
        byte[] bytes = java.util.Arrays.copyOf(out.array(), out.position());
        List<Message> echoed = ConntrackMessages.decode(bytes, bytes.length, new int[1]);
        Flow flow = echoed.get(0).flow();
        assertEquals(Kind.NEW, echoed.get(0).kind());
        assertEquals(7, echoed.get(0).sequence());
        assertEquals(flow.original().inverse(), flow.reply(), "the reply as given: untranslated");
        assertEquals(3, flow.tcpState(), "ESTABLISHED in conntrack's numbering");
        assertEquals(300, flow.timeoutSeconds());
        Flow translated = new Flow(flow.protocol(), flow.original(), new ConntrackMessages.Tuple(record.realServer(),
                record.realPort(), CLIENT, 40000), flow.status() | ConntrackMessages.IPS_DST_NAT, flow.timeoutSeconds(),
                flow.tcpState(), 0);
        assertEquals(record, ConntrackEntries.record(translated, VIPS, Set.of()));
        assertEquals(false, ConntrackEntries.appendCreate(ByteBuffer.allocate(64), 8, record), "no room: nothing written");
    }
}
