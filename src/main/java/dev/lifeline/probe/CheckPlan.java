package dev.lifeline.probe;

import dev.lifeline.config.BackendConfig;
import dev.lifeline.config.MonitorConfig.CpuFallback;
import dev.lifeline.config.MonitorConfig.Thresholds;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What to check on one backend.
 *
 * @param backend        the backend
 * @param models         the models that must be there (those the routes send to it, or the operator's list)
 * @param inferenceModel the model to run a test inference on; empty: no inference (a cloud backend by default: it costs)
 * @param thresholds     when the inference's numbers are a problem
 * @param cpuFallback    what a model on the CPU is
 * @param timeout        for each request that should answer at once (health, model lists)
 */
public record CheckPlan(BackendConfig backend, List<String> models, Optional<String> inferenceModel, Thresholds thresholds,
                        CpuFallback cpuFallback, Duration timeout) {
    public CheckPlan {
        Objects.requireNonNull(backend, "backend");
        models = List.copyOf(models);
        Objects.requireNonNull(inferenceModel, "inferenceModel");
        Objects.requireNonNull(thresholds, "thresholds");
        Objects.requireNonNull(cpuFallback, "cpuFallback");
        Objects.requireNonNull(timeout, "timeout");
    }

    /**
     * How long a test inference may take in all: a cold load at the critical load time, then a first token at its
     * critical time (timed after the load), and as long again for a few more tokens. A model that takes longer is
     * CRITICAL anyway; with the default thresholds this is 3 minutes, inside a 5-minute schedule.
     */
    /** Once tokens flow, the longest wait for the next one: twice the per-request timeout (10 s by default). */
    public Duration stallTimeout() {
        return timeout.multipliedBy(2);
    }

    public Duration inferenceTimeout() {
        Duration load = thresholds.loadTime().critical().or(() -> thresholds.loadTime().warning()).orElse(Duration.ofMinutes(5));
        Duration ttft = thresholds.ttft().critical().or(() -> thresholds.ttft().warning()).orElse(Duration.ofMinutes(1));
        return load.plus(ttft.multipliedBy(2));
    }
}
