package io.lvsha.agent.director.ipvs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lvsha.agent.director.Forwarding;
import io.lvsha.agent.director.RealServer;
import io.lvsha.agent.director.Scheduler;
import io.lvsha.agent.director.ServiceKey;
import io.lvsha.agent.director.VirtualService;
import io.lvsha.vrrp.AddressFamily;
import io.lvsha.vrrp.IpAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IpvsTableTest {
    static final ServiceKey TFTP = new ServiceKey.Fwmark(1, AddressFamily.IPV4);

    static VirtualService tftp(RealServer... servers) {
        return new VirtualService("tftp", TFTP, List.of(), Scheduler.WLC, 300, 24, Forwarding.DR, false, null, 69, null,
                null, List.of(servers));
    }

    static RealServer server(String address, int weight) {
        return new RealServer(IpAddress.parse(address), 0, weight, true);
    }

    private static List<String> reconcile(String saved, List<VirtualService> desired) {
        return IpvsTable.parse(saved).reconcile(desired, Set.of(), new ArrayList<>());
    }

    @Test
    void fromEmptyTheLinesReadBackAsTheDesiredTable() {
        List<VirtualService> desired = List.of(tftp(server("10.0.1.1", 1), server("10.0.1.2", 2)),
                new VirtualService("web", new ServiceKey.Address(io.lvsha.agent.director.Protocol.TCP,
                        IpAddress.parse("2001:db8::10"), 80), List.of(), Scheduler.RR, 0, 128, Forwarding.NAT, false, null,
                        69, null, null, List.of(new RealServer(IpAddress.parse("2001:db8::21"), 8080, 1, true))));
        List<String> lines = reconcile("", desired);
        assertEquals(List.of("-A -f 1 -s wlc -p 300 -M 255.255.255.0",
                "-a -f 1 -r 10.0.1.1:0 -g -w 1",
                "-a -f 1 -r 10.0.1.2:0 -g -w 2",
                "-A -t [2001:db8::10]:80 -s rr",
                "-a -t [2001:db8::10]:80 -r [2001:db8::21]:8080 -m -w 1"), lines);
        // ipvsadm -Sn prints the table in the very format ipvsadm -R reads
        assertEquals(List.of(), reconcile(String.join("\n", lines), desired), "a second apply changes nothing");
    }

    @Test
    void oneWeightChangeIsOneEdit() {
        String kernel = """
                -A -f 1 -s wlc -p 300 -M 255.255.255.0
                -a -f 1 -r 10.0.1.1:0 -g -w 1
                -a -f 1 -r 10.0.1.2:0 -g -w 2
                """;
        assertEquals(List.of("-e -f 1 -r 10.0.1.2:0 -g -w 5"),
                reconcile(kernel, List.of(tftp(server("10.0.1.1", 1), server("10.0.1.2", 5)))));
        assertEquals(List.of("-d -f 1 -r 10.0.1.2:0"), reconcile(kernel, List.of(tftp(server("10.0.1.1", 1)))));
    }

    @Test
    void foreignServicesStayUnlessOwnedAndEditsKeepDestinations() {
        String kernel = """
                -A -u 10.0.0.10:53 -s rr
                -a -u 10.0.0.10:53 -r 10.0.2.1:53 -m -w 1
                -A -f 1 -s rr
                -a -f 1 -r 10.0.1.1:0 -g -w 1
                """;
        List<String> changes = new ArrayList<>();
        List<String> lines = IpvsTable.parse(kernel).reconcile(List.of(tftp(server("10.0.1.1", 1))), Set.of(), changes);
        assertEquals(List.of("-E -f 1 -s wlc -p 300 -M 255.255.255.0"), lines);
        assertEquals(List.of("edit service tftp (fwmark 1): -s wlc -p 300 -M 255.255.255.0"), changes);
        ServiceKey dns = new ServiceKey.Address(io.lvsha.agent.director.Protocol.UDP, IpAddress.parse("10.0.0.10"), 53);
        assertEquals(List.of("-E -f 1 -s wlc -p 300 -M 255.255.255.0", "-D -u 10.0.0.10:53"),
                IpvsTable.parse(kernel).reconcile(List.of(tftp(server("10.0.1.1", 1))), Set.of(dns), new ArrayList<>()));
    }
}
