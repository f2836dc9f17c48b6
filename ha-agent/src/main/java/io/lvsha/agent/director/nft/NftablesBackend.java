package io.lvsha.agent.director.nft;

import io.lvsha.agent.director.ApplyReport;
import io.lvsha.agent.director.BackendContext;
import io.lvsha.agent.director.BackendException;
import io.lvsha.agent.director.CommandRunner;
import io.lvsha.agent.director.ConnectionState;
import io.lvsha.agent.director.ServiceKey;
import io.lvsha.state.sync.ConnectionRecord;
import io.lvsha.vrrp.IpAddress;
import io.lvsha.agent.director.DesiredState;
import io.lvsha.agent.director.DirectorBackend;
import io.lvsha.agent.director.DirectorBackendProvider;
import io.lvsha.agent.director.RealServer;
import io.lvsha.agent.director.VirtualService;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A director without IPVS: marking, NAT balancing, persistence and conntrack helpers as one
 * nftables table ({@code ip lvsha}), changed in one {@code nft -f} transaction per apply. IPv4
 * and NAT forwarding only; the schedulers it can express are in {@link NftRuleset#SUPPORTED}.
 */
public final class NftablesBackend implements DirectorBackend, ConnectionState {
    private final BackendContext context;
    /** What export() keeps: flows to these VIPs, except requests to these helper ports. Set by apply. */
    private volatile Set<IpAddress> vips = Set.of();
    private volatile Set<Integer> helperPorts = Set.of();
    private String loaded;
    private Map<String, List<String>> loadedPools = Map.of();

    /** Registered in META-INF/services. */
    public static final class Provider implements DirectorBackendProvider {
        @Override
        public String name() {
            return "nftables";
        }

        @Override
        public DirectorBackend create(BackendContext context) {
            return new NftablesBackend(context);
        }
    }

    public NftablesBackend(BackendContext context) {
        this.context = context;
    }

    @Override
    public String name() {
        return "nftables";
    }

    @Override
    public ApplyReport apply(DesiredState desired) throws BackendException {
        String table = NftRuleset.table(desired.services());
        vips = vipsOf(desired.services());
        helperPorts = desired.services().stream().filter(service -> service.helper() != null)
                .map(VirtualService::helperPort).collect(java.util.stream.Collectors.toUnmodifiableSet());
        if (table.equals(loaded)) {
            return new ApplyReport(List.of(), 0);
        }
        Map<String, List<String>> pools = pools(desired.services());
        List<String> changes = new ArrayList<>();
        StringBuilder script = new StringBuilder();
        if (loaded == null || !NftRuleset.declarations(loaded).equals(NftRuleset.declarations(table))) {
            script.append("table ip ").append(NftRuleset.TABLE).append(" {\n}\ndelete table ip ").append(NftRuleset.TABLE)
                    .append('\n').append(table);
            changes.add(loaded == null ? "table ip " + NftRuleset.TABLE + " loaded" : "table ip " + NftRuleset.TABLE + " rebuilt");
        } else {
            script.append("flush table ip ").append(NftRuleset.TABLE).append('\n').append(table);
            Set<String> stale = new TreeSet<>(NftRuleset.chains(loaded));
            stale.removeAll(NftRuleset.chains(table));
            stale.forEach(chain -> script.append("delete chain ip ").append(NftRuleset.TABLE).append(' ').append(chain).append('\n'));
        }
        for (VirtualService service : desired.services()) {
            List<String> before = loadedPools.get(service.name());
            List<String> now = pools.get(service.name());
            if (before != null && !before.equals(now)) {
                changes.add("service " + service.name() + ": pool " + before + " -> " + now);
                if (service.persistenceSeconds() > 0 && !now.containsAll(before)) {
                    // A client pinned to a server that left the pool would keep being sent there.
                    script.append("flush map ip ").append(NftRuleset.TABLE).append(' ')
                            .append(NftRuleset.persistMap(service)).append('\n');
                }
            }
        }
        CommandRunner.Result result = context.commands().run(List.of("nft", "-f", "-"), script.toString());
        if (!result.ok()) {
            throw new BackendException("nft -f refused the ruleset (nothing was changed: one transaction): "
                    + result.output().strip());
        }
        loaded = table;
        loadedPools = pools;
        return new ApplyReport(changes, 1);
    }

    @Override
    public String render(DesiredState desired) {
        return "# nft -f\n" + NftRuleset.table(desired.services());
    }

    @Override
    public ConnectionState connectionState() {
        return this;
    }

    /** One {@code conntrack -L} dump (0.04-0.11 s for 10 000 entries, ../shared/reference/nft-tftp/). */
    @Override
    public List<ConnectionRecord> export() throws BackendException {
        CommandRunner.Result dump = context.commands().run(List.of("conntrack", "-L", "-o", "save"), null);
        if (!dump.ok()) {
            throw new BackendException("conntrack -L failed: " + dump.output().strip());
        }
        Set<IpAddress> ours = vips;
        Set<Integer> helpers = helperPorts;
        List<ConnectionRecord> records = new ArrayList<>();
        for (String line : dump.output().split("\n")) {
            if (line.startsWith("-A ")) {
                ConnectionRecord record = ConntrackEntries.parse(line, ours, helpers);
                if (record != null) {
                    records.add(record);
                }
            }
        }
        return records;
    }

    /** One {@code conntrack -R} batch: one process for any number of entries. */
    @Override
    public int commit(List<ConnectionRecord> connections) throws BackendException {
        if (connections.isEmpty()) {
            return 0;
        }
        StringBuilder batch = new StringBuilder();
        connections.forEach(record -> batch.append(ConntrackEntries.saveLine(record)).append('\n'));
        CommandRunner.Result result = context.commands().run(List.of("conntrack", "-R", "/dev/stdin"), batch.toString());
        if (!result.ok()) {
            // -R stops at the first line the kernel refuses; the ones before it are in.
            throw new BackendException("conntrack -R refused an entry: " + result.output().strip());
        }
        return connections.size();
    }

    private static Set<IpAddress> vipsOf(List<VirtualService> services) {
        Set<IpAddress> vips = new java.util.HashSet<>();
        for (VirtualService service : services) {
            if (service.key() instanceof ServiceKey.Address address) {
                vips.add(address.vip());
            }
            service.marks().forEach(rule -> vips.add(rule.vip()));
        }
        return Set.copyOf(vips);
    }

    @Override
    public void close() {
        // The table stays: a stopping agent must not cut the traffic it balances.
    }

    /** Per service, the servers taking new connections, as "address weight". */
    private static Map<String, List<String>> pools(List<VirtualService> services) {
        Map<String, List<String>> pools = new HashMap<>();
        for (VirtualService service : services) {
            List<String> pool = new ArrayList<>();
            for (RealServer server : service.realServers()) {
                if (server.weight() > 0) {
                    pool.add(server.endpoint() + " w" + server.weight());
                }
            }
            pools.put(service.name(), pool);
        }
        return pools;
    }
}
