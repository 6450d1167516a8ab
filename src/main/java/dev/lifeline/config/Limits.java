package dev.lifeline.config;

import java.time.Duration;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * What one client may cost the gateway and the models behind it.
 *
 * @param maxBodyBytes   largest request body accepted (413 beyond)
 * @param maxTokens      every request's {@code max_tokens} (and {@code max_completion_tokens}) is at most this, and a
 *                       request to a local target that names no limit gets this one, so that no request can keep a GPU
 *                       busy until the context is full
 * @param maxConnections client connections held open at once; more are refused
 * @param headerTimeout  time to send a request's line and headers (slowloris)
 * @param bodyTimeout    time to send a request's body once its headers are in
 * @param idleTimeout    how long a keep-alive connection may wait between requests
 */
public record Limits(long maxBodyBytes, OptionalInt maxTokens, int maxConnections, Duration headerTimeout,
                     Duration bodyTimeout, Duration idleTimeout) {
    public Limits {
        Objects.requireNonNull(maxTokens, "maxTokens");
        Objects.requireNonNull(headerTimeout, "headerTimeout");
        Objects.requireNonNull(bodyTimeout, "bodyTimeout");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
    }

    public static final Limits DEFAULT = new Limits(16L * 1024 * 1024, OptionalInt.empty(), 1024,
            Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(120));
}
