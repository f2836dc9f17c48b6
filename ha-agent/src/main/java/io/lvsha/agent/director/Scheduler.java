package io.lvsha.agent.director;

import java.util.Locale;

/** IPVS's scheduling methods, by their ipvsadm names. */
public enum Scheduler {
    RR, WRR, LC, WLC, LBLC, LBLCR, DH, SH, SED, NQ, MH;

    /**
     * Whether it picks the real server from a hash of the flow's addresses (sh, dh, mh): two
     * directors with the same servers then pick the same one for a flow that neither has an entry
     * for, so a packet that reaches a new master before the flow's replicated entry does still goes
     * to the flow's server.
     */
    public boolean hashesFlows() {
        return this == SH || this == DH || this == MH;
    }

    public String ipvsadmName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @return the scheduler named so by ipvsadm, or null */
    public static Scheduler byName(String name) {
        for (Scheduler scheduler : values()) {
            if (scheduler.ipvsadmName().equals(name)) {
                return scheduler;
            }
        }
        return null;
    }
}
