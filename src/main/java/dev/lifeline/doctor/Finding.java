package dev.lifeline.doctor;

import java.util.List;
import java.util.Objects;

/**
 * One thing the doctor found about one target.
 *
 * @param target   what it is about: {@code ollama (127.0.0.1:11434)}, {@code environment}, {@code firewall}
 * @param code     a stable identifier for scripts and docs/doctor.md: {@code port.nobody-listening}
 * @param severity how bad it is
 * @param title    one line a person reads first: {@code nothing listens on port 11434}
 * @param evidence what was seen that says so, one fact per line
 * @param fix      the exact commands or steps that fix it on this platform, one per line; empty when nothing is to fix
 */
public record Finding(String target, String code, Severity severity, String title, List<String> evidence, List<String> fix) {
    public Finding {
        Objects.requireNonNull(target);
        Objects.requireNonNull(code);
        Objects.requireNonNull(severity);
        Objects.requireNonNull(title);
        evidence = List.copyOf(evidence);
        fix = List.copyOf(fix);
    }

    public static Finding ok(String target, String code, String title, String... evidence) {
        return new Finding(target, code, Severity.OK, title, List.of(evidence), List.of());
    }

    /** {@code lines} with one more at the end. */
    static List<String> plus(List<String> lines, String more) {
        List<String> out = new java.util.ArrayList<>(lines);
        out.add(more);
        return out;
    }
}
