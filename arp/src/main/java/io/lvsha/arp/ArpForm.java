package io.lvsha.arp;

/** Which gratuitous ARP to send: switches and hosts differ in which one they learn from. */
public enum ArpForm {
    /** ARP request, sender IP = target IP (RFC 5227 announcement); what keepalived sends. The default. */
    REQUEST,
    /** ARP reply (op 2), for old hosts that update their cache only from replies. */
    REPLY
}
