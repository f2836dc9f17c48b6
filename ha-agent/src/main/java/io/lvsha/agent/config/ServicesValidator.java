package io.lvsha.agent.config;

import io.lvsha.agent.director.Backends;
import io.lvsha.agent.director.CheckSpec;
import io.lvsha.agent.director.DesiredState;
import io.lvsha.agent.director.Forwarding;
import io.lvsha.agent.director.MarkRule;
import io.lvsha.agent.director.PortRange;
import io.lvsha.agent.director.Protocol;
import io.lvsha.agent.director.RealServer;
import io.lvsha.agent.director.Scheduler;
import io.lvsha.agent.director.ServiceKey;
import io.lvsha.agent.director.VirtualService;
import io.lvsha.vrrp.AddressFamily;
import io.lvsha.vrrp.IpAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Validates the director section and the virtual services, reporting through the file's {@link ConfigValidator}. */
final class ServicesValidator {
    private static final Set<Scheduler> NFTABLES_SCHEDULERS = Set.of(Scheduler.RR, Scheduler.WRR, Scheduler.SH, Scheduler.DH);
    private static final long SECOND = 1_000_000_000L;

    private final ConfigValidator config;

    ServicesValidator(ConfigValidator config) {
        this.config = config;
    }

    /** @return null when the file configures no director (the agent then only moves VIPs) */
    AgentConfig.Director director(RawConfig.Director raw, List<RawConfig.Service> services) {
        if (raw == null && (services == null || services.isEmpty())) {
            return null;
        }
        RawConfig.Director director = raw == null ? new RawConfig.Director(null, null, null, null, null, null, null) : raw;
        String backend = director.backend() == null ? "ipvs" : director.backend();
        if (!Backends.names().contains(backend)) {
            config.problem("director.backend", "'" + backend + "' is not a backend on the class path",
                    "use one of " + String.join(", ", Backends.names()));
        }
        String markTool = director.markTool() == null ? "nftables" : director.markTool();
        if (!List.of("nftables", "iptables", "iptables-legacy").contains(markTool)) {
            config.problem("director.mark-tool", "'" + markTool + "' is not known",
                    "use nftables, or iptables (iptables-legacy) on kernels without nf_tables");
        }
        List<VirtualService> parsed = new ArrayList<>();
        Set<String> names = new HashSet<>();
        List<RawConfig.Service> list = services == null ? List.of() : services;
        for (int i = 0; i < list.size(); i++) {
            VirtualService service = service("services[" + i + "]", list.get(i), backend);
            if (service != null && !names.add(service.name())) {
                config.problem("services[" + i + "].name", "'" + service.name() + "' names two services", "give each service its own name");
            }
            if (service != null) {
                parsed.add(service);
            }
        }
        overlaps(parsed);
        // The repair pass only: new flows and state changes go at once (conntrack's events, the
        // IPVS poller). Its read of the whole table allocates what most of the agent's garbage
        // is, and every collection stops the replication threads too.
        long exportInterval = config.duration("director.export-interval", director.exportInterval(), 2_000_000_000L);
        if (exportInterval < 50_000_000L) {
            config.problem("director.export-interval", "shorter than 50ms", "use 50ms or more (default 2s): each export reads the whole connection table");
        }
        int maxConnections = director.maxConnections() == null ? MAX_CONNECTIONS_DEFAULT : director.maxConnections();
        if (maxConnections < 1 || maxConnections > MAX_CONNECTIONS_LIMIT) {
            config.problem("director.max-connections", maxConnections + " out of range", "1.." + MAX_CONNECTIONS_LIMIT
                    + " (default " + MAX_CONNECTIONS_DEFAULT + "): the replicated table's bound, about 100 bytes an entry");
        }
        String stateFile = director.stateFile() == null ? DEFAULT_STATE_FILE : director.stateFile();
        if (!stateFile.startsWith("/")) {
            config.problem("director.state-file", "'" + stateFile + "' is not an absolute path",
                    "use e.g. " + DEFAULT_STATE_FILE + " (where the operator's real-server settings are kept)");
        }
        AgentConfig.CommitOrder commitOrder = director.commitOrder() == null ? AgentConfig.CommitOrder.AUTO
                : AgentConfig.CommitOrder.named(director.commitOrder());
        if (commitOrder == null) {
            config.problem("director.commit-order", "'" + director.commitOrder() + "' is not an order",
                    "use auto (after the GARP where every service schedules by a hash of the flow: sh, dh, mh) or"
                    + " before-vips (always before the VIPs)");
        }
        return new AgentConfig.Director(backend, markTool, new DesiredState(parsed, Boolean.TRUE.equals(director.ownTable())),
                exportInterval / 1_000_000L, maxConnections, java.nio.file.Path.of(stateFile), commitOrder);
    }

    /** Where `ha-agentctl real-server` settings are kept by default. */
    static final String DEFAULT_STATE_FILE = "/var/lib/ha-agent/real-servers.json";

    /** The replicated table's bound by default, and at most (10^7 entries: about 1 GB of heap). */
    static final int MAX_CONNECTIONS_DEFAULT = 1_000_000;
    static final int MAX_CONNECTIONS_LIMIT = 10_000_000;

    private VirtualService service(String at, RawConfig.Service raw, String backend) {
        boolean nftables = backend.equals("nftables");
        if (raw.name() == null || !raw.name().matches("[A-Za-z0-9_-]{1,40}")) {
            config.problem(at + ".name", raw.name() == null ? "missing" : "'" + raw.name() + "' is not a plain name",
                    "name the service with letters, digits, - and _ (at most 40), e.g. tftp");
            return null;
        }
        at = "services[" + raw.name() + "]";
        ServiceKey key = key(at, raw, nftables);
        List<MarkRule> marks = new ArrayList<>();
        if (key instanceof ServiceKey.Fwmark && (raw.match() == null || raw.match().isEmpty())) {
            config.problem(at + ".match", "a firewall-mark service without marking rules gets no traffic",
                    "list what gets the mark, e.g. '- {vip: 10.0.0.10, protocol: udp, ports: [69, 1024-65535]}'");
        } else if (raw.match() != null && !(key instanceof ServiceKey.Fwmark) && !raw.match().isEmpty()) {
            config.problem(at + ".match", "marking rules belong to firewall-mark services", "add 'fwmark: N' or drop 'match'");
        }
        if (raw.match() != null) {
            for (int m = 0; m < raw.match().size(); m++) {
                MarkRule rule = markRule(at + ".match[" + m + "]", raw.match().get(m), nftables);
                if (rule != null) {
                    marks.add(rule);
                }
            }
        }
        Scheduler scheduler = scheduler(at, raw.scheduler(), nftables);
        long persistence = raw.persistence() == null ? 0 : config.duration(at + ".persistence", raw.persistence(), 0) / SECOND;
        AddressFamily family = key instanceof ServiceKey.Address address ? address.vip().family()
                : key instanceof ServiceKey.Fwmark fwmark ? fwmark.family() : AddressFamily.IPV4;
        int fullPrefix = family == AddressFamily.IPV6 ? 128 : 32;
        int prefix = ConfigValidator.orDefault(raw.persistencePrefix(), fullPrefix);
        if (prefix < 0 || prefix > fullPrefix) {
            config.problem(at + ".persistence-prefix", prefix + " is out of range", "use 0.." + fullPrefix + " (default " + fullPrefix + ": each client alone)");
        }
        Forwarding forwarding = forwarding(at, raw.forwarding(), nftables);
        String helper = raw.helper();
        if (helper != null && !helper.equals("tftp") && !helper.equals("ftp")) {
            config.problem(at + ".helper", "'" + helper + "' is not a conntrack helper this agent attaches", "use tftp or ftp");
            helper = null;
        }
        int helperPort = ConfigValidator.orDefault(raw.helperPort(), "ftp".equals(helper) ? 21 : 69);
        int defaultPort = key instanceof ServiceKey.Address address ? address.port() : 0;
        RealServer sorry = raw.sorryServer() == null ? null : realServer(at + ".sorry-server", raw.sorryServer(), defaultPort, key, nftables);
        List<RealServer> servers = new ArrayList<>();
        Set<String> endpoints = new HashSet<>();
        List<RawConfig.RealServer> rawServers = raw.realServers() == null ? List.of() : raw.realServers();
        for (int r = 0; r < rawServers.size(); r++) {
            RealServer server = realServer(at + ".real-servers[" + r + "]", rawServers.get(r), defaultPort, key, nftables);
            if (server != null && !endpoints.add(server.endpoint())) {
                config.problem(at + ".real-servers[" + r + "]", server.endpoint() + " is listed twice", "list each real server once");
            } else if (server != null) {
                servers.add(server);
            }
        }
        CheckSpec check = raw.check() == null ? null : new CheckValidator(config).check(at + ".check", raw.check());
        if (key == null) {
            return null;
        }
        // A refused scheduler or method is already a problem; a stand-in keeps the cross-service checks going.
        return new VirtualService(raw.name(), key, marks, scheduler == null ? Scheduler.WLC : scheduler, persistence, prefix,
                forwarding == null ? Forwarding.NAT : forwarding,
                Boolean.TRUE.equals(raw.quiesce()), helper, helperPort, sorry, check, servers);
    }

    private ServiceKey key(String at, RawConfig.Service raw, boolean nftables) {
        if (raw.fwmark() != null) {
            if (raw.vip() != null || raw.port() != null) {
                config.problem(at, "both fwmark and vip/port given", "a service is keyed by a firewall mark or by protocol, vip and port, not both");
            }
            if (raw.fwmark() < 1 || raw.fwmark() > 0xffffffffL) {
                config.problem(at + ".fwmark", raw.fwmark() + " is out of range", "use 1..4294967295");
                return null;
            }
            boolean ipv6 = raw.match() != null && raw.match().stream().anyMatch(m -> m.vip() != null && m.vip().contains(":"));
            if (ipv6 && nftables) {
                config.problem(at + ".match", "the nftables backend balances IPv4 only", "use the ipvs backend for IPv6 services");
            }
            return new ServiceKey.Fwmark(raw.fwmark().intValue(), ipv6 ? AddressFamily.IPV6 : AddressFamily.IPV4);
        }
        Protocol protocol = protocol(at + ".protocol", raw.protocol());
        IpAddress vip = raw.vip() == null ? null : config.address(at + ".vip", raw.vip());
        if (raw.vip() == null || raw.port() == null) {
            config.problem(at, "neither fwmark nor vip and port given", "key the service by 'fwmark: N' (with 'match') or by 'protocol', 'vip' and 'port'");
            return null;
        }
        if (raw.port() < 1 || raw.port() > 65535) {
            config.problem(at + ".port", raw.port() + " is out of range", "use 1..65535");
            return null;
        }
        if (vip != null && nftables && vip.family() == AddressFamily.IPV6) {
            config.problem(at + ".vip", "the nftables backend balances IPv4 only", "use the ipvs backend for IPv6 services");
        }
        return protocol == null || vip == null ? null : new ServiceKey.Address(protocol, vip, raw.port());
    }

    private MarkRule markRule(String at, RawConfig.Match raw, boolean nftables) {
        IpAddress vip = raw.vip() == null ? null : config.address(at + ".vip", raw.vip());
        if (raw.vip() == null) {
            config.problem(at + ".vip", "missing", "name the VIP whose packets get the mark");
        }
        Protocol protocol = protocol(at + ".protocol", raw.protocol());
        if (raw.ports() == null || raw.ports().isEmpty()) {
            config.problem(at + ".ports", "missing", "list ports and ranges, e.g. [69, 1024-65535]");
            return null;
        }
        List<PortRange> ports = new ArrayList<>();
        for (String text : raw.ports()) {
            PortRange range = portRange(at + ".ports", text);
            if (range != null) {
                ports.add(range);
            }
        }
        return vip == null || protocol == null ? null : new MarkRule(vip, protocol, ports);
    }

    private PortRange portRange(String at, String text) {
        try {
            String[] bounds = text.trim().split("\\s*-\\s*");
            int from = Integer.parseInt(bounds[0]);
            int to = bounds.length > 1 ? Integer.parseInt(bounds[1]) : from;
            if (bounds.length > 2) {
                throw new NumberFormatException();
            }
            return new PortRange(from, to);
        } catch (NumberFormatException e) {
            config.problem(at, "'" + text + "' is not a port or a range", "write 69 or 1024-65535");
        } catch (IllegalArgumentException e) {
            config.problem(at, "'" + text + "' is out of bounds", "ports are 1..65535, the lower bound first");
        }
        return null;
    }

    /** Two services claiming the same mark, or the same VIP, protocol and port, would take each other's traffic. */
    private void overlaps(List<VirtualService> services) {
        Map<Integer, String> marks = new HashMap<>();
        List<String[]> claims = new ArrayList<>();
        for (VirtualService service : services) {
            if (service.key() instanceof ServiceKey.Fwmark fwmark) {
                String other = marks.putIfAbsent(fwmark.mark(), service.name());
                if (other != null) {
                    config.problem("services[" + service.name() + "].fwmark", "mark " + fwmark.mark() + " is also service " + other + "'s",
                            "give each firewall-mark service its own mark");
                }
            }
        }
        for (int a = 0; a < services.size(); a++) {
            for (int b = a + 1; b < services.size(); b++) {
                for (MarkRule left : services.get(a).marks()) {
                    for (MarkRule right : services.get(b).marks()) {
                        if (left.vip().equals(right.vip()) && left.protocol() == right.protocol()
                                && left.ports().stream().anyMatch(l -> right.ports().stream().anyMatch(l::overlaps))) {
                            config.problem("services[" + services.get(b).name() + "].match", "its ports on " + right.vip() + " "
                                    + right.protocol().lowerName() + " overlap service " + services.get(a).name() + "'s",
                                    "a packet can carry one mark: split the port ranges between the services");
                        }
                    }
                }
            }
        }
    }

    private Protocol protocol(String at, String text) {
        String name = text == null ? "tcp" : text;
        try {
            return Protocol.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            config.problem(at, "'" + name + "' is not a protocol", "use tcp, udp or sctp");
            return null;
        }
    }

    private Scheduler scheduler(String at, String text, boolean nftables) {
        String name = text == null ? (nftables ? "wrr" : "wlc") : text;
        Scheduler scheduler = Scheduler.byName(name);
        if (scheduler == null) {
            config.problem(at + ".scheduler", "'" + name + "' is not a scheduler", "use one of rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, mh");
        } else if (nftables && !NFTABLES_SCHEDULERS.contains(scheduler)) {
            config.problem(at + ".scheduler", "the nftables backend cannot express " + name + " (it keeps no connection counts)",
                    "use rr or wrr (numgen), or sh or dh (jhash); or the ipvs backend");
        }
        return scheduler;
    }

    private Forwarding forwarding(String at, String text, boolean nftables) {
        String name = text == null ? "nat" : text;
        Forwarding forwarding;
        try {
            forwarding = Forwarding.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            config.problem(at + ".forwarding", "'" + name + "' is not a forwarding method", "use nat, dr or tun");
            return null;
        }
        if (nftables && forwarding != Forwarding.NAT) {
            config.problem(at + ".forwarding", "the nftables backend forwards by NAT only", "use nat, or the ipvs backend for dr and tun");
        }
        return forwarding;
    }

    private RealServer realServer(String at, RawConfig.RealServer raw, int defaultPort, ServiceKey key, boolean nftables) {
        if (raw.address() == null) {
            config.problem(at + ".address", "missing", "give the real server's address");
            return null;
        }
        IpAddress address = config.address(at + ".address", raw.address());
        int port = ConfigValidator.orDefault(raw.port(), defaultPort);
        int weight = ConfigValidator.orDefault(raw.weight(), 1);
        if (port < 0 || port > 65535) {
            config.problem(at + ".port", port + " is out of range", "use 1..65535, or 0 on a firewall-mark service (the client's port)");
        } else if (port != 0 && nftables && key instanceof ServiceKey.Fwmark) {
            config.problem(at + ".port", "the nftables backend keeps the client's port on firewall-mark services", "leave port out");
        }
        if (weight < 0 || weight > 65535) {
            config.problem(at + ".weight", weight + " is out of range", "use 0..65535 (0 = no new connections)");
        }
        return address == null ? null : new RealServer(address, port, weight, ConfigValidator.orDefault(raw.enabled(), true));
    }
}
