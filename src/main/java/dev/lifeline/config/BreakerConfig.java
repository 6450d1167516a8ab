package dev.lifeline.config;

import java.time.Duration;
import java.util.Objects;

/**
 * When a target's circuit opens and for how long.
 *
 * @param failureRate  percentage of failed attempts in the window that opens the circuit
 * @param minimumCalls attempts needed in the window before the rate counts
 * @param window       number of most recent attempts considered
 * @param openFor      how long an open circuit skips the target before one probe is let through
 */
public record BreakerConfig(int failureRate, int minimumCalls, int window, Duration openFor) {
    public BreakerConfig {
        Objects.requireNonNull(openFor, "openFor");
    }

    public static final BreakerConfig DEFAULT = new BreakerConfig(50, 3, 10, Duration.ofSeconds(30));
}
