package io.lvsha.agent.group;

/** Versions shown by `hello` and `status`. */
public final class Versions {
    /** The agent's version, from the jar's manifest when packaged. */
    public static final String AGENT = versionOf();
    /** The admin protocol's version; a client checks it in `hello`. */
    public static final int ADMIN_PROTOCOL = 1;

    private Versions() {
    }

    private static String versionOf() {
        String version = Versions.class.getPackage().getImplementationVersion();
        return "lvs-ha " + (version == null ? "0.1.0-SNAPSHOT" : version);
    }
}
