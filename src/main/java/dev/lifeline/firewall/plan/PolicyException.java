package dev.lifeline.firewall.plan;

import java.util.List;

/**
 * A policy the user asked for that cannot be planned. Every problem found is listed, so that one run of the command
 * shows them all instead of one per attempt.
 */
public final class PolicyException extends IllegalArgumentException {
    private final List<String> problems;

    public PolicyException(List<String> problems) {
        super(String.join("\n", problems));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a PolicyException needs at least one problem");
        }
        this.problems = List.copyOf(problems);
    }

    /** One line per problem, each naming the option and value it is about: {@code --allow 10.0.0.300/24: not an ...}. */
    public List<String> problems() {
        return problems;
    }
}
