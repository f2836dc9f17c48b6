package io.lvsha.agent.director.nft;

import io.lvsha.agent.director.ApplyReport;
import io.lvsha.agent.director.BackendContext;
import io.lvsha.agent.director.BackendException;
import io.lvsha.agent.director.CommandRunner;
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
public final class NftablesBackend implements DirectorBackend {
    private final BackendContext context;
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
