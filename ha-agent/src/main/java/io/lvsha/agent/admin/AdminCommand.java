package io.lvsha.agent.admin;

/**
 * The admin protocol's commands, one table for the socket's dispatch, ha-agentctl's parsing and
 * its usage text: a command added here and served nowhere fails to compile (the switches over it
 * are exhaustive).
 */
public enum AdminCommand {
    STATUS("status", "", "who is master and why; channels, VIPs, last transition"),
    SWITCHOVER("switchover", "[--hold SECONDS]", "hand mastership to the peer (on the master), or take it (on the backup)"),
    RESUME("resume", "", "end a switchover's hold: normal preemption again"),
    MAINTENANCE("maintenance", "on|off", "leave the group and refuse mastership until 'off' (kept over reload, not restart)"),
    PRIORITY("priority", "set N | reset", "override the configured priority (1..254), or go back to it"),
    RELOAD("reload", "", "re-read the configuration file; a bad file is refused, the running one kept"),
    EVENTS("events", "[--last N] [--follow]", "recent events, then (with --follow) every new one as it happens"),
    METRICS("metrics", "", "counters, histograms and gauges"),
    GARP("garp", "", "send a gratuitous ARP / NA burst now (master only)"),
    CONNECTIONS("connections", "[--client ADDRESS] [--limit N]",
            "the replicated connection table (what a takeover commits): count and entries"),
    REAL_SERVER("real-server", "drain|disable|enable SERVICE ADDRESS", "drain (weight 0: connections go on, no new ones),\n"
            + "disable (out of the pool) or enable (as the file says) one real server; kept over reload and\n"
            + "restart, and on the peer"),
    DOCTOR("doctor", "", "the machine's settings a failover depends on (real-time scheduling, conntrack,\n"
            + "the kernel's sync daemon), each with what to change; exit 1 if any"),
    HELLO("hello", "", "protocol and agent version");

    /** Where the summaries start in the usage text. */
    private static final int SUMMARY_COLUMN = 32;

    private final String word;
    private final String arguments;
    private final String summary;

    AdminCommand(String word, String arguments, String summary) {
        this.word = word;
        this.arguments = arguments;
        this.summary = summary;
    }

    /** Whether it acts on one group when given one ({@code "group"} on the wire, {@code --group} on the command line). */
    public boolean forGroup() {
        return this == SWITCHOVER || this == RESUME || this == MAINTENANCE || this == PRIORITY || this == GARP
                || this == CONNECTIONS;
    }

    /** The command's name on the wire and on ha-agentctl's command line. */
    public String word() {
        return word;
    }

    /** How its arguments are written on ha-agentctl's command line. */
    public String arguments() {
        return arguments;
    }

    /** @throws IllegalArgumentException for a word that names no command */
    public static AdminCommand named(String word) {
        for (AdminCommand command : values()) {
            if (command.word.equals(word)) {
                return command;
            }
        }
        throw new IllegalArgumentException("unknown command '" + word + "'");
    }

    /** ha-agentctl's usage text: a command and its arguments a line, its summary beside them. */
    public static String usage(String synopsis) {
        StringBuilder text = new StringBuilder("usage: ").append(synopsis);
        String indent = " ".repeat(SUMMARY_COLUMN);
        for (AdminCommand command : values()) {
            String invocation = "  " + (command.word + " " + command.arguments).strip();
            text.append('\n').append(invocation);
            if (invocation.length() < SUMMARY_COLUMN) {
                text.append(" ".repeat(SUMMARY_COLUMN - invocation.length()));
            } else {
                text.append('\n').append(indent);
            }
            text.append(command.summary.replace("\n", "\n" + indent));
        }
        return text.toString();
    }
}
