package io.lvsha.vrrp;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The validated settings of one virtual router (one failover group).
 *
 * @param version VRRP version
 * @param vrid Virtual Router ID, 1..255
 * @param priority configured priority, 1..255 (255 = address owner)
 * @param adverIntervalCentis Advertisement_Interval, see {@link AdvertIntervals}
 * @param preempt Preempt_Mode: a higher-priority backup takes over from a lower-priority master
 * @param preemptDelayNanos how long a lower-priority master is tolerated before we preempt it
 *     (lets a rebooted node settle first); 0 = RFC behaviour
 * @param acceptMode RFC 5798 §6.1 Accept_Mode: a non-owner master accepts packets for the VIPs
 * @param channels the heartbeat channels that carry this router's adverts, at least one
 * @param virtualAddresses the addresses carried in adverts (RFC 5798 "IPvX Address(es)")
 * @param v2Auth VRRPv2 authentication (none by default; ignored for v3)
 * @param checksumMode how the v3/IPv4 checksum is computed
 */
public record VirtualRouterConfig(
        VrrpVersion version,
        int vrid,
        int priority,
        int adverIntervalCentis,
        boolean preempt,
        long preemptDelayNanos,
        boolean acceptMode,
        List<Channel> channels,
        List<IpAddress> virtualAddresses,
        V2Authentication v2Auth,
        ChecksumMode checksumMode) {

    /** The longest preempt delay we accept: an hour (keepalived allows 1000 s). */
    public static final long MAX_PREEMPT_DELAY_NANOS = 3_600_000_000_000L;

    /**
     * One heartbeat channel: an interface and our primary address on it.
     *
     * @param name the channel's name in logs and events ("public", "private")
     * @param primaryAddress our address on the channel: the advert source and the tie-break value
     */
    public record Channel(String name, IpAddress primaryAddress) {
    }

    /** Checks every rule and throws one exception that lists all the violations. */
    public VirtualRouterConfig {
        channels = List.copyOf(channels);
        virtualAddresses = List.copyOf(virtualAddresses);
        v2Auth = v2Auth == null ? V2Authentication.none() : v2Auth;
        checksumMode = checksumMode == null ? ChecksumMode.PSEUDO_HEADER : checksumMode;
        List<String> errors = violations(version, vrid, priority, adverIntervalCentis, preemptDelayNanos,
                channels, virtualAddresses);
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", errors));
        }
    }

    private static List<String> violations(VrrpVersion version, int vrid, int priority, int intervalCentis,
                                           long preemptDelayNanos, List<Channel> channels,
                                           List<IpAddress> virtualAddresses) {
        List<String> errors = new ArrayList<>();
        if (version == null) {
            errors.add("version: must be 2 or 3");
            return errors;
        }
        if (vrid < 1 || vrid > 255) {
            errors.add("vrid: a Virtual Router ID is 1..255 (RFC 5798 §5.2.3), not " + vrid);
        }
        if (priority < 1 || priority > 255) {
            errors.add("priority: 1..254 for a backup, 255 for the address owner (RFC 5798 §5.2.4), not " + priority
                    + (priority == 0 ? " (0 is only sent to resign)" : ""));
        }
        String intervalViolation = AdvertIntervals.violation(version, intervalCentis);
        if (intervalViolation != null) {
            errors.add("advert interval: " + intervalViolation);
        }
        if (preemptDelayNanos < 0 || preemptDelayNanos > MAX_PREEMPT_DELAY_NANOS) {
            errors.add("preempt delay: 0 to 3600 s, not " + preemptDelayNanos / 1_000_000 + " ms");
        }
        if (channels.isEmpty()) {
            errors.add("channels: at least one heartbeat channel is needed");
        }
        if (virtualAddresses.isEmpty() || virtualAddresses.size() > 255) {
            errors.add("virtual addresses: an advert carries 1..255 addresses, not " + virtualAddresses.size());
        }
        AddressFamily family = virtualAddresses.isEmpty() ? null : virtualAddresses.get(0).family();
        for (IpAddress address : virtualAddresses) {
            if (address.family() != family) {
                errors.add("virtual addresses: one virtual router has addresses of one family (RFC 5798 §1); "
                        + address + " is not " + family);
            }
        }
        Set<String> names = new HashSet<>();
        for (Channel channel : channels) {
            if (!names.add(channel.name())) {
                errors.add("channels: the name '" + channel.name() + "' is used twice");
            }
            if (family != null && channel.primaryAddress().family() != family) {
                errors.add("channels." + channel.name() + ": primary address " + channel.primaryAddress()
                        + " is not " + family + " like the virtual addresses");
            }
            if (family == AddressFamily.IPV6 && !channel.primaryAddress().isIpv6LinkLocal()) {
                errors.add("channels." + channel.name() + ": an IPv6 advert's source is the interface's link-local "
                        + "address (RFC 5798 §5.1.2.1), not " + channel.primaryAddress());
            }
        }
        return errors;
    }

    public AddressFamily family() {
        return virtualAddresses.get(0).family();
    }

    /** Whether we own the virtual addresses (priority 255). */
    public boolean isOwner() {
        return priority == Advertisement.PRIORITY_OWNER;
    }

    /** Whether packets for the VIPs are accepted while master: always for the owner (RFC 5798 §6.1). */
    public boolean acceptsVipTraffic() {
        return isOwner() || acceptMode;
    }

    /** The advert this router sends, at {@code effectivePriority}. */
    public Advertisement advertisement(int effectivePriority) {
        return new Advertisement(version, vrid, effectivePriority, adverIntervalCentis, virtualAddresses, v2Auth);
    }
}
