package io.lvsha.vrrp;

import java.util.HashSet;
import java.util.Set;

/**
 * The per-router receive checks of RFC 5798 §7.1 and RFC 3768 §7.1 that need the configuration:
 * what {@link AdvertCodec} cannot know. An advert that passes goes to the {@link VirtualRouter}.
 *
 * <p>One check is not the RFC's: where the channel's legitimate speakers are known (keepalived's
 * {@code unicast_peer} with {@code check_unicast_src}), an advert from any other source is dropped.
 * The RFC trusts everyone on the link, so one forged higher-priority advert takes the master down.
 *
 * <p>Thread-safe: immutable.
 */
public final class ReceiveFilter {
    private final VirtualRouterConfig config;
    private final Set<IpAddress> ownAddresses = new HashSet<>();
    private final Set<IpAddress> virtualAddresses;
    private final Set<IpAddress> knownSpeakers;

    /** A filter that takes adverts from any source, as the RFCs do. */
    public ReceiveFilter(VirtualRouterConfig config) {
        this(config, Set.of());
    }

    /** @param knownSpeakers the only sources whose adverts count; empty for any source */
    public ReceiveFilter(VirtualRouterConfig config, Set<IpAddress> knownSpeakers) {
        this.config = config;
        config.channels().forEach(channel -> ownAddresses.add(channel.primaryAddress()));
        this.virtualAddresses = Set.copyOf(config.virtualAddresses());
        this.knownSpeakers = Set.copyOf(knownSpeakers);
    }

    /** This filter, taking adverts only from {@code speakers} (empty: from any source). */
    public ReceiveFilter withKnownSpeakers(Set<IpAddress> speakers) {
        return new ReceiveFilter(config, speakers);
    }

    public Set<IpAddress> knownSpeakers() {
        return knownSpeakers;
    }

    /**
     * @return {@code null} if the advert is for this router and consistent with its configuration,
     *     otherwise the reason to drop it
     */
    public DropReason check(ReceivedAdvert received) {
        Advertisement advert = received.advert();
        if (ownAddresses.contains(received.source())) {
            return DropReason.LOOPED_BACK;
        }
        if (advert.version() != config.version()) {
            return DropReason.VERSION_MISMATCH;
        }
        if (advert.family() != config.family() || received.source().family() != config.family()) {
            return DropReason.FAMILY_MISMATCH;
        }
        if (advert.vrid() != config.vrid()) {
            return DropReason.VRID_MISMATCH;
        }
        if (!knownSpeakers.isEmpty() && !knownSpeakers.contains(received.source())) {
            return DropReason.FOREIGN_SPEAKER;
        }
        if (advert.version() == VrrpVersion.V2) {
            // RFC 3768 §7.1: the auth type and data, and the advert interval, must equal ours.
            if (!advert.v2Auth().matches(config.v2Auth())) {
                return DropReason.AUTH_MISMATCH;
            }
            if (advert.adverIntervalCentis() != config.adverIntervalCentis()) {
                return DropReason.INTERVAL_MISMATCH;
            }
        }
        if (config.family() == AddressFamily.IPV6 && !received.source().isIpv6LinkLocal()) {
            return DropReason.SOURCE_NOT_LINK_LOCAL;
        }
        // RFC 5798 §7.1: a mismatched address list is a misconfiguration; only the owner's advert is
        // still processed, because the owner's view of its own addresses is authoritative.
        if (advert.priority() != Advertisement.PRIORITY_OWNER
                && (advert.addresses().size() != virtualAddresses.size()
                || !virtualAddresses.containsAll(advert.addresses()))) {
            return DropReason.ADDRESS_LIST_MISMATCH;
        }
        return null;
    }
}
