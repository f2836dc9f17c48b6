package io.lvsha.agent.director;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvsha.agent.director.ipvs.IpvsBackend;
import io.lvsha.agent.director.nft.NftablesBackend;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** What {@code ha-agentctl doctor} says of a kernel's settings, each backend's, from given /proc values. */
class KernelChecksTest {
    private static final SyncDaemon SYNC = new SyncDaemon("eth1", 51, InetSocketAddress.createUnresolved("224.0.0.81", 8848), null);

    /** A kernel whose /proc/sys answers from {@code settings} (sysctl names); anything else is missing. */
    private static CommandRunner kernel(Map<String, String> settings) {
        return new CommandRunner() {
            @Override
            public Result run(List<String> command, String input) {
                throw new AssertionError("doctor runs no program: " + command);
            }

            @Override
            public String read(String path) throws IOException {
                String setting = path.substring("/proc/sys/".length()).replace('/', '.');
                String value = settings.get(setting);
                if (value == null) {
                    throw new java.nio.file.NoSuchFileException(path);
                }
                return value + "\n";
            }
        };
    }

    private static Map<String, KernelCheck> bySetting(List<KernelCheck> checks) {
        return checks.stream().collect(Collectors.toMap(KernelCheck::setting, Function.identity()));
    }

    @Test
    void ipvsWithoutConntrackIsToldHowToGetTheShortestWindowAndTheSyncSettingsAreShown() {
        Map<String, String> settings = new HashMap<>(Map.of("net.ipv4.vs.conntrack", "0",
                "net.ipv4.vs.sync_threshold", "3\t50", "net.ipv4.vs.sync_refresh_period", "0"));
        Map<String, KernelCheck> checks = bySetting(new IpvsBackend(new BackendContext(kernel(settings), SYNC, "nftables")).kernelChecks());
        KernelCheck conntrack = checks.get("net.ipv4.vs.conntrack");
        assertFalse(conntrack.ok());
        assertTrue(conntrack.advice().contains("sysctl -w net.ipv4.vs.conntrack=1"), conntrack.advice());
        assertEquals("3 50", checks.get("net.ipv4.vs.sync_threshold").value());
        assertTrue(checks.get("net.ipv4.vs.sync_threshold").ok(), "the sync settings are shown as they are");
        assertTrue(checks.get("net.ipv4.vs.sync_ports").value().startsWith("unreadable"), "a setting this kernel lacks");
        assertNull(checks.get("net.netfilter.nf_conntrack_count"), "the table's fill matters only where conntrack tracks IPVS");
    }

    @Test
    void ipvsWithConntrackWatchesTheConntrackTablesFill() {
        Map<String, String> settings = Map.of("net.ipv4.vs.conntrack", "1",
                "net.netfilter.nf_conntrack_count", "900", "net.netfilter.nf_conntrack_max", "1000");
        Map<String, KernelCheck> checks = bySetting(new IpvsBackend(new BackendContext(kernel(settings), null, "nftables")).kernelChecks());
        assertTrue(checks.get("net.ipv4.vs.conntrack").ok());
        KernelCheck fill = checks.get("net.netfilter.nf_conntrack_count");
        assertEquals("900 of 1000", fill.value());
        assertTrue(fill.advice().contains("nf_conntrack_max"), fill.advice());
        assertNull(checks.get("net.ipv4.vs.sync_threshold"), "no sync daemon, no sync settings");
    }

    @Test
    void nftablesNeedsConntracksEventsAndStamps() {
        Map<String, String> settings = Map.of("net.netfilter.nf_conntrack_events", "0", "net.netfilter.nf_conntrack_timestamp", "1",
                "net.netfilter.nf_conntrack_count", "10", "net.netfilter.nf_conntrack_max", "1000");
        Map<String, KernelCheck> checks = bySetting(new NftablesBackend(new BackendContext(kernel(settings), null, "nftables")).kernelChecks());
        assertTrue(checks.get("net.netfilter.nf_conntrack_events").advice().contains("repair pass"));
        assertTrue(checks.get("net.netfilter.nf_conntrack_timestamp").ok());
        assertTrue(checks.get("net.netfilter.nf_conntrack_count").ok());
        Map<String, String> noStamps = new HashMap<>(settings);
        noStamps.put("net.netfilter.nf_conntrack_events", "1");
        noStamps.put("net.netfilter.nf_conntrack_timestamp", "0");
        checks = bySetting(new NftablesBackend(new BackendContext(kernel(noStamps), null, "nftables")).kernelChecks());
        assertTrue(checks.get("net.netfilter.nf_conntrack_events").ok());
        assertFalse(checks.get("net.netfilter.nf_conntrack_timestamp").ok());
    }
}
