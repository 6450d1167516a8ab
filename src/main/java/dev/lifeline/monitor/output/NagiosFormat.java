package dev.lifeline.monitor.output;

import dev.lifeline.monitor.Report;
import dev.lifeline.probe.Check;
import dev.lifeline.probe.Measure;
import dev.lifeline.probe.Status;

import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;

/**
 * The report as a Nagios/Icinga plugin prints it, so {@code lifeline monitor --format nagios} can be a service check
 * (its exit code, the report's status, is the caller's to return). The first line is what the dashboard shows and
 * carries the performance data that gets graphed; one line per check follows as the long output:
 * <pre>
 * LIFELINE WARNING - ollama/gpu: llama3.1:8b runs 100% on the CPU; ollama/inference: 6.2 tokens/s | 'ollama_llama3.1:8b_tokens_per_second'=6.2;5:;1:;0 'ollama_llama3.1:8b_gpu_offload'=0%;;;0;100
 * [OK] ollama/service: up, version 0.6.2
 * [WARNING] ollama/gpu: llama3.1:8b runs 100% on the CPU
 * [WARNING] ollama/inference: 6.2 tokens/s
 * </pre>
 * Problems come worst first, so the part a narrow dashboard cuts off is the least important. Labels are
 * {@code backend_measure} or {@code backend_model_measure}, always quoted; values have no needless digits.
 */
public record NagiosFormat() implements ReportFormat {
    /** Units Nagios understands; any other is left off the value rather than confuse the grapher. */
    private static final Set<String> NAGIOS_UNITS = Set.of("s", "ms", "us", "%", "B", "KB", "MB", "TB", "c");

    @Override
    public void print(Report report, PrintWriter out) {
        out.print(firstLine(report) + "\n");
        for (Check c : report.checks()) {
            out.print("[" + c.status() + "] " + clean(c.id()) + ": " + clean(c.summary()) + "\n");
        }
        out.flush();
    }

    /** {@code LIFELINE WARNING - ollama/gpu: llama3.1:8b runs 100% on the CPU | 'ollama_...'=...}. */
    public static String firstLine(Report report) {
        String line = "LIFELINE " + report.status() + " - " + summary(report);
        String perfdata = perfdata(report);
        return perfdata.isEmpty() ? line : line + " | " + perfdata;
    }

    private static String summary(Report report) {
        if (report.checks().isEmpty()) {
            return "no checks were made";
        }
        List<Check> problems = report.problems().stream().sorted(Comparator.comparing(Check::status, NagiosFormat::worstFirst)).toList();
        if (problems.isEmpty()) {
            return Text.checks(report.checks().size()) + " OK";
        }
        StringJoiner s = new StringJoiner("; ");
        problems.forEach(c -> s.add(clean(c.id()) + ": " + clean(c.summary())));
        return s.toString();
    }

    private static int worstFirst(Status a, Status b) {
        return a == b ? 0 : a.worst(b) == a ? -1 : 1;
    }

    /** Every measure of every check, separated by spaces; a measure given twice (the same label) counts once, the first time. */
    static String perfdata(Report report) {
        Set<String> labels = new LinkedHashSet<>();
        StringJoiner out = new StringJoiner(" ");
        for (Check c : report.checks()) {
            for (Measure m : c.measures()) {
                String label = label(c, m);
                if (labels.add(label)) {
                    out.add(perfdatum(label, m));
                }
            }
        }
        return out.toString();
    }

    /** {@code 'ollama_llama3.1:8b_tokens_per_second'=6.2;5:;1:;0}. */
    private static String perfdatum(String label, Measure m) {
        String uom = NAGIOS_UNITS.contains(m.unit()) ? m.unit() : "";
        String value = Double.isFinite(m.value()) ? number(m.value()) + uom : "U";
        String datum = "'" + label + "'=" + value + ";" + threshold(m.warning()) + ";" + threshold(m.critical()) + ";0";
        return uom.equals("%") ? datum + ";100" : datum;
    }

    /** {@code backend_name} or {@code backend_model_name}; {@code '} doubled, {@code =} (never allowed) made {@code _}. */
    private static String label(Check c, Measure m) {
        String raw = c.backend() + "_" + m.model().map(model -> model + "_").orElse("") + m.name();
        return Text.oneLine(raw).replace("=", "_").replace("'", "''");
    }

    /** A range is passed on as written; one with a space or a separator in it would break the line, so it is dropped. */
    private static String threshold(String range) {
        return range.chars().anyMatch(ch -> ch == ' ' || ch == ';' || ch == '|' || Character.isISOControl(ch)) ? "" : range;
    }

    /**
     * {@code 6.2}, {@code 0.0123}, {@code 100}: at most seven significant digits (so {@code 1.8000000000000003} is
     * {@code 1.8}), no exponent, no trailing zeros.
     */
    static String number(double d) {
        if (d == 0) {
            return "0"; // and not "-0"
        }
        return BigDecimal.valueOf(d).round(new MathContext(7, RoundingMode.HALF_EVEN)).stripTrailingZeros().toPlainString();
    }

    /** A {@code |} in the text would start the performance data early. */
    private static String clean(String text) {
        return Text.oneLine(text).replace('|', '/');
    }
}
