package dev.lifeline.config;

import java.util.Objects;

/** A credential read from configuration. Its {@code toString} never reveals the value, so it cannot leak into logs. */
public record Secret(String value) {
    public Secret {
        Objects.requireNonNull(value, "value");
    }

    public boolean isEmpty() {
        return value.isEmpty();
    }

    @Override
    public String toString() {
        return value.isEmpty() ? "(empty)" : "(secret)";
    }
}
