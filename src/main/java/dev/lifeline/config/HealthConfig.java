package dev.lifeline.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Active health checks: every {@code interval}, each backend's model list is fetched (no tokens spent) with
 * {@code timeout}; an unreachable backend makes its routes report "not ready". {@code interval: off} disables them.
 */
public record HealthConfig(boolean enabled, Duration interval, Duration timeout) {
    public HealthConfig {
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(timeout, "timeout");
    }

    public static final HealthConfig DEFAULT = new HealthConfig(true, Duration.ofSeconds(15), Duration.ofSeconds(3));
}
