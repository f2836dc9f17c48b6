package io.lvsha.agent.director.nft;

import io.lvsha.agent.director.conntrack.ConntrackEventReader;
import io.lvsha.agent.director.conntrack.ConntrackMessages;
import io.lvsha.agent.director.ApplyReport;
import io.lvsha.agent.director.BackendContext;
import io.lvsha.agent.director.BackendException;
import io.lvsha.agent.director.CommandRunner;
import io.lvsha.agent.director.ConnectionState;
import io.lvsha.agent.director.DesiredState;
import io.lvsha.agent.director.DirectorBackend;
import io.lvsha.agent.director.DirectorBackendProvider;
import io.lvsha.agent.director.PartialCommitException;
import io.lvsha.agent.director.RealServer;
import io.lvsha.agent.director.ServiceKey;
import io.lvsha.agent.director.VirtualService;
import io.lvsha.state.sync.ConnectionRecord;
import io.lvsha.vrrp.IpAddress;
import java.io.IOException;
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
    private ConntrackNetlink netlink;
    private ConntrackEventReader events;
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
        vips = VirtualService.addressesOf(desired.services());
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

    /** One dump of the conntrack table over ctnetlink (no process: see ConntrackNetlinkNetnsTest for its cost). */
    @Override
    public List<ConnectionRecord> export() throws BackendException {
        List<ConntrackMessages.Flow> flows;
        try {
            flows = conntrack().dump();
        } catch (IOException e) {
            throw new BackendException("reading the conntrack table: " + e.getMessage());
        }
        return balanced(flows);
    }

    /** The flows of ours among {@code flows}, as records. */
    private List<ConnectionRecord> balanced(List<ConntrackMessages.Flow> flows) {
        Set<IpAddress> ours = vips;
        Set<Integer> helpers = helperPorts;
        List<ConnectionRecord> records = new ArrayList<>();
        for (ConntrackMessages.Flow flow : flows) {
            ConnectionRecord record = ConntrackEntries.record(flow, ours, helpers);
            if (record != null) {
                records.add(record);
            }
        }
        return records;
    }

    /** Encodes a takeover's worth of creates (10 000) and throws them away: the encoder is compiled by then. */
    @Override
    public void prepareCommit() {
        ConntrackNetlink.encodeSyntheticCreates(10_000);
    }

    /** Creates over ctnetlink, in batches: one system call per few hundred entries, no process. */
    @Override
    public int commit(List<ConnectionRecord> connections) throws BackendException, PartialCommitException {
        if (connections.isEmpty()) {
            return 0;
        }
        ConntrackNetlink.CommitOutcome outcome;
        try {
            outcome = conntrack().create(connections);
        } catch (IOException e) {
            throw new BackendException("installing connections in conntrack: " + e.getMessage());
        }
        if (outcome.refused() > 0) {
            throw new PartialCommitException(outcome.installed(), outcome.refused(), outcome.firstRefusal());
        }
        return outcome.installed();
    }

    /** Conntrack's events: each balanced flow is known from its first packet. */
    @Override
    public synchronized boolean watch(Watcher watcher) throws BackendException {
        if (events != null) {
            throw new IllegalStateException("the conntrack events are watched already");
        }
        try {
            int ownPortId = conntrack().portId();
            events = new ConntrackEventReader(ConntrackMessages.GROUPS_NEW_UPDATE_DESTROY, new ConntrackEventReader.Listener() {
                @Override
                public void changed(List<ConntrackMessages.Flow> flows) {
                    List<ConnectionRecord> records = balanced(flows);
                    if (!records.isEmpty()) {
                        long oldest = flows.stream().mapToLong(ConntrackMessages.Flow::eventRealtimeNanos)
                                .filter(time -> time > 0).min().orElse(0);
                        watcher.learned(records, oldest);
                    }
                }

                @Override
                public void ended(List<ConntrackMessages.Flow> flows) {
                    List<ConnectionRecord> records = balanced(flows);
                    if (!records.isEmpty()) {
                        watcher.ended(records);
                    }
                }

                @Override
                public void lost() {
                    watcher.lost("the kernel dropped conntrack events (its socket buffer was full)");
                }
            }, ownPortId);
        } catch (IOException e) {
            throw new BackendException("subscribing to conntrack events: " + e.getMessage());
        }
        return true;
    }

    private synchronized ConntrackNetlink conntrack() throws IOException {
        if (netlink == null) {
            netlink = new ConntrackNetlink();
        }
        return netlink;
    }


    @Override
    public List<io.lvsha.agent.director.KernelCheck> kernelChecks() {
        CommandRunner commands = context.commands();
        String events = io.lvsha.agent.director.KernelCheck.read(commands, "net.netfilter.nf_conntrack_events");
        String stamps = io.lvsha.agent.director.KernelCheck.read(commands, "net.netfilter.nf_conntrack_timestamp");
        return List.of(
                new io.lvsha.agent.director.KernelCheck("net.netfilter.nf_conntrack_events", events, events.equals("0")
                        ? "conntrack raises no events: a new flow reaches the backup only at the next repair pass"
                        + " (director.export-interval); sysctl -w net.netfilter.nf_conntrack_events=1" : null),
                new io.lvsha.agent.director.KernelCheck("net.netfilter.nf_conntrack_timestamp", stamps, stamps.equals("1") ? null
                        : "events carry no kernel stamp, so the replication lag histograms (replication.event_lag,"
                        + " replication.backup_table_lag) stay empty; sysctl -w net.netfilter.nf_conntrack_timestamp=1"),
                io.lvsha.agent.director.KernelCheck.conntrackFill(commands));
    }

    @Override
    public synchronized void close() {
        // The table stays: a stopping agent must not cut the traffic it balances.
        if (events != null) {
            events.close();
        }
        if (netlink != null) {
            netlink.close();
        }
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
