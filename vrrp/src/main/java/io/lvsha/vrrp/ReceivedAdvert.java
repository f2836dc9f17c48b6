package io.lvsha.vrrp;

/**
 * An advertisement as decoded from an IP datagram, with the IP header fields the protocol uses.
 *
 * @param source the sender's primary address (the tie-break value of RFC 5798 §6.4.3)
 * @param destination the multicast group or, for unicast peers, our address
 * @param advert the VRRP fields
 */
public record ReceivedAdvert(IpAddress source, IpAddress destination, Advertisement advert) {
}
