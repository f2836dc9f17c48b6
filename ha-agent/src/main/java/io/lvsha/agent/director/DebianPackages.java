package io.lvsha.agent.director;

import java.util.Map;

/**
 * The Debian package each dataplane tool comes from, so that "not installed" names what to
 * install (deploy/packages.sh lists them per backend).
 */
public final class DebianPackages {
    private static final Map<String, String> BY_PROGRAM = Map.ofEntries(
            Map.entry("nft", "nftables"),
            Map.entry("ipvsadm", "ipvsadm"),
            Map.entry("iptables", "iptables"),
            Map.entry("iptables-restore", "iptables"),
            Map.entry("iptables-legacy", "iptables"),
            Map.entry("iptables-legacy-restore", "iptables"));

    private DebianPackages() {
    }

    /** The package that installs {@code program} (a name or a path), or null when we do not know it. */
    public static String of(String program) {
        return BY_PROGRAM.get(program.substring(program.lastIndexOf('/') + 1));
    }

    /** What to tell an operator whose {@code program} could not be started. */
    public static String installHint(String program) {
        String pkg = of(program);
        return pkg == null
                ? "is it installed and on PATH?"
                : "not installed? It comes with the Debian package " + pkg + ": apt-get install " + pkg;
    }
}
