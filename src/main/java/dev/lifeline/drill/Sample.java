package dev.lifeline.drill;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One request the drill made, and what came back.
 *
 * @param at        when it was sent
 * @param phase     before, during or after the outage
 * @param task      the workload task it belongs to
 * @param status    the HTTP status; 0 when no answer came
 * @param backend   which backend answered ({@code x-lifeline-backend})
 * @param failover  why the gateway moved on from the first target ({@code x-lifeline-failover}), when it did
 * @param latency   from sending to the whole answer
 * @param error     what went wrong when it did not succeed
 * @param checks    the expectations the answer failed; empty when it passed
 * @param answer    the beginning of the answer, to see what a failed check was about
 */
public record Sample(Instant at, Phase phase, String task, int status, Optional<String> backend, Optional<String> failover,
        Duration latency, Optional<String> error, List<String> checks, String answer) {
    public Sample {
        checks = List.copyOf(checks);
    }

    public enum Phase {
        /** Before the block: the cloud should answer. */
        BEFORE,
        /** The outage window: a local backend must answer, with the failover logged. */
        OUTAGE,
        /** After the lift, until the cloud answers again. */
        RECOVERY;

        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public boolean ok() {
        return status == 200 && error.isEmpty();
    }

    public boolean passed() {
        return ok() && checks.isEmpty();
    }

    /** When the whole answer was in. */
    public Instant answered() {
        return at.plus(latency);
    }

    public boolean servedBy(List<String> backends) {
        return backend.map(backends::contains).orElse(false);
    }
}
