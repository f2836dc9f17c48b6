package io.lvsha.agent.config;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses "100ms", "1s", "2.5s", "5m" into nanoseconds. */
final class Durations {
    private static final Pattern FORMAT = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m)");

    private Durations() {
    }

    /** @return nanoseconds, or -1 if {@code text} is not a duration */
    static long parseNanos(String text) {
        Matcher matcher = FORMAT.matcher(text.trim());
        if (!matcher.matches()) {
            return -1;
        }
        double value = Double.parseDouble(matcher.group(1));
        double unit = switch (matcher.group(2)) {
            case "ms" -> 1e6;
            case "s" -> 1e9;
            default -> 60e9;
        };
        return Math.round(value * unit);
    }
}
