package dev.lifeline.config;

import java.time.Duration;
import java.util.Objects;

/**
 * How long one attempt may take, phase by phase.
 *
 * @param connect    TCP (and TLS) connection set-up
 * @param firstToken from sending the request until the first content of a streamed answer
 *                   (no headers or no token in time means a silent upstream: fail over, never retry)
 * @param idle       longest gap between two chunks once a stream has started
 * @param response   a whole non-streamed answer (headers and body)
 */
public record Timeouts(Duration connect, Duration firstToken, Duration idle, Duration response) {
    public Timeouts {
        Objects.requireNonNull(connect, "connect");
        Objects.requireNonNull(firstToken, "firstToken");
        Objects.requireNonNull(idle, "idle");
        Objects.requireNonNull(response, "response");
    }

    /** Cloud APIs answer quickly or not at all. */
    public static final Timeouts CLOUD = new Timeouts(
            Duration.ofSeconds(2), Duration.ofSeconds(15), Duration.ofSeconds(30), Duration.ofSeconds(120));

    /** A local server may have to load the model from disk first (cold start), so it gets minutes. */
    public static final Timeouts LOCAL = new Timeouts(
            Duration.ofSeconds(1), Duration.ofSeconds(120), Duration.ofSeconds(60), Duration.ofSeconds(300));

    public static Timeouts defaultsFor(boolean cloud) {
        return cloud ? CLOUD : LOCAL;
    }
}
