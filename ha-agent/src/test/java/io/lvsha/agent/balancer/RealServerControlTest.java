package io.lvsha.agent.balancer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvsha.agent.balancer.RealServerOverrides.Mode;
import io.lvsha.agent.config.ConfigLoader;
import io.lvsha.agent.director.DesiredState;
import io.lvsha.agent.director.RealServer;
import io.lvsha.agent.director.VirtualService;
import io.lvsha.agent.event.EventLog;
import io.lvsha.state.peer.PeerFrame;
import io.lvsha.state.peer.PeerFrameTypes;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The operator's run-time word on real servers: what it programs, how it is kept, how two directors agree on it. */
class RealServerControlTest {
    private static final String SERVICES = """
            node: d1
            group:
              vrid: 7
              channels: [{interface: eth0}]
            vips: [{address: 10.0.0.10/24, interface: eth0}]
            director: {backend: dry-run}
            services:
              - name: tftp
                fwmark: 1
                match: [{vip: 10.0.0.10, protocol: udp, ports: [69, 1024-65535]}]
                quiesce: false
                real-servers: [{address: 192.168.50.21}, {address: 192.168.50.22, weight: 3}]
              - name: web
                vip: 10.0.0.10
                port: 80
                protocol: tcp
                real-servers: [{address: 192.168.50.21, port: 80}, {address: 192.168.50.21, port: 8080},
                               {address: 192.168.50.23, port: 80, enabled: false}]
            """;

    @TempDir
    Path dir;
    private final List<EventLog> logs = new ArrayList<>();
    private final ByteArrayOutputStream console = new ByteArrayOutputStream();

    @AfterEach
    void closeLogs() throws Exception {
        for (EventLog log : logs) {
            log.close();
        }
    }

    private DesiredState configured(String yaml) throws Exception {
        Path file = dir.resolve("node-" + yaml.hashCode() + ".yaml");
        Files.writeString(file, yaml);
        return ConfigLoader.load(file).director().desired();
    }

    private RealServerControl control(String node, Path stateFile, java.util.function.Predicate<PeerFrame> toPeer) throws Exception {
        EventLog events = EventLog.open(node, dir.resolve(node + "-events.jsonl"), new PrintStream(console, true, StandardCharsets.UTF_8));
        logs.add(events);
        return new RealServerControl(stateFile, node, events, toPeer);
    }

    private String events() {
        logs.forEach(EventLog::awaitWritten);
        return console.toString(StandardCharsets.UTF_8);
    }

    private static RealServer server(DesiredState state, String service, String endpoint) {
        VirtualService named = state.services().stream().filter(s -> s.name().equals(service)).findFirst().orElseThrow();
        return named.realServers().stream().filter(s -> s.endpoint().equals(endpoint)).findFirst().orElse(null);
    }

    @Test
    void aDrainedServerKeepsItsPlaceAtWeightZeroAndADisabledOneLeavesThePool() throws Exception {
        DesiredState configured = configured(SERVICES);
        RealServerOverrides overrides = RealServerOverrides.NONE
                .with("tftp", "192.168.50.22:0", Mode.DRAIN, "d1")
                .with("web", "192.168.50.21:8080", Mode.DISABLE, "d1");
        DesiredState programmed = overrides.applyTo(configured).withHealth((service, server) -> true);
        assertEquals(0, server(programmed, "tftp", "192.168.50.22:0").weight(), "drained: weight 0, its flows go on");
        assertEquals(1, server(programmed, "tftp", "192.168.50.21:0").weight());
        assertEquals(null, server(programmed, "web", "192.168.50.21:8080"), "disabled: out of the pool");
        assertEquals(null, server(programmed, "web", "192.168.50.23:80"), "the file's enabled: false still holds");

        RealServerOverrides enabled = overrides.with("tftp", "192.168.50.22:0", Mode.ENABLE, "d2");
        assertEquals(3, server(enabled.applyTo(configured), "tftp", "192.168.50.22:0").weight(), "enable: the file's weight");
        assertEquals(3, enabled.version());
        assertEquals("d2", enabled.setBy());
        assertEquals(Map.of("web|192.168.50.21:8080", Mode.DISABLE), enabled.modes());
        assertEquals(enabled, RealServerOverrides.decode(enabled.encode()), "the file's and the frame's form");
    }

    @Test
    void aSettingOutlivesARestartAndIsDroppedWhenTheFileNoLongerHasItsServer() throws Exception {
        DesiredState configured = configured(SERVICES);
        Path state = dir.resolve("var/lib/ha-agent/real-servers.json");
        RealServerControl first = control("d1", state, frame -> false);
        Map<String, Object> reply = first.set(configured, "tftp", "192.168.50.22", Mode.DRAIN);
        assertEquals("192.168.50.22:0", reply.get("real_server"), "an address alone names the service's one server with it");
        assertEquals(false, reply.get("peer_told"));
        first.set(configured, "web", "192.168.50.21:8080", Mode.DISABLE);
        assertTrue(Files.exists(state), "kept in the state file");

        RealServerControl restarted = control("d1", state, frame -> false);
        restarted.load(configured);
        assertEquals(first.current(), restarted.current());
        assertTrue(events().contains("real-servers-restored"), events());

        DesiredState withoutWeb8080 = configured(SERVICES.replace("{address: 192.168.50.21, port: 8080},", ""));
        restarted.reconfigured(withoutWeb8080);
        assertEquals(Map.of("tftp|192.168.50.22:0", Mode.DRAIN), restarted.current().modes());
        assertTrue(events().contains("real-servers-dropped"), events());
        RealServerControl again = control("d1", state, frame -> false);
        again.load(withoutWeb8080);
        assertEquals(restarted.current(), again.current(), "the file was rewritten without it");
    }

    @Test
    void whatNamesNothingOrCannotBeKeptIsRefusedAndChangesNothing() throws Exception {
        DesiredState configured = configured(SERVICES);
        RealServerControl control = control("d1", dir.resolve("state.json"), frame -> false);
        String noService = assertThrows(IllegalArgumentException.class,
                () -> control.set(configured, "ftp", "192.168.50.21", Mode.DRAIN)).getMessage();
        assertTrue(noService.contains("[tftp, web]"), noService);
        String noServer = assertThrows(IllegalArgumentException.class,
                () -> control.set(configured, "tftp", "192.168.50.99", Mode.DRAIN)).getMessage();
        assertTrue(noServer.contains("192.168.50.21:0"), noServer);
        String twoPorts = assertThrows(IllegalArgumentException.class,
                () -> control.set(configured, "web", "192.168.50.21", Mode.DRAIN)).getMessage();
        assertTrue(twoPorts.contains("several ports"), twoPorts);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> control.set(configured, "tftp", "rs-one", Mode.DRAIN))
                .getMessage().contains("is no address"));

        Files.writeString(dir.resolve("not-a-directory"), "");
        RealServerControl unkept = control("d1", dir.resolve("not-a-directory/state.json"), frame -> false);
        String refused = assertThrows(IllegalStateException.class,
                () -> unkept.set(configured, "tftp", "192.168.50.21", Mode.DISABLE)).getMessage();
        assertTrue(refused.contains("nothing changed") && refused.contains("director.state-file"), refused);
        assertEquals(RealServerOverrides.NONE, unkept.current());
        assertEquals(RealServerOverrides.NONE, control.current());
    }

    @Test
    void anUnreadableStateFileIsSetAsideAndTheAgentStartsFromItsConfiguration() throws Exception {
        Path state = dir.resolve("state.json");
        Files.writeString(state, "{\"version\": 3, \"set_by\": \"d1\", \"real_servers\": [{\"service\": \"tftp\"");
        RealServerControl control = control("d1", state, frame -> false);
        control.load(configured(SERVICES));
        assertEquals(RealServerOverrides.NONE, control.current());
        assertTrue(Files.exists(dir.resolve("state.json.bad")), "the operator's file is kept to look at");
        assertTrue(events().contains("real-servers-unreadable"), events());
    }

    /** Two directors on an in-memory link that can be cut: every frame either one sends waits in a queue. */
    private final class Pair {
        final Queue<PeerFrame> toD1 = new ArrayDeque<>();
        final Queue<PeerFrame> toD2 = new ArrayDeque<>();
        boolean linkUp = true;
        final DesiredState configured;
        final RealServerControl d1;
        final RealServerControl d2;
        int frames;

        Pair() throws Exception {
            configured = configured(SERVICES);
            d1 = control("d1", dir.resolve("d1.json"), frame -> linkUp && toD2.add(frame));
            d2 = control("d2", dir.resolve("d2.json"), frame -> linkUp && toD1.add(frame));
        }

        void deliver() {
            while (!toD1.isEmpty() || !toD2.isEmpty()) {
                assertTrue(++frames < 20, "the two directors settle, they do not answer each other for ever");
                if (!toD2.isEmpty()) {
                    d2.fromPeer(toD2.poll(), configured);
                }
                if (!toD1.isEmpty()) {
                    d1.fromPeer(toD1.poll(), configured);
                }
            }
        }
    }

    @Test
    void bothDirectorsSettleOnTheLatestSettingsWhateverTheLinkDid() throws Exception {
        Pair pair = new Pair();
        pair.d1.set(pair.configured, "tftp", "192.168.50.21", Mode.DRAIN);
        pair.deliver();
        assertEquals(pair.d1.current(), pair.d2.current(), "a change reaches the peer");
        assertTrue(events().contains("real-servers-adopted"), events());

        // Cut: each side changes something; d2's change is the later one (the higher version).
        pair.linkUp = false;
        pair.d1.set(pair.configured, "web", "192.168.50.21:80", Mode.DISABLE);
        pair.d2.set(pair.configured, "tftp", "192.168.50.21", Mode.ENABLE);
        pair.d2.set(pair.configured, "tftp", "192.168.50.22", Mode.DISABLE);
        pair.linkUp = true;
        pair.d1.peerUp();
        pair.d2.peerUp();
        pair.deliver();
        assertEquals(pair.d2.current(), pair.d1.current());
        assertEquals(Map.of("tftp|192.168.50.22:0", Mode.DISABLE), pair.d1.current().modes());

        // The same number of changes on each side: the versions tie, and both take d2's (the name that sorts last).
        pair.linkUp = false;
        pair.d1.set(pair.configured, "web", "192.168.50.21:80", Mode.DRAIN);
        pair.d2.set(pair.configured, "web", "192.168.50.21:8080", Mode.DRAIN);
        pair.linkUp = true;
        pair.d2.peerUp(); // only one side's hello got through: the other answers with its own
        pair.deliver();
        assertEquals(pair.d2.current(), pair.d1.current());
        assertEquals(Mode.DRAIN, pair.d1.current().modeOf("web", "192.168.50.21:8080"));
        RealServerControl d1Restarted = control("d1", dir.resolve("d1.json"), frame -> false);
        d1Restarted.load(pair.configured);
        assertEquals(pair.d2.current(), d1Restarted.current(), "what was adopted is kept too");
    }

    @Test
    void aMalformedFrameFromThePeerChangesNothing() throws Exception {
        Pair pair = new Pair();
        pair.d1.set(pair.configured, "tftp", "192.168.50.21", Mode.DRAIN);
        RealServerOverrides before = pair.d1.current();
        pair.d1.fromPeer(new PeerFrame(PeerFrameTypes.REAL_SERVERS, "{\"version\": \"x\"}".getBytes(StandardCharsets.UTF_8)), pair.configured);
        pair.d1.fromPeer(new PeerFrame(PeerFrameTypes.REAL_SERVERS, ("{\"version\": 9, \"set_by\": \"d2\", \"real_servers\":"
                + " [{\"service\": \"tftp\", \"real_server\": \"192.168.50.21:0\", \"mode\": \"enable\"}]}")
                .getBytes(StandardCharsets.UTF_8)), pair.configured);
        assertEquals(before, pair.d1.current());
        assertTrue(events().contains("peer-frame-refused"), events());
        assertFalse(events().contains("real-servers-adopted"), events());
    }
}
