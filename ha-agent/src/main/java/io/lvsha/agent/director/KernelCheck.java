package io.lvsha.agent.director;

/**
 * A kernel setting that bears on a failover, as the backend read it ({@code ha-agentctl doctor}).
 *
 * @param setting its sysctl name (net.ipv4.vs.conntrack)
 * @param value what the kernel says, or why it could not be read
 * @param advice what to change and why, or null when the setting serves the failover
 */
public record KernelCheck(String setting, String value, String advice) {

    public boolean ok() {
        return advice == null;
    }

    /** Reads {@code setting} through {@code commands} (so that a test or a guest answers for the kernel). */
    public static String read(CommandRunner commands, String setting) {
        try {
            return commands.read("/proc/sys/" + setting.replace('.', '/')).strip().replaceAll("\\s+", " ");
        } catch (java.io.IOException e) {
            return "unreadable (" + e.getMessage() + ")";
        }
    }

    /**
     * How full conntrack's table is: a full table drops the packets of new connections, so a
     * backend that has the kernel track its flows warns at 80 %.
     */
    public static KernelCheck conntrackFill(CommandRunner commands) {
        String count = read(commands, "net.netfilter.nf_conntrack_count");
        String max = read(commands, "net.netfilter.nf_conntrack_max");
        String value = count + " of " + max;
        try {
            long used = Long.parseLong(count);
            long limit = Long.parseLong(max);
            return new KernelCheck("net.netfilter.nf_conntrack_count", value, used * 5 > limit * 4
                    ? "the conntrack table is over 80 % full, and a full one drops new connections' packets: raise"
                    + " net.netfilter.nf_conntrack_max" : null);
        } catch (NumberFormatException unreadable) {
            return new KernelCheck("net.netfilter.nf_conntrack_count", value,
                    "conntrack's table cannot be read: is nf_conntrack loaded?");
        }
    }
}
