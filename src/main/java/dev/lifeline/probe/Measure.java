package dev.lifeline.probe;

import java.util.Objects;
import java.util.Optional;

/**
 * A number a check measured, with the thresholds it was judged by, written as Nagios ranges ({@code 10:} alerts
 * below 10, {@code 5} above 5; empty when there is none).
 *
 * @param name     {@code ttft}, {@code tokens_per_second}, {@code load_time}, {@code gpu_offload}...
 * @param model    the model it was measured on, when it belongs to one
 * @param value    the value, in {@code unit}
 * @param unit     {@code s}, {@code %}, or empty for a plain number
 * @param warning  the warning range
 * @param critical the critical range
 */
public record Measure(String name, Optional<String> model, double value, String unit, String warning, String critical) {
    public Measure {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(unit, "unit");
        Objects.requireNonNull(warning, "warning");
        Objects.requireNonNull(critical, "critical");
    }

    public static Measure of(String name, double value, String unit) {
        return new Measure(name, Optional.empty(), value, unit, "", "");
    }

    public Measure forModel(String model) {
        return new Measure(name, Optional.of(model), value, unit, warning, critical);
    }

    public Measure judgedBy(String warning, String critical) {
        return new Measure(name, model, value, unit, warning, critical);
    }
}
