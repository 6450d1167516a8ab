package dev.lifeline.doctor;

import java.time.Duration;
import java.util.List;

/**
 * Everything one doctor run found.
 *
 * @param targets  the servers examined, in order
 * @param findings what was found, grouped by target in the order examined, machine-wide findings last
 * @param took     how long the run took
 */
public record Report(List<Target> targets, List<Finding> findings, Duration took) {
    public Report {
        targets = List.copyOf(targets);
        findings = List.copyOf(findings);
    }

    public Severity worst() {
        return findings.stream().map(Finding::severity).reduce(Severity.OK, Severity::worst);
    }

    public long count(Severity s) {
        return findings.stream().filter(f -> f.severity() == s).count();
    }

    /** 0 when everything is fine, 1 with warnings, 2 with failures. */
    public int exitCode() {
        return worst().exitCode();
    }
}
