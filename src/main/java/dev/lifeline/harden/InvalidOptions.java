package dev.lifeline.harden;

import java.util.List;

/** Options that cannot be turned into settings: every problem at once, each fit to print after {@code lifeline: }. */
public final class InvalidOptions extends Exception {
    private final List<String> problems;

    public InvalidOptions(List<String> problems) {
        super(String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
