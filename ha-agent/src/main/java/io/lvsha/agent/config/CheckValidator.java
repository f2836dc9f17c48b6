package io.lvsha.agent.config;

import io.lvsha.agent.director.CheckSpec;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** A service's {@code check:}: which probe, its timers, and what the answer must hold. */
final class CheckValidator {
    private static final long SECOND = 1_000_000_000L;

    private final ConfigValidator config;

    CheckValidator(ConfigValidator config) {
        this.config = config;
    }

    CheckSpec check(String at, RawConfig.Check raw) {
        CheckSpec.Type type = CheckSpec.Type.byConfigName(raw.type() == null ? "tcp" : raw.type());
        if (type == null) {
            config.problem(at + ".type", "'" + raw.type() + "' is not a check", "use tcp, send-expect, tftp, ftp, http or exec");
            return null;
        }
        long interval = config.duration(at + ".interval", raw.interval(), 2 * SECOND);
        long probeTimeout = config.duration(at + ".probe-timeout", raw.probeTimeout(), Math.min(interval, 3 * SECOND));
        long downAfter = config.duration(at + ".timeout", raw.timeout(), 3 * interval);
        long reentry = config.duration(at + ".reentry", raw.reentry(), 15 * SECOND);
        if (interval <= 0 || probeTimeout <= 0) {
            config.problem(at + ".interval", "interval and probe-timeout must be positive", "e.g. interval: 2s, probe-timeout: 1s");
        }
        Pattern expect = null;
        if (raw.expect() != null && raw.expectRegex() != null) {
            config.problem(at, "both expect and expect-regex given", "keep one");
        } else if (raw.expect() != null) {
            expect = Pattern.compile(Pattern.quote(unescape(at + ".expect", raw.expect())));
        } else if (raw.expectRegex() != null) {
            try {
                expect = Pattern.compile(raw.expectRegex());
            } catch (PatternSyntaxException e) {
                config.problem(at + ".expect-regex", "not a regular expression: " + e.getDescription(), "fix the pattern, or use expect for plain text");
            }
        }
        if (type == CheckSpec.Type.TFTP && raw.file() == null) {
            config.problem(at + ".file", "missing", "name the file to read, e.g. pxelinux.0");
        }
        if (type == CheckSpec.Type.EXEC && (raw.program() == null || raw.program().isEmpty())) {
            config.problem(at + ".program", "missing", "give the program and its arguments as a list, e.g. [/usr/local/bin/check, '%h', '%p']");
        }
        String sha = raw.expectSha256();
        if (sha != null && !sha.matches("[0-9a-fA-F]{64}")) {
            config.problem(at + ".expect-sha256", "not a SHA-256", "write the 64 hex digits sha256sum prints");
        }
        String send = raw.send() == null ? "" : unescape(at + ".send", raw.send());
        String file = raw.file() == null && type == CheckSpec.Type.HTTP ? "/" : raw.file();
        return new CheckSpec(type, ConfigValidator.orDefault(raw.port(), 0), send, expect, Boolean.TRUE.equals(raw.udp()), file,
                sha == null ? null : sha.toLowerCase(Locale.ROOT), ConfigValidator.orDefault(raw.expectStatus(), 200),
                raw.program(), interval, probeTimeout, downAfter, reentry,
                Math.max(1, ConfigValidator.orDefault(raw.rise(), 1)), Math.max(1, ConfigValidator.orDefault(raw.fall(), 1)));
    }

    /** piranha's send/expect escapes: \n \r \t \\. */
    private String unescape(String at, String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != '\\') {
                out.append(c);
                continue;
            }
            char next = i + 1 < text.length() ? text.charAt(++i) : ' ';
            switch (next) {
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case '\\' -> out.append('\\');
                default -> config.problem(at, "'\\" + next + "' is not an escape", "use \\n, \\r, \\t or \\\\");
            }
        }
        return out.toString();
    }
}
