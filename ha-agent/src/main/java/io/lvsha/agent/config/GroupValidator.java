package io.lvsha.agent.config;

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

/** {@code group:}: the VRRP virtual router (VRID, version, priority, timers, channels), its tracking and its hooks. */
final class GroupValidator {
    private static final Pattern GROUP_NAME = Pattern.compile("[A-Za-z0-9_-]{1,32}");

    private final ConfigValidator config;

    GroupValidator(ConfigValidator config) {
        this.config = config;
    }

    /** @return null (with the problem reported) when there is no group */
    AgentConfig.Group group(RawConfig.Group raw) {
        return raw == null ? missingGroup() : present(raw);
    }

    private AgentConfig.Group missingGroup() {
        config.problem("group", "missing", "add a 'group:' with vrid, priority and channels (see deploy/examples/)");
        return null;
    }

    private AgentConfig.Group present(RawConfig.Group raw) {
        VrrpVersion version = VrrpVersion.V3;
        if (raw.version() != null) {
            version = VrrpVersion.fromWire(raw.version());
            if (version == null) {
                config.problem("group.version", raw.version() + " is not a VRRP version we speak", "use 3 (RFC 5798) or 2 (RFC 3768)");
                version = VrrpVersion.V3;
            }
        }
        int vrid = ConfigValidator.orDefault(raw.vrid(), -1);
        if (vrid < 1 || vrid > 255) {
            config.problem("group.vrid", raw.vrid() == null ? "missing" : vrid + " is out of range",
                    "use 1..255, the same on both directors and unique on the LAN");
        }
        int priority = ConfigValidator.orDefault(raw.priority(), 100);
        if (priority < 1 || priority > 255) {
            config.problem("group.priority", priority + " is out of range",
                    "use 1..254 (higher wins), or 255 only on the director that owns the addresses");
        }
        int intervalCentis = interval(raw.advertInterval(), version);
        long preemptDelay = config.duration("group.preempt-delay", raw.preemptDelay(), 0);
        if (preemptDelay > 3_600_000_000_000L) {
            config.problem("group.preempt-delay", "longer than an hour", "use 0s..3600s");
        }
        ChecksumMode checksum = checksum(raw.checksum());
        V2Authentication auth = auth(raw.authPassword(), version);
        List<AgentConfig.Channel> channels = channels(raw.channels());
        AgentConfig.Tracking tracks = new TrackValidator(config).tracking(raw.track());
        String name = raw.name() == null ? "vrid-" + vrid : raw.name();
        if (!GROUP_NAME.matcher(name).matches()) {
            config.problem("group.name", "'" + name + "' is not a plain name", "use letters, digits, '-' and '_' (up to 32), e.g. tftp-a");
        }
        AgentConfig.Notify notify = new NotifyValidator(config).hooks("group.notify", raw.hooks());
        return new AgentConfig.Group(name, version, vrid, priority, intervalCentis, ConfigValidator.orDefault(raw.preempt(), true),
                preemptDelay, ConfigValidator.orDefault(raw.accept(), true), checksum, auth, channels, tracks, notify);
    }

    private int interval(String text, VrrpVersion version) {
        long nanos = config.duration("group.advert-interval", text, 1_000_000_000L);
        if (nanos < 0) {
            return 100;
        }
        if (nanos % 10_000_000L != 0) {
            config.problem("group.advert-interval", text + " is not a multiple of 10 ms", "VRRP counts in centiseconds; use e.g. 20ms or 100ms");
            return 100;
        }
        int centis = (int) Math.min(Integer.MAX_VALUE, nanos / 10_000_000L);
        String violation = AdvertIntervals.violation(version, centis);
        if (violation != null) {
            config.problem("group.advert-interval", violation, version == VrrpVersion.V2
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
        config.problem("group.checksum", "'" + text + "' is not a checksum mode", "use pseudo-header (RFC 5798) or vrrp-message-only");
        return ChecksumMode.PSEUDO_HEADER;
    }

    private V2Authentication auth(String password, VrrpVersion version) {
        if (password == null) {
            return V2Authentication.none();
        }
        if (version != VrrpVersion.V2) {
            config.problem("group.auth-password", "VRRPv3 has no authentication (RFC 5798 §9)", "remove it, or use 'version: 2'");
            return V2Authentication.none();
        }
        try {
            return V2Authentication.simplePassword(password);
        } catch (IllegalArgumentException e) {
            config.problem("group.auth-password", e.getMessage(), "use 1 to 8 characters, as keepalived's auth_pass");
            return V2Authentication.none();
        }
    }

    private List<AgentConfig.Channel> channels(List<RawConfig.Channel> raw) {
        List<AgentConfig.Channel> channels = new ArrayList<>();
        if (raw == null || raw.isEmpty()) {
            config.problem("group.channels", "missing", "list at least one heartbeat channel: '- {name: public, interface: eth0}'");
            return channels;
        }
        Set<String> names = new HashSet<>();
        Set<String> interfaces = new HashSet<>();
        for (int i = 0; i < raw.size(); i++) {
            RawConfig.Channel channel = raw.get(i);
            String at = "group.channels[" + i + "]";
            String name = channel.name() == null ? (i == 0 ? "public" : "private") : channel.name();
            if (!names.add(name)) {
                config.problem(at + ".name", "'" + name + "' is used twice", "give each channel its own name");
            }
            String iface = config.interfaceName(at + ".interface", channel.iface());
            if (iface != null && !interfaces.add(iface)) {
                config.problem(at + ".interface", iface + " carries two channels", "a second channel needs a second path: another interface");
            }
            IpAddress source = channel.source() == null ? null : config.address(at + ".source", channel.source());
            List<IpAddress> peers = new ArrayList<>();
            if (channel.peers() != null) {
                for (int p = 0; p < channel.peers().size(); p++) {
                    IpAddress peer = config.address(at + ".peers[" + p + "]", channel.peers().get(p));
                    if (peer != null) {
                        peers.add(peer);
                    }
                }
            }
            channels.add(new AgentConfig.Channel(name, iface, source, peers));
        }
        return channels;
    }
}
