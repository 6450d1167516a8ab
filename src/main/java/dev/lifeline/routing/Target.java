package dev.lifeline.routing;

import dev.lifeline.config.BackendConfig;
import dev.lifeline.config.TargetConfig;
import dev.lifeline.config.Timeouts;

import java.util.Objects;

/** A route's target resolved for one request: the backend and the model name to ask it for. */
public record Target(BackendConfig backend, String model, TargetConfig spec) {
    public Target {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(spec, "spec");
    }

    public String backendName() {
        return backend.name();
    }

    public boolean cloud() {
        return backend.cloud();
    }

    public Timeouts timeouts() {
        return spec.timeouts().orElse(backend.timeouts());
    }

    public int retries() {
        return spec.retries().orElse(backend.retries());
    }

    /** {@code backend model}, as people read it in logs. */
    public String label() {
        return backend.name() + " " + model;
    }
}
