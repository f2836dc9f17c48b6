package io.lvsha.vrrp;

/**
 * Why a received VRRP packet was dropped: one value per check, so that an operator can tell "no
 * adverts" from "adverts rejected for reason X" (OpenBSD carpstats). The first group is found by
 * {@link AdvertCodec} (the packet is not valid VRRP), the second by {@link ReceiveFilter} (valid
 * VRRP, but not for this virtual router or not consistent with its configuration).
 */
public enum DropReason {
    // Syntax: AdvertCodec, in the order the checks run.
    IP_HEADER_INVALID("IP header truncated or malformed"),
    FRAGMENTED("IP fragment (VRRP is never fragmented)"),
    NOT_VRRP("IP protocol / next header is not 112"),
    TTL_NOT_255("IPv4 TTL or IPv6 hop limit is not 255 (RFC 5798 §7.1)"),
    TRUNCATED("VRRP message shorter than its header"),
    OVERSIZED("VRRP message longer than any valid advert"),
    BAD_VERSION("version is neither 2 nor 3"),
    BAD_CHECKSUM("checksum does not match"),
    BAD_TYPE("type is not ADVERTISEMENT (1)"),
    BAD_VRID("VRID 0"),
    NO_ADDRESSES("address count is 0 (RFC 5798 §5.2.5 minimum 1)"),
    LENGTH_MISMATCH("message length does not match the address count"),
    UNKNOWN_AUTH_TYPE("VRRPv2 auth type is not 0, 1 or 2"),
    BAD_INTERVAL("advert interval 0"),

    // Meaning: ReceiveFilter, against one virtual router's configuration.
    LOOPED_BACK("our own advert, seen again"),
    VERSION_MISMATCH("version differs from the configured one"),
    FAMILY_MISMATCH("address family differs from the configured one"),
    VRID_MISMATCH("VRID is not configured here"),
    FOREIGN_SPEAKER("the source is none of the channel's known peers (configured, or learned over the peer link)"),
    AUTH_MISMATCH("VRRPv2 authentication type or password differs (RFC 3768 §7.1)"),
    INTERVAL_MISMATCH("VRRPv2 advert interval differs from ours (RFC 3768 §7.1)"),
    SOURCE_NOT_LINK_LOCAL("IPv6 source is not link-local (RFC 5798 §5.1.2.1)"),
    ADDRESS_LIST_MISMATCH("virtual addresses differ from ours and the sender is not the owner (RFC 5798 §7.1)");

    private final String description;

    DropReason(String description) {
        this.description = description;
    }

    /** One line for logs and the admin socket. */
    public String description() {
        return description;
    }

    /** The reason as a metric label: lower case with dashes ("ttl-not-255"). */
    public String metricName() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
