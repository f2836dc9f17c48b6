package io.lvsha.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvsha.arp.ArpForm;
import io.lvsha.vrrp.VrrpVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    /** The least a config needs: a group with one channel and a VIP. */
    private static final String MINIMAL = """
            node: d1
            group:
              vrid: 1
              channels: [{interface: eth0}]
            vips: [{address: 10.0.0.10/24, interface: eth0}]
            """;

    private static final Path EXAMPLES = Path.of(System.getProperty("user.dir")).resolve("../deploy/examples").normalize();

    @TempDir
    Path dir;

    private Path write(String yaml) throws Exception {
        Path file = dir.resolve("node.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private List<String> problems(String yaml) throws Exception {
        Path file = write(yaml);
        return assertThrows(ConfigException.class, () -> ConfigLoader.load(file)).problems();
    }

    @Test
    void shippedExamplesAreValid() throws Exception {
        AgentConfig one = ConfigLoader.load(EXAMPLES.resolve("director1.yaml"));
        AgentConfig two = ConfigLoader.load(EXAMPLES.resolve("director2.yaml"));
        assertEquals(150, one.groups().get(0).priority());
        assertEquals(100, two.groups().get(0).priority());
        assertEquals(VrrpVersion.V3, one.groups().get(0).version());
        assertEquals(10, one.groups().get(0).adverIntervalCentis());
        assertEquals(2, one.groups().get(0).vips().size());
        assertEquals(List.of("public", "private"), one.groups().get(0).channels().stream().map(AgentConfig.Channel::name).toList());
        assertEquals(-100, one.groups().get(0).track().interfaces().get(0).weight());
    }

    @Test
    void minimalFileGetsTheDocumentedDefaults() throws Exception {
        AgentConfig config = ConfigLoader.load(write("""
                node: d1
                group:
                  vrid: 7
                  channels: [{interface: eth0}]
                vips: [{address: 10.0.0.10/24, interface: eth0}]
                """));
        assertEquals(VrrpVersion.V3, config.groups().get(0).version());
        assertEquals(100, config.groups().get(0).priority());
        assertEquals(100, config.groups().get(0).adverIntervalCentis());
        assertTrue(config.groups().get(0).preempt());
        assertTrue(config.groups().get(0).accept());
        assertEquals("public", config.groups().get(0).channels().get(0).name());
        assertEquals(ArpForm.REQUEST, config.garpForm());
        assertEquals(5, config.garp().burst());
        assertEquals(2_000_000_000L, config.garp().repeatDelayNanos());
        assertEquals(Path.of("/var/log/ha-agent/events.jsonl"), config.eventFile());
    }

    @Test
    void everyProblemIsReportedWithFileFieldAndFix() throws Exception {
        List<String> problems = problems("""
                node: d1
                group:
                  vrid: 300
                  version: 2
                  priority: 0
                  advert-interval: 150ms
                  channels:
                    - {name: public, interface: eth0}
                    - {name: public, interface: eth0}
                vips:
                  - {address: 10.0.0.10/24, interface: eth0}
                  - {address: 2001:db8::10/64, interface: eth0}
                  - {address: not-an-address, interface: eth0}
                garp: {form: shout}
                """);
        String all = String.join("\n", problems);
        assertTrue(problems.stream().allMatch(p -> p.startsWith(dir.resolve("node.yaml") + ": ") && p.contains(". Fix: ")), all);
        assertTrue(all.contains("group.vrid: 300 is out of range"), all);
        assertTrue(all.contains("group.priority: 0 is out of range"), all);
        assertTrue(all.contains("group.advert-interval: a VRRPv2 advert interval is a whole number of seconds"), all);
        assertTrue(all.contains("group.channels[1].name: 'public' is used twice"), all);
        assertTrue(all.contains("group.channels[1].interface: eth0 carries two channels"), all);
        assertTrue(all.contains("vips[1].address: 2001:db8::10/64 is not IPv4 like vips[0]"), all);
        assertTrue(all.contains("vips[2].address: 'not-an-address' is not an IPv4 or IPv6 address literal"), all);
        assertTrue(all.contains("garp.form: 'shout' is not a GARP form"), all);
    }

    @Test
    void syncMaxlenIsTheKernelsUnlessSetAndRefusedOutOfRange() throws Exception {
        String base = MINIMAL;
        assertEquals(null, ConfigLoader.load(write(base + "sync: {interface: eth1}\n")).sync().maxlen());
        assertEquals(400, ConfigLoader.load(write(base + "sync: {interface: eth1, maxlen: 400}\n")).sync().maxlen());
        String refused = String.join("\n", problems(base + "sync: {interface: eth1, maxlen: 0}\n"));
        assertTrue(refused.contains("sync.maxlen") && refused.contains("1..65507"), refused);
    }

    @Test
    void thePeerLinksAllowListAndTheTablesBound() throws Exception {
        String base = MINIMAL;
        assertEquals(List.of(io.lvsha.vrrp.IpAddress.parse("192.168.50.12")), ConfigLoader.load(write(base
                + "peer-link: {listen: \"192.168.50.11:7311\", key-file: /k, allow: [192.168.50.12]}\n")).peerLink().allow());
        String connecting = String.join("\n", problems(base
                + "peer-link: {connect: \"192.168.50.11:7311\", key-file: /k, allow: [192.168.50.11]}\n"));
        assertTrue(connecting.contains("peer-link.allow") && connecting.contains("listening side"), connecting);
        String badAddress = String.join("\n", problems(base
                + "peer-link: {listen: \"192.168.50.11:7311\", key-file: /k, allow: [nowhere]}\n"));
        assertTrue(badAddress.contains("peer-link.allow[0]"), badAddress);
        String director = "director: {backend: dry-run, max-connections: %d}\n";
        assertEquals(5000, ConfigLoader.load(write(base + director.formatted(5000))).director().maxConnections());
        String refused = String.join("\n", problems(base + director.formatted(0)));
        assertTrue(refused.contains("director.max-connections") && refused.contains("1..10000000"), refused);
    }

    @Test
    void unknownFieldIsNamedWithTheFieldsThatExist() throws Exception {
        List<String> problems = problems("""
                node: d1
                group:
                  vrid: 1
                  priorty: 120
                  channels: [{interface: eth0}]
                vips: [{address: 10.0.0.10/24, interface: eth0}]
                """);
        assertEquals(1, problems.size());
        assertTrue(problems.get(0).contains("group.priorty (line 4): unknown field. Fix: use one of"), problems.get(0));
        assertTrue(problems.get(0).contains("priority"), problems.get(0));
    }

    @Test
    void unknownFieldsDoNotHideTheFilesOtherProblems() throws Exception {
        List<String> problems = problems("""
                node: d1
                group:
                  vrid: 300
                  priorty: 120
                  channels: [{interface: eth0, colour: blue}]
                vips: [{address: not-an-address, interface: eth0}]
                gratuitous: {}
                """);
        String all = String.join("\n", problems);
        assertTrue(all.contains("group.priorty (line 4): unknown field"), all);
        assertTrue(all.contains("group.channels[0].colour (line 5): unknown field"), all);
        assertTrue(all.contains("gratuitous (line 7): unknown field"), all);
        assertTrue(all.contains("group.vrid"), all);
        assertTrue(all.contains("vips[0].address"), all);
        assertTrue(problems.size() >= 5, all);
    }

    @Test
    void aYamlSyntaxErrorNamesItsLineAndColumn() throws Exception {
        List<String> broken = problems("""
                node: d1
                group: {vrid: 1, channels: [{interface: eth0}]
                vips: [{address: 10.0.0.10/24, interface: eth0}]
                """);
        assertEquals(1, broken.size(), broken.toString());
        assertTrue(broken.get(0).matches(".*node\\.yaml: line 3, column \\d+: not valid YAML: .*"), broken.get(0));
        assertTrue(broken.get(0).contains("expected ',' or '}'"), broken.get(0));
    }

    @Test
    void wrongTypeAndBrokenYamlAreRefusedWithoutAStackTrace() throws Exception {
        List<String> wrongType = problems("""
                node: d1
                group: {vrid: many, channels: [{interface: eth0}]}
                vips: [{address: 10.0.0.10/24, interface: eth0}]
                """);
        assertTrue(wrongType.get(0).contains("group.vrid (line 2): wrong type. Fix: write a whole number"), wrongType.get(0));
        List<String> broken = problems("node: \"unterminated\ngroup: {}\n");
        assertTrue(broken.get(0).contains("not valid YAML"), broken.get(0));
        Path missing = dir.resolve("missing.yaml");
        assertEquals(List.of(missing + ": no such file"),
                assertThrows(ConfigException.class, () -> ConfigLoader.load(missing)).problems());
    }

    @Test
    void v3PasswordAndIpv6WithV2AreRefusedWithTheReason() throws Exception {
        String all = String.join("\n", problems("""
                node: d1
                group:
                  vrid: 1
                  version: 3
                  auth-password: secret
                  channels: [{interface: eth0}]
                vips: [{address: 10.0.0.10/24, interface: eth0}]
                """));
        assertTrue(all.contains("group.auth-password: VRRPv3 has no authentication"), all);
        String v6 = String.join("\n", problems("""
                node: d1
                group: {vrid: 1, version: 2, advert-interval: 1s, channels: [{interface: eth0}]}
                vips: [{address: 2001:db8::10/64, interface: eth0}]
                """));
        assertTrue(v6.contains("group.version: VRRPv2 is IPv4 only"), v6);
    }

    @Test
    void notifyHooksPerGroupAndAgentWide() throws Exception {
        AgentConfig config = ConfigLoader.load(write("""
                node: d1
                group:
                  name: tftp-a
                  vrid: 1
                  channels: [{interface: eth0}]
                  notify:
                    master: [/bin/sh, -c, 'echo %g is %r at %p', 100%%]
                    timeout: 2s
                vips: [{address: 10.0.0.10/24, interface: eth0}]
                notify: {any: [/bin/true, '%r']}
                """));
        assertEquals("tftp-a", config.groups().get(0).name());
        assertEquals(List.of(List.of("/bin/sh", "-c", "echo %g is %r at %p", "100%%")),
                config.groups().get(0).hooks().commandsFor("master"));
        assertEquals(List.of(), config.groups().get(0).hooks().commandsFor("backup"));
        assertEquals(2_000_000_000L, config.groups().get(0).hooks().timeoutNanos());
        assertEquals(List.of(List.of("/bin/true", "%r")), config.hooks().commandsFor("fault"));
        assertEquals(AgentConfig.Notify.DEFAULT_TIMEOUT_NANOS, config.hooks().timeoutNanos());
        assertEquals("vrid-1", ConfigLoader.load(write(MINIMAL)).groups().get(0).name(), "a group without a name");
    }

    @Test
    void badNotifyHooksAreRefusedWithTheirField() throws Exception {
        String refused = String.join("\n", problems("""
                node: d1
                group:
                  name: "tftp a"
                  vrid: 1
                  channels: [{interface: eth0}]
                  notify:
                    master: [/usr/local/sbin/no-such-hook, '%g']
                    backup: [logger, '%r']
                    fault: []
                    stop: [/bin/true, '%x']
                    timeout: 20m
                vips: [{address: 10.0.0.10/24, interface: eth0}]
                """));
        assertTrue(refused.contains("group.name: 'tftp a' is not a plain name"), refused);
        assertTrue(refused.contains("group.notify.master[0]: /usr/local/sbin/no-such-hook does not exist or is not executable"), refused);
        assertTrue(refused.contains("group.notify.backup[0]: 'logger' is not an absolute path"), refused);
        assertTrue(refused.contains("group.notify.fault: an empty program or argument"), refused);
        assertTrue(refused.contains("group.notify.stop[1]: '%x' is not a placeholder"), refused);
        assertTrue(refused.contains("group.notify.timeout: 20m is out of range"), refused);
        assertTrue(refused.contains("node.yaml"), "the file is named: " + refused);
    }

    @Test
    void trackScriptsFilesAndServices() throws Exception {
        AgentConfig config = ConfigLoader.load(write("""
                node: d1
                group:
                  vrid: 1
                  channels: [{interface: eth0}]
                  track:
                    - {interface: eth0, weight: -100}
                    - {script: [/bin/true, tftp], interval: 500ms, timeout: 200ms, weight: -50, rise: 2, fall: 3}
                    - {file: /run/ha-agent/weight, weight: 2}
                    - {service: tftp, weight: -100}
                vips: [{address: 10.0.0.10/24, interface: eth0}]
                director: {backend: dry-run}
                services:
                  - {name: tftp, fwmark: 1, match: [{vip: 10.0.0.10, protocol: udp, ports: [69]}],
                     real-servers: [{address: 192.168.50.21}]}
                """));
        AgentConfig.Tracking track = config.groups().get(0).track();
        assertEquals(List.of(new AgentConfig.Track("eth0", -100)), track.interfaces());
        assertEquals(new AgentConfig.TrackScript(List.of("/bin/true", "tftp"), 500_000_000L, 200_000_000L, -50, 2, 3),
                track.scripts().get(0));
        assertEquals(new AgentConfig.TrackFile(Path.of("/run/ha-agent/weight"), 2), track.files().get(0));
        assertEquals(new AgentConfig.TrackService("tftp", -100), track.services().get(0));
    }

    @Test
    void badTrackEntriesAreRefusedWithTheirField() throws Exception {
        String refused = String.join("\n", problems(MINIMAL.replace("  channels: [{interface: eth0}]\n", """
                  channels: [{interface: eth0}]
                  track:
                    - {interface: eth0, file: /run/w}
                    - {weight: -10}
                    - {script: [/bin/true], interval: 1s, timeout: 2s}
                    - {file: weight, weight: 0}
                    - {service: ftp}
                """)));
        assertTrue(refused.contains("group.track[0]: tracks more than one thing"), refused);
        assertTrue(refused.contains("group.track[1]: tracks nothing"), refused);
        assertTrue(refused.contains("group.track[2].timeout: 2s is longer than the interval"), refused);
        assertTrue(refused.contains("group.track[3].file: 'weight' is not an absolute path"), refused);
        assertTrue(refused.contains("group.track[3].weight: 0 is out of range"), refused);
        assertTrue(refused.contains("group.track: service 'ftp' is none of the director's services"), refused);
    }
}
