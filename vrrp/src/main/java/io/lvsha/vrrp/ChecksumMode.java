package io.lvsha.vrrp;

/**
 * How the VRRPv3 checksum over IPv4 is computed.
 *
 * <p>RFC 5798 §5.2.8 includes the IPv4 pseudo-header; some vendors' VRRPv3/IPv4 implementations
 * checksum only the VRRP message, as VRRPv2 does. RFC 9568 §5.2.8 names the second form as one a
 * router may be configured to interoperate with (keepalived issue 2324). VRRPv2 and VRRPv3/IPv6
 * are not affected: v2 never has a pseudo-header, v3 over IPv6 always has one.
 */
public enum ChecksumMode {
    /** RFC 5798 / RFC 9568 default: IPv4 pseudo-header included. */
    PSEUDO_HEADER,
    /** VRRPv2-style: the VRRP message only (interop with routers that do this for v3/IPv4). */
    VRRP_MESSAGE_ONLY
}
