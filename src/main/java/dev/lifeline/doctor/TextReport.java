package dev.lifeline.doctor;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The report as a person reads it in a terminal: findings under their target, worst word first in each line, the
 * evidence and the fix under every finding that needs one.
 */
public final class TextReport {
    private final boolean color;
    private final boolean verbose;

    /** {@code verbose} also prints the evidence of findings that are fine. */
    public TextReport(boolean color, boolean verbose) {
        this.color = color;
        this.verbose = verbose;
    }

    public void print(Report report, PrintWriter out) {
        Map<String, List<Finding>> byTarget = new LinkedHashMap<>();
        report.findings().forEach(f -> byTarget.computeIfAbsent(f.target(), t -> new java.util.ArrayList<>()).add(f));
        boolean first = true;
        for (var e : byTarget.entrySet()) {
            if (!first) {
                out.println();
            }
            first = false;
            out.println(bold(e.getKey()));
            for (Finding f : e.getValue()) {
                out.println("  " + word(f.severity()) + "  " + f.title());
                boolean details = verbose || f.severity().compareTo(Severity.INFO) >= 0;
                if (details) {
                    f.evidence().forEach(line -> out.println("          " + line));
                    for (int i = 0; i < f.fix().size(); i++) {
                        out.println("        " + (i == 0 ? "fix: " : "     ") + f.fix().get(i));
                    }
                }
            }
        }
        if (!first) {
            out.println();
        }
        out.printf("%d fail, %d warn, %d ok (%d ms)%n", report.count(Severity.FAIL), report.count(Severity.WARN),
                report.count(Severity.OK), report.took().toMillis());
        out.flush();
    }

    private String word(Severity s) {
        String w = String.format("%-4s", s.word());
        if (!color) {
            return w;
        }
        String code = switch (s) {
            case OK -> "32";
            case INFO -> "36";
            case WARN -> "33";
            case FAIL -> "31;1";
        };
        return "\u001b[" + code + "m" + w + "\u001b[0m";
    }

    private String bold(String s) {
        return color ? "\u001b[1m" + s + "\u001b[0m" : s;
    }
}
