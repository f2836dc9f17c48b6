package io.lvsha.agent.director.ipvs;

import io.lvsha.agent.director.ApplyReport;
import io.lvsha.agent.director.BackendContext;
import io.lvsha.agent.director.BackendException;
import io.lvsha.agent.director.CommandRunner;
import io.lvsha.agent.director.ConnectionState;
import io.lvsha.state.sync.ConnectionRecord;
import io.lvsha.state.sync.KernelSyncSender;
import io.lvsha.agent.director.DesiredState;
import io.lvsha.agent.director.DirectorBackend;
import io.lvsha.agent.director.DirectorBackendProvider;
import io.lvsha.agent.director.KernelCheck;
import io.lvsha.agent.director.MarkRules;
import io.lvsha.agent.director.ServiceKey;
import io.lvsha.agent.director.SyncDaemon;
import io.lvsha.agent.director.VirtualService;
import io.lvsha.agent.director.conntrack.ConntrackEventReader;
import io.lvsha.agent.director.conntrack.ConntrackMessages;
import io.lvsha.vrrp.IpAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Kernel IPVS through ipvsadm: the table is read with {@code ipvsadm -Sn} and the difference
 * written in one {@code ipvsadm -R} batch (one process per apply, not one per change); the
 * marking rules go to nftables or, on kernels without nf_tables, to iptables. Also switches the
 * kernel's sync daemon with the role, as keepalived's lvs_sync_daemon does.
 */
public final class IpvsBackend implements DirectorBackend, ConnectionState {
    /** The kernel's connections, the only place IPVS shows them. */
    static final String TABLE = "/proc/net/ip_vs_conn";
    /**
     * Whether conntrack tracks IPVS's connections. The operator's choice, not ours: each connection
     * then holds a conntrack entry (size nf_conntrack_max for it). Where it is on, conntrack's NEW
     * event tells the poller of each connection at its first packet.
     */
    static final String CONNTRACK_SWITCH = "net.ipv4.vs.conntrack";
    /** The kernel sync daemon's own settings, reported by doctor as they are (README: why the agent leaves them). */
    static final List<String> SYNC_SETTINGS = List.of("net.ipv4.vs.sync_threshold", "net.ipv4.vs.sync_refresh_period",
            "net.ipv4.vs.sync_retries", "net.ipv4.vs.sync_qlen_max", "net.ipv4.vs.sync_sock_size", "net.ipv4.vs.sync_ports",
            "net.ipv4.vs.sync_persist_mode");
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(IpvsBackend.class);
    private final BackendContext context;
    /** Services this agent programmed: removed when they leave the config, even without table ownership. */
    private final Set<ServiceKey> programmed = new HashSet<>();
    private String loadedMarks;
    private KernelSyncSender syncSender;
    private IpvsConnectionPoller poller;
    private ConntrackEventReader newConnections;
    /** The services' addresses: a conntrack event for one of them is a new IPVS connection. */
    private volatile Set<IpAddress> vips = Set.of();
    /** Whether the poller should read: only a master's table is news. */
    private boolean polling;
    /** What export() judges connections by (their fwmark, their forwarding method). */
    private volatile List<VirtualService> services = List.of();

    /** Registered in META-INF/services. */
    public static final class Provider implements DirectorBackendProvider {
        @Override
        public String name() {
            return "ipvs";
        }

        @Override
        public DirectorBackend create(BackendContext context) {
            return new IpvsBackend(context);
        }
    }

    public IpvsBackend(BackendContext context) {
        this.context = context;
    }

    @Override
    public String name() {
        return "ipvs";
    }

    @Override
    public ApplyReport apply(DesiredState desired) throws BackendException {
        List<String> changes = new ArrayList<>();
        int commands = 1;
        IpvsTable table;
        try {
            table = IpvsTable.parse(checked(List.of("ipvsadm", "-Sn"), null));
        } catch (IllegalArgumentException e) {
            throw new BackendException("ipvsadm -Sn printed what this agent does not understand: " + e.getMessage());
        }
        Set<ServiceKey> removable = desired.ownTable() ? table.services().keySet() : programmed;
        List<String> lines = table.reconcile(desired.services(), removable, changes);
        if (!lines.isEmpty()) {
            checked(List.of("ipvsadm", "-R"), String.join("\n", lines) + "\n");
            commands++;
        }
        programmed.clear();
        desired.services().forEach(service -> programmed.add(service.key()));
        services = desired.services();
        vips = VirtualService.addressesOf(desired.services());
        String marks = marks(desired.services());
        if (!marks.equals(loadedMarks)) {
            commands += loadMarks(marks);
            loadedMarks = marks;
            changes.add("marking rules loaded (" + context.markTool() + ")");
        }
        return new ApplyReport(changes, commands);
    }

    @Override
    public String render(DesiredState desired) {
        List<String> lines = IpvsTable.parse("").reconcile(desired.services(), Set.of(), new ArrayList<>());
        return "# ipvsadm -R\n" + String.join("\n", lines) + "\n# marking rules (" + context.markTool() + ")\n"
                + marks(desired.services());
    }

    @Override
    public void roleChanged(boolean master) throws BackendException {
        synchronized (this) {
            polling = master;
            if (poller != null) {
                poller.master(master);
            }
        }
        SyncDaemon daemon = context.syncDaemon();
        if (daemon == null) {
            return;
        }
        String running = checked(List.of("ipvsadm", "-L", "--daemon"), null);
        if (daemon.both()) {
            startDaemon(daemon, "master", running);
            startDaemon(daemon, "backup", running);
            return;
        }
        String stop = master ? "backup" : "master";
        if (running.contains(stop + " sync daemon")) {
            checked(List.of("ipvsadm", "--stop-daemon", stop), null);
        }
        startDaemon(daemon, master ? "master" : "backup", running);
    }

    /** Starts the {@code role} daemon unless {@code running} ({@code ipvsadm -L --daemon}) shows it. */
    private void startDaemon(SyncDaemon daemon, String role, String running) throws BackendException {
        if (running.contains(role + " sync daemon")) {
            return;
        }
        List<String> command = new ArrayList<>(List.of("ipvsadm", "--start-daemon", role, "--mcast-interface", daemon.iface(),
                "--syncid", Integer.toString(daemon.syncId()), "--mcast-group", daemon.group().getHostString(),
                "--mcast-port", Integer.toString(daemon.group().getPort())));
        if (role.equals("master") && daemon.masterMaxlen() != null) {
            command.addAll(List.of("--sync-maxlen", Integer.toString(daemon.masterMaxlen())));
        }
        checked(command, null);
    }

    /** With a kernel sync daemon, the connections are the kernel's: replicated by the mirror, committed through the daemon. */
    @Override
    public ConnectionState connectionState() {
        return context.syncDaemon() == null ? null : this;
    }

    /**
     * The kernel's own connection table ({@code /proc/net/ip_vs_conn}). The master needs it: its
     * kernel's sync daemon sends with multicast loop off, so the mirror on the master hears none
     * of its own kernel's connections.
     */
    @Override
    public List<ConnectionRecord> export() throws BackendException {
        return IpvsConnections.parse(readTable(), services);
    }

    private String readTable() throws BackendException {
        try {
            return context.commands().read(TABLE);
        } catch (java.io.IOException e) {
            throw new BackendException("reading " + TABLE + ": " + e.getMessage() + " (is the ip_vs module loaded?)");
        }
    }

    /**
     * The master's new connections from a poll of its table every few milliseconds
     * ({@link IpvsConnectionPoller}), and at once on conntrack's NEW events where conntrack tracks
     * IPVS ({@link #CONNTRACK_SWITCH}): the kernel's own sync batches them for up to 2 s.
     */
    @Override
    public synchronized boolean watch(Watcher watcher) throws BackendException {
        if (poller != null) {
            throw new IllegalStateException("the IPVS table is watched already");
        }
        readTable();
        poller = new IpvsConnectionPoller(() -> context.commands().read(TABLE), () -> services, watcher);
        poller.master(polling);
        newConnections = wakeOnNewConnections(poller);
        return true;
    }

    private ConntrackEventReader wakeOnNewConnections(IpvsConnectionPoller woken) {
        String tracked = KernelCheck.read(context.commands(), CONNTRACK_SWITCH);
        if (!tracked.equals("1")) {
            LOG.info("new IPVS connections are found by reading {} every 5-100 ms (net.ipv4.vs.conntrack is {};"
                    + " at 1 each is read at its first packet, from conntrack's events)", TABLE, tracked);
            return null;
        }
        try {
            ConntrackEventReader reader = new ConntrackEventReader(ConntrackMessages.GROUP_NEW, new ConntrackEventReader.Listener() {
                @Override
                public void changed(List<ConntrackMessages.Flow> flows) {
                    Set<IpAddress> served = vips;
                    flows.stream().filter(flow -> served.contains(flow.original().destination()))
                            .mapToLong(ConntrackMessages.Flow::eventRealtimeNanos).min().ifPresent(woken::wake);
                }

                @Override
                public void ended(List<ConntrackMessages.Flow> flows) {
                    // not subscribed: the poll sees connections end
                }

                @Override
                public void lost() {
                    woken.wake(0);
                }
            });
            LOG.info("new IPVS connections are read at their first packet, from conntrack's events (net.ipv4.vs.conntrack=1)");
            return reader;
        } catch (java.io.IOException e) {
            LOG.warn("cannot read conntrack's events ({}); new IPVS connections are found by reading {} every 5-100 ms",
                    e.getMessage(), TABLE);
            return null;
        }
    }

    @Override
    public List<KernelCheck> kernelChecks() {
        List<KernelCheck> checks = new ArrayList<>();
        String tracked = KernelCheck.read(context.commands(), CONNTRACK_SWITCH);
        checks.add(new KernelCheck(CONNTRACK_SWITCH, tracked, tracked.equals("1") ? null
                : "new connections reach the backup agent at the next read of " + TABLE + " (5-100 ms); with"
                + " sysctl -w " + CONNTRACK_SWITCH + "=1 (and nf_conntrack_netlink loaded) each goes at its first packet,"
                + " from conntrack's events (restart the agent after); each IPVS connection then holds a conntrack entry"));
        if (tracked.equals("1")) {
            checks.add(KernelCheck.conntrackFill(context.commands()));
        }
        if (context.syncDaemon() != null) {
            SYNC_SETTINGS.forEach(setting -> checks.add(new KernelCheck(setting, KernelCheck.read(context.commands(), setting), null)));
        }
        return checks;
    }


    /** The commit goes through the backup sync daemon, which the takeover switches to master. */
    @Override
    public boolean commitsAsMaster() {
        return false;
    }

    /**
     * Hands the replicated table to this node's own backup sync daemon, still running at this
     * point of a takeover, which installs every entry its multicast from the master had lost.
     */
    @Override
    public int commit(List<ConnectionRecord> connections) throws BackendException {
        if (connections.isEmpty()) {
            return 0;
        }
        try {
            if (syncSender == null) {
                SyncDaemon daemon = context.syncDaemon();
                syncSender = KernelSyncSender.open(daemon.group().getHostString(), daemon.group().getPort(), daemon.iface(),
                        daemon.syncId());
            }
            syncSender.send(connections);
            return connections.size();
        } catch (java.io.IOException e) {
            throw new BackendException("sending the replicated connections to the kernel's sync daemon: " + e.getMessage());
        }
    }

    @Override
    public synchronized void close() {
        if (newConnections != null) {
            newConnections.close();
        }
        if (poller != null) {
            poller.close();
        }
        if (syncSender != null) {
            try {
                syncSender.close();
            } catch (java.io.IOException e) {
                // closing a datagram socket: nothing is lost
            }
        }
    }

    private String marks(List<VirtualService> services) {
        return context.markTool().startsWith("iptables") ? MarkRules.iptables(services) : MarkRules.nftables(services);
    }

    private int loadMarks(String script) throws BackendException {
        String tool = context.markTool();
        if (!tool.startsWith("iptables")) {
            checked(List.of("nft", "-f", "-"), script);
            return 1;
        }
        checked(List.of(tool + "-restore", "--noflush"), script);
        List<String> jump = List.of("-t", "mangle", "PREROUTING", "-j", MarkRules.IPTABLES_CHAIN);
        if (run(concat(tool, "-C", jump)).ok()) {
            return 2;
        }
        List<String> insert = concat(tool, "-I", jump);
        CommandRunner.Result inserted = run(insert);
        if (!inserted.ok()) {
            throw new BackendException(String.join(" ", insert) + ": " + inserted.output().strip());
        }
        return 3;
    }

    private static List<String> concat(String tool, String action, List<String> rest) {
        List<String> command = new ArrayList<>();
        command.add(tool);
        command.add(rest.get(0));
        command.add(rest.get(1));
        command.add(action);
        command.addAll(rest.subList(2, rest.size()));
        return command;
    }

    private CommandRunner.Result run(List<String> command) throws BackendException {
        return context.commands().run(command, null);
    }

    private String checked(List<String> command, String input) throws BackendException {
        CommandRunner.Result result = context.commands().run(command, input);
        if (!result.ok()) {
            throw new BackendException(String.join(" ", command) + " failed (exit " + result.exitStatus() + "): "
                    + result.output().strip() + (input == null ? "" : "\ninput was:\n" + input));
        }
        return result.output();
    }
}
