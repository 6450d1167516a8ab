package dev.lifeline.monitor;

import dev.lifeline.probe.Check;
import dev.lifeline.probe.Status;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/** One monitor run: every check of every backend, in configuration order. */
public record Report(String host, Instant at, List<Check> checks) {
    public Report {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(at, "at");
        checks = List.copyOf(checks);
    }

    /** The worst status of any check; UNKNOWN when nothing was checked. */
    public Status status() {
        return checks.stream().map(Check::status).reduce(Status::worst).orElse(Status.UNKNOWN);
    }

    public List<Check> problems() {
        return checks.stream().filter(c -> !c.status().isOk()).toList();
    }
}
