package dev.lifeline.routing;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/** What the engine does after a failed attempt. Named, so that logs and tests can say which rule fired. */
public sealed interface Decision {

    /** The rule that chose this decision, e.g. {@code server error: retry once with backoff}. */
    String rule();

    /** Try the same target again after {@code delay}. */
    record Retry(Duration delay, String rule) implements Decision {
        public Retry {
            Objects.requireNonNull(delay, "delay");
        }
    }

    /**
     * Move on to the next target. {@code coolDown}, when present, keeps this target's circuit open that long
     * (a long {@code Retry-After}, revoked credentials) so that following requests skip it at no cost.
     * {@code minContextWindow}, when present, limits the remaining targets to those declaring a larger window.
     */
    record Next(String rule, Optional<Duration> coolDown, Optional<Long> minContextWindow) implements Decision {
        public Next(String rule) {
            this(rule, Optional.empty(), Optional.empty());
        }
    }

    /** Give up and return the failure to the client. */
    record Stop(String rule) implements Decision {
    }
}
