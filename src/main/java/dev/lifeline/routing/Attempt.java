package dev.lifeline.routing;

import java.time.Duration;
import java.util.Objects;

/**
 * One step of an exchange, for logs and headers.
 *
 * @param target   {@code backend model}
 * @param backend  the backend's name
 * @param cloud    whether the backend is a cloud backend
 * @param outcome  {@code served}, {@code failed}, {@code skipped}, {@code cancelled} or {@code interrupted}
 * @param reason   why it failed or was skipped (empty when served)
 * @param decision the rule that decided what came next (empty when served)
 * @param start    when it started, from the request's arrival
 * @param took     how long it took
 */
public record Attempt(String target, String backend, boolean cloud, String outcome, String reason, String decision,
                      Duration start, Duration took) {
    public Attempt {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(decision, "decision");
    }

    public boolean wasSent() {
        return !outcome.equals("skipped");
    }
}
