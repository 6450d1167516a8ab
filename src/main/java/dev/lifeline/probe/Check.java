package dev.lifeline.probe;

import java.util.List;
import java.util.Objects;

/**
 * One check of one backend and what came of it.
 *
 * @param backend  the backend's name
 * @param name     which check: {@code service}, {@code models}, {@code inference}, {@code gpu}
 * @param status   how it came out
 * @param summary  one line for a person: what was found and, when it is not OK, what that means
 * @param measures the numbers behind it (response time, tokens per second...)
 */
public record Check(String backend, String name, Status status, String summary, List<Measure> measures) {
    public Check {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(summary, "summary");
        measures = List.copyOf(measures);
    }

    public static Check of(String backend, String name, Status status, String summary) {
        return new Check(backend, name, status, summary, List.of());
    }

    /** {@code ollama/inference}: the key a check's alert state is kept under. */
    public String id() {
        return backend + "/" + name;
    }
}
