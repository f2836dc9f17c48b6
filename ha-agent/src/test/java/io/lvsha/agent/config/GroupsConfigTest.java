package io.lvsha.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvsha.vrrp.AddressFamily;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code groups:}: several failover groups in one agent, and what they must not share. */
class GroupsConfigTest {
    private static final String TWO_GROUPS = """
            node: d1
            groups:
              - name: tftp-a
                vrid: 51
                priority: 150
                channels: [{name: public, interface: eth0}, {name: private, interface: eth1}]
                vips: [{address: 10.0.0.10/24, interface: eth0}, {address: 192.168.50.1/24, interface: eth1}]
              - name: v6
                vrid: 51
                channels: [{interface: eth0}]
                vips: [{address: fd00::10/64, interface: eth0}]
            """;

    @TempDir
    Path dir;

    private AgentConfig load(String yaml) throws Exception {
        Path file = dir.resolve("node.yaml");
        Files.writeString(file, yaml);
        return ConfigLoader.load(file);
    }

    private String problems(String yaml) throws Exception {
        Path file = dir.resolve("node.yaml");
        Files.writeString(file, yaml);
        return String.join("\n", assertThrows(ConfigException.class, () -> ConfigLoader.load(file)).problems());
    }

    @Test
    void eachGroupHasItsOwnRouterChannelsAndVips() throws Exception {
        AgentConfig config = load(TWO_GROUPS);
        assertEquals(2, config.groups().size());
        AgentConfig.Group v4 = config.group("tftp-a");
        AgentConfig.Group v6 = config.group("v6");
        assertEquals(150, v4.priority());
        assertEquals(100, v6.priority(), "the default");
        assertEquals(2, v4.vips().size());
        assertEquals(AddressFamily.IPV6, v6.vips().get(0).address().address().family());
        assertEquals(3, config.allVips().size());
        assertEquals(51, v6.vrid(), "one VRID may serve both families on one interface: their adverts differ on the wire");
    }

    @Test
    void whatGroupsMayNotShareIsRefusedWithItsField() throws Exception {
        String sameVrid = problems(TWO_GROUPS.replace("fd00::10/64", "10.0.0.20/24"));
        assertTrue(sameVrid.contains("groups[1].vrid: VRID 51 (IPv4) is groups[0]'s on eth0 too"), sameVrid);
        String sameVip = problems(TWO_GROUPS.replace("vrid: 51\n                channels: [{interface: eth0}]",
                "vrid: 52\n                channels: [{interface: eth0}]").replace("fd00::10/64", "10.0.0.10/24"));
        assertTrue(sameVip.contains("groups[1].vips: 10.0.0.10 is a VIP of groups[0] too"), sameVip);
        String sameName = problems(TWO_GROUPS.replace("name: v6", "name: tftp-a"));
        assertTrue(sameName.contains("groups[1].name: 'tftp-a' names groups[0] too"), sameName);
        String mixed = problems(TWO_GROUPS.replace("fd00::10/64, interface: eth0}]",
                "fd00::10/64, interface: eth0}, {address: 10.0.0.30/24, interface: eth0}]"));
        assertTrue(mixed.contains("groups[1].vips[1].address: 10.0.0.30/24 is not IPv6 like groups[1].vips[0]"), mixed);
        String bothForms = problems(TWO_GROUPS + "vips: [{address: 10.0.0.99/24, interface: eth0}]\n");
        assertTrue(bothForms.contains("vips: given beside groups:"), bothForms);
        String badField = problems(TWO_GROUPS.replace("priority: 150", "priority: 300"));
        assertTrue(badField.contains("groups[0].priority: 300 is out of range"), badField);
    }

    @Test
    void theActiveActiveExamplesMirrorEachOthersPriorities() throws Exception {
        Path examples = Path.of(System.getProperty("user.dir")).resolve("../deploy/examples").normalize();
        AgentConfig one = ConfigLoader.load(examples.resolve("active-active-director1.yaml"));
        AgentConfig two = ConfigLoader.load(examples.resolve("active-active-director2.yaml"));
        assertEquals(java.util.List.of("a", "b", "v6"), one.groups().stream().map(AgentConfig.Group::name).toList());
        assertTrue(one.group("a").priority() > two.group("a").priority(), "a is at home on director1");
        assertTrue(two.group("b").priority() > one.group("b").priority(), "b is at home on director2");
        assertEquals(one.sharedDigest(), two.sharedDigest(), "what both must agree on, they do");
    }

    @Test
    void syncGroupsNameTwoOrMoreGroupsEachOnce() throws Exception {
        assertEquals(java.util.List.of(java.util.List.of("tftp-a", "v6")), load(TWO_GROUPS + "sync-groups: [[tftp-a, v6]]\n").syncGroups());
        String refused = problems(TWO_GROUPS + "sync-groups: [[tftp-a, web], [v6], [tftp-a, v6]]\n");
        assertTrue(refused.contains("sync-groups[0]: 'web' is none of the groups"), refused);
        assertTrue(refused.contains("sync-groups[1]: names 1 group(s)"), refused);
        assertTrue(refused.contains("sync-groups[2]: 'tftp-a' is in sync-groups[0] too"), refused);
    }

    @Test
    void severalGroupsReplicateOverThePeerLinkEachServiceInTheGroupOfItsVips() throws Exception {
        String peerLink = "peer-link: {listen: \"192.168.50.11:7311\", key-file: /k}\n";
        AgentConfig config = load(TWO_GROUPS + peerLink + """
                services:
                  - {name: tftp, protocol: udp, vip: 10.0.0.10, port: 69, real-servers: [{address: 192.168.50.21}]}
                """);
        assertEquals(2, config.groups().size());
        String refused = problems(TWO_GROUPS + peerLink + "sync: {interface: eth1}\n" + """
                services:
                  - {name: tftp, protocol: udp, vip: 10.0.0.10, port: 69, real-servers: [{address: 192.168.50.21}]}
                  - name: both
                    fwmark: 7
                    match: [{vip: 10.0.0.10, protocol: tcp, ports: ["80"]}, {vip: "fd00::10", protocol: tcp, ports: ["80"]}]
                    real-servers: [{address: 192.168.50.21}]
                """);
        assertTrue(refused.contains("services[1]: 'both' uses the VIPs of tftp-a and v6"), refused);
        assertFalse(refused.contains("services[0]"), refused);
        assertFalse(refused.contains("sync:"), "with services, the kernel's sync daemon serves several groups: " + refused);
        String withoutServices = problems(TWO_GROUPS + peerLink + "sync: {interface: eth1}\n");
        assertTrue(withoutServices.contains("sync: with several groups needs the director's services"), withoutServices);
    }
}
