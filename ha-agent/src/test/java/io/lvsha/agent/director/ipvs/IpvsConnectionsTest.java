package io.lvsha.agent.director.ipvs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.lvsha.agent.director.Forwarding;
import io.lvsha.agent.director.MarkRule;
import io.lvsha.agent.director.PortRange;
import io.lvsha.agent.director.Protocol;
import io.lvsha.agent.director.Scheduler;
import io.lvsha.agent.director.ServiceKey;
import io.lvsha.agent.director.VirtualService;
import io.lvsha.state.sync.ConnectionRecord;
import io.lvsha.vrrp.AddressFamily;
import io.lvsha.vrrp.IpAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class IpvsConnectionsTest {
    private static final IpAddress VIP = IpAddress.parse("10.97.0.10");
    private static final List<VirtualService> SERVICES = List.of(
            new VirtualService("tftp", new ServiceKey.Fwmark(1, AddressFamily.IPV4),
                    List.of(new MarkRule(VIP, Protocol.UDP, List.of(new PortRange(69, 69), new PortRange(1024, 65535)))),
                    Scheduler.WLC, 300, 32, Forwarding.DR, false, null, 69, null, null, List.of()),
            new VirtualService("web", new ServiceKey.Address(Protocol.TCP, VIP, 80), List.of(), Scheduler.WLC, 0, 32,
                    Forwarding.NAT, false, null, 69, null, null, List.of()));

    @Test
    void marksFlagsAndStatesComeFromTheServices() {
        String proc = """
                Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData
                UDP 0A610064 9C41 0A61000A 0045 0A610015 0045 UDP         298
                UDP 0A610064 0000 00000001 0000 0A610015 0000 NONE        299
                TCP 0A6100C9 9C43 0A61000A 0050 0A610015 1F90 ESTABLISHED 799
                IP  0A610065 0000 00000001 0000 0A610016 0000 NONE        300
                XYZ garbage
                """;
        List<ConnectionRecord> records = IpvsConnections.parse(proc, SERVICES);
        assertEquals(4, records.size());
        ConnectionRecord udp = records.get(0);
        assertEquals(IpAddress.parse("10.97.0.100"), udp.client());
        assertEquals(40001, udp.clientPort());
        assertEquals(69, udp.virtualPort());
        assertEquals(1, udp.fwmark());
        assertEquals(ConnectionRecord.Flags.DROUTE, udp.flags());
        assertEquals(298, udp.timeoutSeconds());
        ConnectionRecord template = records.get(1);
        assertEquals(1, template.fwmark(), "a fwmark template keeps the mark as its virtual address");
        assertEquals(ConnectionRecord.Flags.DROUTE | ConnectionRecord.Flags.TEMPLATE, template.flags());
        ConnectionRecord tcp = records.get(2);
        assertEquals(0, tcp.fwmark());
        assertEquals(1, tcp.state(), "ESTABLISHED");
        assertEquals(8080, tcp.realPort());
        assertEquals(ConnectionRecord.Flags.MASQ, tcp.flags());
        // What the kernel really prints for a fwmark service's template: protocol 0, "IP"
        ConnectionRecord fwmarkTemplate = records.get(3);
        assertEquals(0, fwmarkTemplate.protocol());
        assertEquals(IpAddress.parse("10.97.0.101"), fwmarkTemplate.client());
        assertEquals(IpAddress.parse("10.97.0.22"), fwmarkTemplate.realServer());
        assertEquals(1, fwmarkTemplate.fwmark());
        assertEquals(ConnectionRecord.Flags.DROUTE | ConnectionRecord.Flags.TEMPLATE, fwmarkTemplate.flags());
        assertEquals(300, fwmarkTemplate.timeoutSeconds());
    }
}
