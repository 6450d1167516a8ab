package dev.lifeline.config;

import java.util.List;
import java.util.Objects;

/**
 * Maps the model name a client asks for (exact, or a glob with {@code *} and {@code ?}) to an ordered list of targets.
 */
public record RouteConfig(String model, List<TargetConfig> targets) {
    public RouteConfig {
        Objects.requireNonNull(model, "model");
        targets = List.copyOf(targets);
    }

    public boolean isGlob() {
        return model.indexOf('*') >= 0 || model.indexOf('?') >= 0;
    }
}
