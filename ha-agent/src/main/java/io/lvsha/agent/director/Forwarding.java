package io.lvsha.agent.director;

import java.util.Locale;

/** How the director passes a connection to a real server. */
public enum Forwarding {
    /** Masquerading: the director rewrites the destination; replies must route back through it. */
    NAT("-m"),
    /** Direct routing ("gatewaying"): the real server holds the VIP on a non-ARPing interface. */
    DR("-g"),
    /** IP-in-IP tunnelling. */
    TUN("-i");

    private final String ipvsadmOption;

    Forwarding(String ipvsadmOption) {
        this.ipvsadmOption = ipvsadmOption;
    }

    public String ipvsadmOption() {
        return ipvsadmOption;
    }

    public String lowerName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @return the method with this ipvsadm option (-m, -g, -i), or null */
    public static Forwarding byIpvsadmOption(String option) {
        for (Forwarding forwarding : values()) {
            if (forwarding.ipvsadmOption.equals(option)) {
                return forwarding;
            }
        }
        return null;
    }
}
