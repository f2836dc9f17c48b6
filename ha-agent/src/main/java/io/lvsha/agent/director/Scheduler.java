package io.lvsha.agent.director;

import java.util.Locale;

/** IPVS's scheduling methods, by their ipvsadm names. */
public enum Scheduler {
    RR, WRR, LC, WLC, LBLC, LBLCR, DH, SH, SED, NQ, MH;

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
