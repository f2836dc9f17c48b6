package io.lvsha.agent.config;

import java.util.List;

/** A configuration file was refused; {@link #problems()} lists every problem, one per line. */
public final class ConfigException extends Exception {
    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super(String.join(System.lineSeparator(), problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
