package io.lvsha.agent.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The {@code notify:} blocks (the group's and the agent-wide one): argv lists a hook runner can start as they are. */
final class NotifyValidator {
    private static final long MIN_TIMEOUT_NANOS = 100_000_000L;
    private static final long MAX_TIMEOUT_NANOS = 600_000_000_000L;

    private final ConfigValidator config;

    NotifyValidator(ConfigValidator config) {
        this.config = config;
    }

    AgentConfig.Notify hooks(String at, RawConfig.Notify raw) {
        if (raw == null) {
            return AgentConfig.Notify.NONE;
        }
        long timeout = config.duration(at + ".timeout", raw.timeout(), AgentConfig.Notify.DEFAULT_TIMEOUT_NANOS);
        if (timeout >= 0 && (timeout < MIN_TIMEOUT_NANOS || timeout > MAX_TIMEOUT_NANOS)) {
            config.problem(at + ".timeout", raw.timeout() + " is out of range",
                    "use 100ms..10m: a hook still running then is killed, with its children");
        }
        return new AgentConfig.Notify(command(at + ".master", raw.master()), command(at + ".backup", raw.backup()),
                command(at + ".fault", raw.fault()), command(at + ".stop", raw.stop()), command(at + ".any", raw.any()),
                timeout);
    }

    private List<String> command(String at, List<String> argv) {
        if (argv == null) {
            return List.of();
        }
        if (!program(config, at, argv, "[/usr/local/sbin/dns-flip, '%g', '%r']; leave the key out for no hook")) {
            return List.of();
        }
        for (int i = 0; i < argv.size(); i++) {
            String unknown = unknownPlaceholder(argv.get(i));
            if (unknown != null) {
                config.problem(at + "[" + i + "]", "'" + unknown + "' is not a placeholder",
                        "use %g (group), %r (role), %p (priority), or %% for a literal %");
            }
        }
        return List.copyOf(argv);
    }

    /**
     * An operator's program as an argv list (hooks, track scripts): words present, the program a
     * full path to an executable file. Reports what is wrong; false if the list cannot be run at all.
     */
    static boolean program(ConfigValidator config, String at, List<String> argv, String example) {
        if (argv.isEmpty() || argv.stream().anyMatch(word -> word == null || word.isEmpty())) {
            config.problem(at, "an empty program or argument", "give the program and its arguments as a list, e.g. "
                    + example);
            return false;
        }
        String program = argv.get(0);
        if (!program.startsWith("/")) {
            config.problem(at + "[0]", "'" + program + "' is not an absolute path",
                    "name the program by its full path (it runs without a shell and without PATH), e.g. /usr/bin/logger");
        } else if (!Files.isRegularFile(Path.of(program)) || !Files.isExecutable(Path.of(program))) {
            config.problem(at + "[0]", program + " does not exist or is not executable",
                    "install it, or chmod +x it, or correct the path");
        }
        return true;
    }

    private static String unknownPlaceholder(String word) {
        for (int i = 0; i < word.length(); i++) {
            if (word.charAt(i) != '%') {
                continue;
            }
            char next = i + 1 < word.length() ? word.charAt(i + 1) : ' ';
            if ("grp%".indexOf(next) < 0) {
                return i + 1 < word.length() ? "%" + next : "%";
            }
            i++;
        }
        return null;
    }
}
