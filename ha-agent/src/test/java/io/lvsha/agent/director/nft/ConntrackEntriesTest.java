package io.lvsha.agent.director.nft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.lvsha.state.sync.ConnectionRecord;
import io.lvsha.vrrp.IpAddress;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Lines as conntrack 1.4.7 printed them on the lab's director during a TFTP download and an HTTP request. */
class ConntrackEntriesTest {
    private static final Set<IpAddress> VIPS = Set.of(IpAddress.parse("10.99.0.10"));
    private static final Set<Integer> HELPER_PORTS = Set.of(69);
    static final String TFTP_DATA = "-A -t 29 -u EXPECTED,SEEN_REPLY -s 192.168.50.21 -d 10.99.0.100 -r 10.99.0.100 "
            + "-n 10.99.0.10 -p udp --sport 56075 --dport 35363 --reply-port-src 35363 --reply-port-dst 56075";
    static final String TFTP_REQUEST = "-A -t 29 -u UNSET -s 10.99.0.100 -d 10.99.0.10 -g 192.168.50.21 -q 10.99.0.100 "
            + "-p udp --sport 35363 --dport 69 --reply-port-src 69 --reply-port-dst 35363";
    static final String HTTP = "-A -t 59 -u SEEN_REPLY,ASSURED -s 10.99.0.100 -d 10.99.0.10 -g 192.168.50.21 -q 10.99.0.100 "
            + "-p tcp --sport 59032 --dport 80 --reply-port-src 8080 --reply-port-dst 59032 --state ESTABLISHED";

    @Test
    void theHelpersDataFlowIsClientVipAndRealServerOpenedByTheRealServer() {
        ConnectionRecord data = ConntrackEntries.parse(TFTP_DATA, VIPS, HELPER_PORTS);
        assertEquals(new ConnectionRecord(17, IpAddress.parse("10.99.0.100"), 35363, IpAddress.parse("10.99.0.10"), 56075,
                IpAddress.parse("192.168.50.21"), 56075, 0, ConntrackEntries.REAL_SERVER_OPENED, 0, 29, null), data);
        assertEquals("-A -t 29 -u SEEN_REPLY -s 192.168.50.21 -d 10.99.0.100 -r 10.99.0.100 -n 10.99.0.10 -p udp"
                + " --sport 56075 --dport 35363 --reply-port-src 35363 --reply-port-dst 56075", ConntrackEntries.saveLine(data),
                "written back as it was dumped, without EXPECTED (the kernel refuses it)");
    }

    @Test
    void aDnatFlowKeepsItsPortsAndTcpState() {
        ConnectionRecord http = ConntrackEntries.parse(HTTP, VIPS, HELPER_PORTS);
        assertEquals(8080, http.realPort());
        assertEquals(1, http.state(), "ESTABLISHED as IPVS numbers it");
        assertEquals(HTTP.replace("-t 59", "-t 59"), ConntrackEntries.saveLine(http));
    }

    @Test
    void helperRequestsAndForeignFlowsAreLeftOut() {
        assertNull(ConntrackEntries.parse(TFTP_REQUEST, VIPS, HELPER_PORTS), "a committed request would lack its helper");
        assertNull(ConntrackEntries.parse(HTTP, Set.of(IpAddress.parse("10.99.0.77")), HELPER_PORTS));
        assertNull(ConntrackEntries.parse("-A -t 595 -u UNSET -s 10.99.0.11 -d 224.0.0.22 -r 224.0.0.22 -q 10.99.0.11 -p 2",
                VIPS, HELPER_PORTS));
        assertNull(ConntrackEntries.parse("conntrack v1.4.7 (conntrack-tools): 4 flow entries have been shown.", VIPS, HELPER_PORTS));
    }
}
