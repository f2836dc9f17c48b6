package io.lvsha.agent.config;

import io.lvsha.arp.AnnouncementSchedule;
import io.lvsha.arp.ArpForm;
import io.lvsha.arp.InterfaceAddress;
import io.lvsha.vrrp.AddressFamily;
import io.lvsha.vrrp.IpAddress;
import io.lvsha.vrrp.VrrpVersion;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns a {@link RawConfig} into an {@link AgentConfig}, collecting every problem as
 * "FILE: FIELD: what is wrong. Fix: what to write instead" before refusing the file.
 */
final class ConfigValidator {
    private static final Pattern INTERFACE_NAME = Pattern.compile("[A-Za-z0-9_.:@-]{1,15}");
    private static final String DEFAULT_EVENT_FILE = "/var/log/ha-agent/events.jsonl";
    private static final String DEFAULT_SOCKET = "/run/ha-agent/admin.sock";
    private static final long DEFAULT_HOLD_NANOS = 60_000_000_000L;

    private final Path file;
    private final List<String> problems = new ArrayList<>();

    ConfigValidator(Path file) {
        this.file = file;
    }

    AgentConfig validate(RawConfig raw) throws ConfigException {
        String node = raw.node();
        if (node == null || node.isBlank()) {
            problem("node", "missing", "name this director, e.g. 'node: d1'");
        }
        GroupsValidator groupsValidator = new GroupsValidator(this);
        List<AgentConfig.Group> groups = groupsValidator.groups(raw);
        List<List<String>> syncGroups = groupsValidator.syncGroups(raw.syncGroups(), groups);
        RawConfig.Garp garp = raw.garp() == null ? new RawConfig.Garp(null, null, null, null, null) : raw.garp();
        ArpForm form = garpForm(garp.form());
        AnnouncementSchedule.Plan plan = garpPlan(garp);
        String eventFile = raw.events() == null || raw.events().file() == null ? DEFAULT_EVENT_FILE : raw.events().file();
        AgentConfig.Admin admin = admin(raw.admin());
        java.net.InetSocketAddress prometheus = prometheus(raw.metrics());
        AgentConfig.PeerLink peerLink = peerLink(raw.peerLink());
        AgentConfig.Sync sync = sync(raw.sync());
        AgentConfig.Director director = new ServicesValidator(this).director(raw.director(), raw.services());
        AgentConfig.Notify notify = new NotifyValidator(this).hooks("notify", raw.hooks());
        for (int i = 0; i < groups.size(); i++) {
            TrackValidator.checkServicesExist(this, (raw.groups() == null ? "group" : "groups[" + i + "]") + ".track",
                    groups.get(i).track(), director);
        }
        groupsValidator.servicesInOneGroupEach(director, groups);
        if (groups.size() > 1 && sync != null && director == null) {
            problem("sync", "with several groups needs the director's services", "add director: and services: (a"
                    + " connection is of the group whose VIP it was made to), or run one group per agent (group:)");
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new AgentConfig(file, node, groups, plan, form, Path.of(eventFile), admin, prometheus, peerLink, sync, director,
                notify, syncGroups);
    }

    private AgentConfig.Sync sync(RawConfig.Sync raw) {
        if (raw == null) {
            return null;
        }
        String iface = interfaceName("sync.interface", raw.iface());
        String group = raw.group() == null ? "224.0.0.81" : raw.group();
        IpAddress groupAddress = address("sync.group", group);
        if (groupAddress != null && (groupAddress.family() != AddressFamily.IPV4 || (groupAddress.toBytes()[0] & 0xf0) != 0xe0)) {
            problem("sync.group", group + " is not an IPv4 multicast group", "use the kernel's default 224.0.0.81");
        }
        int port = orDefault(raw.port(), 8848);
        int syncid = orDefault(raw.syncid(), 0);
        if (port < 1 || port > 65535 || syncid < 0 || syncid > 255) {
            problem("sync", "port " + port + " / syncid " + syncid + " out of range", "port 1..65535, syncid 0..255");
        }
        Integer maxlen = raw.maxlen();
        if (maxlen != null && (maxlen < 1 || maxlen > 65507)) {
            problem("sync.maxlen", maxlen + " out of range", "1..65507 bytes, or leave it out for the kernel's own 1472");
        }
        return new AgentConfig.Sync(iface, group, port, syncid, maxlen);
    }

    private AgentConfig.PeerLink peerLink(RawConfig.PeerLink raw) {
        if (raw == null) {
            return null;
        }
        if ((raw.listen() == null) == (raw.connect() == null)) {
            problem("peer-link", "needs exactly one of listen and connect",
                    "let one director listen (listen: 192.168.50.11:7311) and the other connect to it");
            return null;
        }
        if (raw.keyFile() == null) {
            problem("peer-link.key-file", "missing", "name a file of at least 16 random bytes, the same on both directors");
            return null;
        }
        java.net.InetSocketAddress listen = raw.listen() == null ? null : endpoint("peer-link.listen", raw.listen());
        java.net.InetSocketAddress connect = raw.connect() == null ? null : endpoint("peer-link.connect", raw.connect());
        List<IpAddress> allow = new ArrayList<>();
        if (raw.allow() != null) {
            if (listen == null) {
                problem("peer-link.allow", "only the listening side admits connections",
                        "move allow: to the director that listens, or leave it out");
            }
            for (int i = 0; i < raw.allow().size(); i++) {
                IpAddress address = address("peer-link.allow[" + i + "]", raw.allow().get(i));
                if (address != null) {
                    allow.add(address);
                }
            }
        }
        return new AgentConfig.PeerLink(listen, connect, Path.of(raw.keyFile()), allow);
    }

    private java.net.InetSocketAddress endpoint(String field, String text) {
        int colon = text.lastIndexOf(':');
        try {
            IpAddress address = IpAddress.parse(text.substring(0, colon).replace("[", "").replace("]", ""));
            int port = Integer.parseInt(text.substring(colon + 1));
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port " + port);
            }
            return new java.net.InetSocketAddress(java.net.InetAddress.getByAddress(address.toBytes()), port);
        } catch (RuntimeException | java.net.UnknownHostException e) {
            problem(field, "'" + text + "' is not ADDRESS:PORT", "write e.g. 192.168.50.11:7311 (a private-network address)");
            return null;
        }
    }

    private AgentConfig.Admin admin(RawConfig.Admin raw) {
        if (raw == null) {
            return new AgentConfig.Admin(Path.of(DEFAULT_SOCKET), null, DEFAULT_HOLD_NANOS);
        }
        String socket = raw.socket() == null ? DEFAULT_SOCKET : raw.socket();
        if (!socket.startsWith("/")) {
            problem("admin.socket", "'" + socket + "' is not an absolute path", "use e.g. /run/ha-agent/admin.sock");
        }
        if (raw.group() != null && !raw.group().matches("[a-z_][a-z0-9_-]*")) {
            problem("admin.group", "'" + raw.group() + "' is not a group name", "name a group from /etc/group, or leave it out");
        }
        long hold = duration("admin.switchover-hold", raw.switchoverHold(), DEFAULT_HOLD_NANOS);
        return new AgentConfig.Admin(Path.of(socket), raw.group(), Math.max(0, hold));
    }

    private java.net.InetSocketAddress prometheus(RawConfig.Metrics raw) {
        if (raw == null || raw.prometheus() == null || raw.prometheus().equals("off")) {
            return null;
        }
        String text = raw.prometheus();
        int colon = text.lastIndexOf(':');
        try {
            String host = text.substring(0, colon);
            int port = Integer.parseInt(text.substring(colon + 1));
            IpAddress address = IpAddress.parse(host.replace("[", "").replace("]", ""));
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port " + port);
            }
            if (!isLoopback(address)) {
                problem("metrics.prometheus", text + " is not a loopback address",
                        "serve metrics on 127.0.0.1 or [::1] and let a local scraper or proxy expose them");
            }
            return new java.net.InetSocketAddress(java.net.InetAddress.getByAddress(address.toBytes()), port);
        } catch (RuntimeException | java.net.UnknownHostException e) {
            problem("metrics.prometheus", "'" + text + "' is not ADDRESS:PORT", "write e.g. 127.0.0.1:9469, or off");
            return null;
        }
    }

    private static boolean isLoopback(IpAddress address) {
        byte[] raw = address.toBytes();
        return raw.length == 4 ? raw[0] == 127 : address.equals(IpAddress.parse("::1"));
    }

    private ArpForm garpForm(String text) {
        if (text == null) {
            return ArpForm.REQUEST;
        }
        try {
            return ArpForm.valueOf(text.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            problem("garp.form", "'" + text + "' is not a GARP form", "use request (default) or reply");
            return ArpForm.REQUEST;
        }
    }

    private AnnouncementSchedule.Plan garpPlan(RawConfig.Garp raw) {
        AnnouncementSchedule.Plan defaults = AnnouncementSchedule.Plan.DEFAULT;
        int burst = orDefault(raw.burst(), defaults.burst());
        int repeatBurst = orDefault(raw.repeatBurst(), defaults.repeatBurst());
        if (burst < 1 || burst > 100) {
            problem("garp.burst", burst + " is out of range", "use 1..100 (default 5)");
            burst = defaults.burst();
        }
        if (repeatBurst < 0 || repeatBurst > 100) {
            problem("garp.repeat-burst", repeatBurst + " is out of range", "use 0..100 (default 5; 0 = no second burst)");
            repeatBurst = defaults.repeatBurst();
        }
        long repeatDelay = duration("garp.repeat-delay", raw.repeatDelay(), defaults.repeatDelayNanos());
        long refresh = duration("garp.refresh", raw.refresh(), 0);
        return new AnnouncementSchedule.Plan(burst, Math.max(0, repeatDelay), repeatBurst, Math.max(0, refresh));
    }

    String interfaceName(String field, String name) {
        if (name == null) {
            problem(field, "missing", "name the interface, e.g. eth0");
            return null;
        }
        if (!INTERFACE_NAME.matcher(name).matches()) {
            problem(field, "'" + name + "' is not an interface name", "use the name 'ip link' shows (at most 15 characters)");
            return null;
        }
        return name;
    }

    IpAddress address(String field, String text) {
        try {
            return IpAddress.parse(text);
        } catch (IllegalArgumentException e) {
            problem(field, e.getMessage(), "write an address literal such as 10.0.0.11");
            return null;
        }
    }

    long duration(String field, String text, long defaultNanos) {
        if (text == null) {
            return defaultNanos;
        }
        long nanos = Durations.parseNanos(text);
        if (nanos < 0) {
            problem(field, "'" + text + "' is not a duration", "write a number with ms, s or m, e.g. 100ms or 2s");
        }
        return nanos;
    }

    static <T> T orDefault(T value, T defaultValue) {
        return value == null ? defaultValue : value;
    }

    void problem(String field, String what, String fix) {
        problems.add(file + ": " + field + ": " + what + ". Fix: " + fix + ".");
    }
}
