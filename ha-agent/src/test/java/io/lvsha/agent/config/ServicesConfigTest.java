package io.lvsha.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvsha.agent.director.CheckSpec;
import io.lvsha.agent.director.Forwarding;
import io.lvsha.agent.director.PortRange;
import io.lvsha.agent.director.Protocol;
import io.lvsha.agent.director.Scheduler;
import io.lvsha.agent.director.ServiceKey;
import io.lvsha.agent.director.VirtualService;
import io.lvsha.vrrp.IpAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServicesConfigTest {
    private static final Path EXAMPLES = Path.of(System.getProperty("user.dir")).resolve("../deploy/examples").normalize();
    private static final String HEAD = """
            node: d1
            group:
              vrid: 7
              channels: [{interface: eth0}]
            vips: [{address: 10.0.0.10/24, interface: eth0}]
            """;

    @TempDir
    Path dir;

    private AgentConfig load(String yaml) throws Exception {
        Path file = dir.resolve("node.yaml");
        Files.writeString(file, HEAD + yaml);
        return ConfigLoader.load(file);
    }

    private List<String> problems(String yaml) throws Exception {
        Path file = dir.resolve("node.yaml");
        Files.writeString(file, HEAD + yaml);
        return assertThrows(ConfigException.class, () -> ConfigLoader.load(file)).problems();
    }

    @Test
    void seedExamplesReadAsTheirServices() throws Exception {
        AgentConfig config = ConfigLoader.load(EXAMPLES.resolve("director1.yaml"));
        assertEquals("ipvs", config.director().backend());
        List<VirtualService> services = config.director().desired().services();
        assertEquals(List.of("tftp", "ftp", "web"), services.stream().map(VirtualService::name).toList());
        VirtualService tftp = services.get(0);
        assertEquals(new ServiceKey.Fwmark(1, io.lvsha.vrrp.AddressFamily.IPV4), tftp.key());
        assertEquals(List.of(new PortRange(69, 69), new PortRange(1024, 65535)), tftp.marks().get(0).ports());
        assertEquals(Protocol.UDP, tftp.marks().get(0).protocol());
        assertEquals(300, tftp.persistenceSeconds());
        assertEquals(Forwarding.DR, tftp.forwarding());
        assertEquals(CheckSpec.Type.TFTP, tftp.check().type());
        assertEquals(6_000_000_000L, tftp.check().downAfterNanos());
        assertEquals(0, tftp.realServers().get(0).port());
        assertTrue(services.get(1).quiesce());
        assertEquals(3, services.get(2).realServers().get(0).weight());
        assertEquals(IpAddress.parse("192.168.50.99"), services.get(2).sorryServer().address());
        assertEquals(config.sharedDigest(), ConfigLoader.load(EXAMPLES.resolve("director2.yaml")).sharedDigest(),
                "both directors configure the same services");
    }

    @Test
    void theTftpLayoutExamplesAreValid() throws Exception {
        AgentConfig nat = ConfigLoader.load(EXAMPLES.resolve("tftp-nat-director1.yaml"));
        assertEquals("nftables", nat.director().backend());
        assertEquals("tftp", nat.director().desired().services().get(0).helper());
        assertEquals(2000, nat.director().exportIntervalMillis());
        AgentConfig dr = ConfigLoader.load(EXAMPLES.resolve("tftp-dr-director1.yaml"));
        assertEquals("ipvs", dr.director().backend());
        assertEquals(Forwarding.DR, dr.director().desired().services().get(0).forwarding());
        assertEquals(51, dr.sync().syncid());
    }

    @Test
    void addressServiceDefaultsTheRealServersPortAndTheScheduler() throws Exception {
        AgentConfig config = load("""
                services:
                  - {name: web, protocol: tcp, vip: 10.0.0.10, port: 80, real-servers: [{address: 10.0.1.1}]}
                """);
        VirtualService web = config.director().desired().services().get(0);
        assertEquals(80, web.realServers().get(0).port());
        assertEquals(Scheduler.WLC, web.scheduler());
        assertEquals(Forwarding.NAT, web.forwarding());
        assertNull(web.check());
    }

    @Test
    void sendExpectEscapesAreDecoded() throws Exception {
        AgentConfig config = load("""
                services:
                  - name: smtp
                    protocol: tcp
                    vip: 10.0.0.10
                    port: 25
                    check: {type: send-expect, send: 'HELO x\\r\\n', expect: '250'}
                    real-servers: [{address: 10.0.1.1}]
                """);
        assertEquals("HELO x\r\n", config.director().desired().services().get(0).check().send());
    }

    @Test
    void unknownSchedulerOverlappingMarkAndBadPortRangeAreRefusedByField() throws Exception {
        List<String> problems = problems("""
                services:
                  - name: a
                    fwmark: 1
                    scheduler: fastest
                    match: [{vip: 10.0.0.10, protocol: udp, ports: [69, 1024-65535]}]
                  - name: b
                    fwmark: 1
                    match: [{vip: 10.0.0.10, protocol: udp, ports: [2000-3000, 70000, 90-80]}]
                """);
        String all = String.join("\n", problems);
        assertTrue(all.contains("services[a].scheduler: 'fastest' is not a scheduler"), all);
        assertTrue(all.contains("services[b].fwmark: mark 1 is also service a's"), all);
        assertTrue(all.contains("services[b].match: its ports on 10.0.0.10 udp overlap service a's"), all);
        assertTrue(all.contains("services[b].match[0].ports: '70000' is out of bounds"), all);
        assertTrue(all.contains("services[b].match[0].ports: '90-80' is out of bounds"), all);
        assertTrue(problems.stream().allMatch(problem -> problem.contains("node.yaml: ") && problem.contains(". Fix: ")), all);
    }

    @Test
    void nftablesBackendRefusesWhatItCannotExpress() throws Exception {
        String all = String.join("\n", problems("""
                director: {backend: nftables}
                services:
                  - name: web
                    protocol: tcp
                    vip: 10.0.0.10
                    port: 80
                    scheduler: lc
                    forwarding: dr
                    real-servers: [{address: 10.0.1.1}]
                """));
        assertTrue(all.contains("services[web].scheduler: the nftables backend cannot express lc"), all);
        assertTrue(all.contains("services[web].forwarding: the nftables backend forwards by NAT only"), all);
    }

    @Test
    void unknownBackendNamesTheOnesThereAre() throws Exception {
        String all = String.join("\n", problems("director: {backend: f5}\n"));
        assertTrue(all.contains("director.backend: 'f5' is not a backend on the class path. Fix: use one of dry-run, ipvs, nftables"), all);
    }

    @Test
    void theCommitOrderIsAutoUnlessSaidAndOnlyHashingServicesMayCommitAfterTheGarp() throws Exception {
        String services = """
                services:
                  - {name: web, protocol: tcp, vip: 10.0.0.10, port: 80, scheduler: sh, real-servers: [{address: 10.0.1.1}]}
                  - {name: ftp, protocol: tcp, vip: 10.0.0.10, port: 21, scheduler: %s, real-servers: [{address: 10.0.1.1}]}
                """;
        AgentConfig hashing = load(String.format(services, "mh"));
        assertEquals(AgentConfig.CommitOrder.AUTO, hashing.director().commitOrder());
        assertTrue(hashing.director().desired().everyServiceHashesFlows());
        assertFalse(load(String.format(services, "rr")).director().desired().everyServiceHashesFlows(),
                "one round-robin service: a packet ahead of its entry may go to another real server");
        assertEquals(AgentConfig.CommitOrder.BEFORE_VIPS,
                load("director: {commit-order: before-vips}\n" + String.format(services, "sh")).director().commitOrder());
        String all = String.join("\n", problems("director: {commit-order: later}\n" + String.format(services, "sh")));
        assertTrue(all.contains("node.yaml: director.commit-order: 'later' is not an order. Fix: use auto"), all);
    }

    @Test
    void noServicesNoDirector() throws Exception {
        assertNull(load("").director());
        assertFalse(load("director: {backend: dry-run}\n").director().desired().ownTable());
    }
}
