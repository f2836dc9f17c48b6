package io.lvsha.agent.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.lvsha.agent.config.AgentConfig;
import io.lvsha.agent.config.ConfigLoader;
import io.lvsha.state.sync.ConnectionRecord;
import io.lvsha.vrrp.IpAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 15, step 3: which group's master replicates a connection, and which group's table admits it. */
class ConnectionGroupsTest {
    private static final String GROUPS = """
            node: d1
            groups:
              - {name: a, vrid: 51, channels: [{interface: eth0}], vips: [{address: 10.0.0.10/24, interface: eth0}]}
              - {name: b, vrid: 52, channels: [{interface: eth0}], vips: [{address: 10.0.0.20/24, interface: eth0}]}
            services:
              - {name: tftp-a, protocol: udp, vip: 10.0.0.10, port: 69, real-servers: [{address: 10.0.1.1}]}
              - name: web-b
                fwmark: 7
                persistence: 300s
                match: [{vip: 10.0.0.20, protocol: tcp, ports: ["80", "443"]}]
                real-servers: [{address: 10.0.1.2}]
            """;

    @TempDir
    Path dir;

    private ConnectionGroups groups(String yaml) throws Exception {
        Path file = dir.resolve("d1.yaml");
        Files.writeString(file, yaml);
        AgentConfig config = ConfigLoader.load(file);
        return ConnectionGroups.of(config);
    }

    private static ConnectionRecord connection(String vip, int port, String realServer, int fwmark, int flags) {
        return new ConnectionRecord(fwmark == 0 ? 17 : 6, IpAddress.parse("192.0.2.7"), 40000, IpAddress.parse(vip), port,
                IpAddress.parse(realServer), port, fwmark, flags, 0, 120, null);
    }

    @Test
    void aConnectionIsOfTheGroupOfItsVipAndAMarksTemplateOfItsServicesGroup() throws Exception {
        ConnectionGroups groups = groups(GROUPS);
        ConnectionRecord tftp = connection("10.0.0.10", 69, "10.0.1.1", 0, 0);
        ConnectionRecord web = connection("10.0.0.20", 443, "10.0.1.2", 7, 0);
        // a firewall-mark persistence template names its mark as its address (0.0.0.7), not a VIP
        ConnectionRecord webTemplate = connection("0.0.0.7", 0, "10.0.1.2", 7, ConnectionRecord.Flags.TEMPLATE);
        ConnectionRecord elsewhere = connection("10.0.0.99", 69, "10.0.1.1", 0, 0);
        assertEquals(0, groups.groupOf(tftp));
        assertEquals(1, groups.groupOf(web));
        assertEquals(1, groups.groupOf(webTemplate));
        assertEquals(ConnectionGroups.NONE, groups.groupOf(elsewhere));
        assertEquals(List.of(List.of(tftp), List.of(web, webTemplate)), groups.split(List.of(web, tftp, elsewhere, webTemplate)));
    }

    @Test
    void aGroupsTableAdmitsItsOwnServedConnectionsOnly() throws Exception {
        ConnectionGroups groups = groups(GROUPS);
        ConnectionRecord tftp = connection("10.0.0.10", 69, "10.0.1.1", 0, 0);
        assertNull(groups.admission(0).refusal(tftp));
        assertEquals("group", groups.admission(1).refusal(tftp));
        assertEquals("real-server", groups.admission(0).refusal(connection("10.0.0.10", 69, "10.0.1.9", 0, 0)));
    }

    @Test
    void withOneGroupEveryConnectionIsItsAndItsServicesJudgeAsBefore() throws Exception {
        ConnectionGroups one = groups("""
                node: d1
                group: {vrid: 51, channels: [{interface: eth0}]}
                vips: [{address: 10.0.0.10/24, interface: eth0}]
                services:
                  - {name: tftp-a, protocol: udp, vip: 10.0.0.10, port: 69, real-servers: [{address: 10.0.1.1}]}
                """);
        ConnectionRecord elsewhere = connection("10.0.0.99", 69, "10.0.1.1", 0, 0);
        assertEquals(0, one.groupOf(elsewhere));
        assertEquals(List.of(List.of(elsewhere)), one.split(List.of(elsewhere)));
        assertEquals("virtual-address", one.admission(0).refusal(elsewhere));
    }
}
