package io.lvsha.agent.director;

import java.util.Locale;

/** The transport protocols a virtual service or a marking rule matches. */
public enum Protocol {
    TCP("-t"),
    UDP("-u"),
    SCTP("--sctp-service");

    private final String ipvsadmOption;

    Protocol(String ipvsadmOption) {
        this.ipvsadmOption = ipvsadmOption;
    }

    /** The ipvsadm option that names a service of this protocol by address and port. */
    public String ipvsadmOption() {
        return ipvsadmOption;
    }

    /** As nftables and iptables spell it. */
    public String lowerName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
