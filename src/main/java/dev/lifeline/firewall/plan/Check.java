package dev.lifeline.firewall.plan;

import java.util.Objects;

/**
 * A read-only probe that passes when part of the plan is in place.
 *
 * <p>The command is script text in the plan's language, because some probes need a pipe ({@code ufw show added |
 * grep}). On Linux and macOS it passes when {@code sh -c command} exits 0; in PowerShell when it evaluates to a true
 * value (any object counts). It never changes anything.
 *
 * @param what    what passing means, in a few words: {@code IPv4 rule for 10.0.0.0/24}
 * @param command the probe
 */
public record Check(String what, String command) {
    public Check {
        Objects.requireNonNull(what);
        Objects.requireNonNull(command);
    }
}
