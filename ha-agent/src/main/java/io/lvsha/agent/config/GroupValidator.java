package io.lvsha.agent.config;

import io.lvsha.arp.InterfaceAddress;
import io.lvsha.vrrp.AddressFamily;
import io.lvsha.vrrp.AdvertIntervals;
import io.lvsha.vrrp.ChecksumMode;
import io.lvsha.vrrp.V2Authentication;
import io.lvsha.vrrp.IpAddress;
import io.lvsha.vrrp.VrrpVersion;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** A failover group ({@code group:}, or one of {@code groups:}): its VRRP router (VRID, version, priority, timers, channels), VIPs, tracking and hooks. */
final class GroupValidator {
    private static final Pattern GROUP_NAME = Pattern.compile("[A-Za-z0-9_-]{1,32}");

    private final ConfigValidator config;
    /** Where the group is in the file: "group" or "groups[N]". */
    private final String at;

    GroupValidator(ConfigValidator config, String at) {
        this.config = config;
        this.at = at;
    }

    /**
     * @param rawVips its VIPs (the top-level {@code vips:} with {@code group:})
     * @param vipsAt where they are: "vips" or "groups[N].vips"
     */
    AgentConfig.Group group(RawConfig.Group raw, List<RawConfig.Vip> rawVips, String vipsAt) {
        VrrpVersion version = VrrpVersion.V3;
        if (raw.version() != null) {
            version = VrrpVersion.fromWire(raw.version());
            if (version == null) {
                config.problem(at + ".version", raw.version() + " is not a VRRP version we speak", "use 3 (RFC 5798) or 2 (RFC 3768)");
                version = VrrpVersion.V3;
            }
        }
        int vrid = ConfigValidator.orDefault(raw.vrid(), -1);
        if (vrid < 1 || vrid > 255) {
            config.problem(at + ".vrid", raw.vrid() == null ? "missing" : vrid + " is out of range",
                    "use 1..255, the same on both directors and unique on the LAN");
        }
        int priority = ConfigValidator.orDefault(raw.priority(), 100);
        if (priority < 1 || priority > 255) {
            config.problem(at + ".priority", priority + " is out of range",
                    "use 1..254 (higher wins), or 255 only on the director that owns the addresses");
        }
        int intervalCentis = interval(raw.advertInterval(), version);
        long preemptDelay = config.duration("group.preempt-delay", raw.preemptDelay(), 0);
        if (preemptDelay > 3_600_000_000_000L) {
            config.problem(at + ".preempt-delay", "longer than an hour", "use 0s..3600s");
        }
        ChecksumMode checksum = checksum(raw.checksum());
        V2Authentication auth = auth(raw.authPassword(), version);
        List<AgentConfig.Channel> channels = channels(raw.channels());
        AgentConfig.Tracking tracks = new TrackValidator(config).tracking(at + ".track", raw.track());
        String name = raw.name() == null ? "vrid-" + vrid : raw.name();
        if (!GROUP_NAME.matcher(name).matches()) {
            config.problem(at + ".name", "'" + name + "' is not a plain name", "use letters, digits, '-' and '_' (up to 32), e.g. tftp-a");
        }
        AgentConfig.Notify notify = new NotifyValidator(config).hooks(at + ".notify", raw.hooks());
        List<AgentConfig.Vip> vips = vips(rawVips, vipsAt, channels, version);
        return new AgentConfig.Group(name, version, vrid, priority, intervalCentis, ConfigValidator.orDefault(raw.preempt(), true),
                preemptDelay, ConfigValidator.orDefault(raw.accept(), true), checksum, auth, channels, tracks, notify, vips);
    }

    private int interval(String text, VrrpVersion version) {
        long nanos = config.duration("group.advert-interval", text, 1_000_000_000L);
        if (nanos < 0) {
            return 100;
        }
        if (nanos % 10_000_000L != 0) {
            config.problem(at + ".advert-interval", text + " is not a multiple of 10 ms", "VRRP counts in centiseconds; use e.g. 20ms or 100ms");
            return 100;
        }
        int centis = (int) Math.min(Integer.MAX_VALUE, nanos / 10_000_000L);
        String violation = AdvertIntervals.violation(version, centis);
        if (violation != null) {
            config.problem(at + ".advert-interval", violation, version == VrrpVersion.V2
                    ? "use a whole number of seconds, or 'version: 3' for sub-second adverts" : "use 10ms..40950ms");
        }
        return centis;
    }

    private ChecksumMode checksum(String text) {
        if (text == null || text.equals("pseudo-header")) {
            return ChecksumMode.PSEUDO_HEADER;
        }
        if (text.equals("vrrp-message-only")) {
            return ChecksumMode.VRRP_MESSAGE_ONLY;
        }
        config.problem(at + ".checksum", "'" + text + "' is not a checksum mode", "use pseudo-header (RFC 5798) or vrrp-message-only");
        return ChecksumMode.PSEUDO_HEADER;
    }

    private V2Authentication auth(String password, VrrpVersion version) {
        if (password == null) {
            return V2Authentication.none();
        }
        if (version != VrrpVersion.V2) {
            config.problem(at + ".auth-password", "VRRPv3 has no authentication (RFC 5798 §9)", "remove it, or use 'version: 2'");
            return V2Authentication.none();
        }
        try {
            return V2Authentication.simplePassword(password);
        } catch (IllegalArgumentException e) {
            config.problem(at + ".auth-password", e.getMessage(), "use 1 to 8 characters, as keepalived's auth_pass");
            return V2Authentication.none();
        }
    }

    private List<AgentConfig.Channel> channels(List<RawConfig.Channel> raw) {
        List<AgentConfig.Channel> channels = new ArrayList<>();
        if (raw == null || raw.isEmpty()) {
            config.problem(at + ".channels", "missing", "list at least one heartbeat channel: '- {name: public, interface: eth0}'");
            return channels;
        }
        Set<String> names = new HashSet<>();
        Set<String> interfaces = new HashSet<>();
        for (int i = 0; i < raw.size(); i++) {
            RawConfig.Channel channel = raw.get(i);
            String channelAt = at + ".channels[" + i + "]";
            String name = channel.name() == null ? (i == 0 ? "public" : "private") : channel.name();
            if (!names.add(name)) {
                config.problem(channelAt + ".name", "'" + name + "' is used twice", "give each channel its own name");
            }
            String iface = config.interfaceName(channelAt + ".interface", channel.iface());
            if (iface != null && !interfaces.add(iface)) {
                config.problem(channelAt + ".interface", iface + " carries two channels", "a second channel needs a second path: another interface");
            }
            IpAddress source = channel.source() == null ? null : config.address(channelAt + ".source", channel.source());
            List<IpAddress> peers = new ArrayList<>();
            if (channel.peers() != null) {
                for (int p = 0; p < channel.peers().size(); p++) {
                    IpAddress peer = config.address(channelAt + ".peers[" + p + "]", channel.peers().get(p));
                    if (peer != null) {
                        peers.add(peer);
                    }
                }
            }
            channels.add(new AgentConfig.Channel(name, iface, source, peers));
        }
        return channels;
    }

    private List<AgentConfig.Vip> vips(List<RawConfig.Vip> raw, String vipsAt, List<AgentConfig.Channel> channels,
                                       VrrpVersion version) {
        List<AgentConfig.Vip> vips = new ArrayList<>();
        if (raw == null || raw.isEmpty()) {
            config.problem(vipsAt, "missing", "list the floating addresses: '- {address: 10.0.0.10/24, interface: eth0}'");
            return vips;
        }
        AddressFamily family = null;
        Set<IpAddress> seen = new HashSet<>();
        for (int i = 0; i < raw.size(); i++) {
            String vipAt = vipsAt + "[" + i + "]";
            RawConfig.Vip vip = raw.get(i);
            String iface = config.interfaceName(vipAt + ".interface", vip.iface());
            InterfaceAddress address = null;
            if (vip.address() == null) {
                config.problem(vipAt + ".address", "missing", "write the address with its prefix, e.g. 10.0.0.10/24");
            } else {
                try {
                    address = InterfaceAddress.parse(vip.address());
                } catch (IllegalArgumentException e) {
                    config.problem(vipAt + ".address", e.getMessage(), "write the address with its prefix, e.g. 10.0.0.10/24");
                }
            }
            if (address != null) {
                family = family == null ? address.address().family() : family;
                if (address.address().family() != family) {
                    config.problem(vipAt + ".address", address + " is not " + family + " like " + vipsAt + "[0]",
                            "one VRRP group carries one address family (RFC 5798 §1); put the others in a group of their own (groups:)");
                }
                if (!seen.add(address.address())) {
                    config.problem(vipAt + ".address", address.address() + " is listed twice", "list each VIP once");
                }
                if (iface != null) {
                    vips.add(new AgentConfig.Vip(address, iface));
                }
            }
        }
        if (family != null) {
            for (int c = 0; c < channels.size(); c++) {
                for (IpAddress peer : channels.get(c).peers()) {
                    if (peer.family() != family) {
                        config.problem(at + ".channels[" + c + "].peers", peer + " is not " + family + " like the VIPs",
                                "list the peer's " + family + " address on this channel");
                    }
                }
            }
        }
        if (family == AddressFamily.IPV6 && version == VrrpVersion.V2) {
            config.problem(at + ".version", "VRRPv2 is IPv4 only (RFC 3768)", "use 'version: 3' for IPv6 VIPs");
        }
        return vips;
    }
}
