package dev.lifeline.monitor.output;

import dev.lifeline.monitor.Report;
import dev.lifeline.probe.Check;
import dev.lifeline.probe.Status;

import java.io.PrintWriter;
import java.util.List;

/**
 * The report as a person at a terminal reads it: one aligned row per check, the summary last so a long one never
 * pushes the other columns out of line, and a closing verdict such as {@code WARNING: 2 of 7 checks need attention}.
 * For example:
 * <pre>
 * BACKEND  CHECK      STATUS   DETAIL
 * ollama   service    OK       up, version 0.6.2, 0.012 s
 * ollama   gpu        WARNING  llama3.1:8b runs 100% on the CPU
 *
 * WARNING: 1 of 2 checks needs attention
 * </pre>
 *
 * @param color colour the STATUS cells with ANSI escapes (only when standard output is a terminal, and the user did
 *              not ask for {@code NO_COLOR}: deciding that is the caller's job)
 */
public record TableFormat(boolean color) implements ReportFormat {
    private static final String GAP = "  ";
    private static final String RESET = "\u001B[0m";

    @Override
    public void print(Report report, PrintWriter out) {
        List<Row> rows = report.checks().stream().map(Row::of).toList();
        int backendWidth = width("BACKEND", rows.stream().map(Row::backend).toList());
        int checkWidth = width("CHECK", rows.stream().map(Row::check).toList());
        int statusWidth = width("STATUS", rows.stream().map(r -> r.status().name()).toList());

        out.print(pad("BACKEND", backendWidth) + GAP + pad("CHECK", checkWidth) + GAP + pad("STATUS", statusWidth) + GAP + "DETAIL\n");
        for (Row r : rows) {
            String status = pad(r.status().name(), statusWidth);
            if (color) {
                // the escapes wrap the name only, so the padding, and with it the alignment, stays as without colour
                status = colour(r.status()) + r.status().name() + RESET + status.substring(r.status().name().length());
            }
            out.print(pad(r.backend(), backendWidth) + GAP + pad(r.check(), checkWidth) + GAP + status + GAP + r.detail());
            out.print('\n');
        }
        out.print('\n');
        out.print(verdict(report) + "\n");
        out.flush();
    }

    /** {@code OK: all 7 checks passed}, {@code CRITICAL: 2 of 7 checks need attention}. */
    public static String verdict(Report report) {
        int all = report.checks().size();
        int problems = report.problems().size();
        if (all == 0) {
            return "UNKNOWN: no checks were made";
        }
        if (problems == 0) {
            return all == 1 ? "OK: 1 check passed" : "OK: all " + all + " checks passed";
        }
        return report.status() + ": " + problems + " of " + Text.checks(all) + (problems == 1 ? " needs" : " need") + " attention";
    }

    private static String colour(Status s) {
        return switch (s) {
            case OK -> "\u001B[32m";             // green
            case WARNING -> "\u001B[33m";        // yellow
            case CRITICAL -> "\u001B[1;31m";     // bold red
            case UNKNOWN -> "\u001B[35m";        // magenta
        };
    }

    private static int width(String header, List<String> cells) {
        return cells.stream().mapToInt(Text::width).reduce(Text.width(header), Math::max);
    }

    private static String pad(String s, int width) {
        return s + " ".repeat(width - Text.width(s));
    }

    private record Row(String backend, String check, Status status, String detail) {
        static Row of(Check c) {
            return new Row(Text.oneLine(c.backend()), Text.oneLine(c.name()), c.status(), Text.oneLine(c.summary()));
        }
    }
}
