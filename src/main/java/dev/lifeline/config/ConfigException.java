package dev.lifeline.config;

import java.util.List;

/** A configuration that cannot be used, with every problem found, each naming the offending key. */
public final class ConfigException extends Exception {
    private final List<String> problems;

    public ConfigException(String source, List<String> problems) {
        super(source + ": " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
