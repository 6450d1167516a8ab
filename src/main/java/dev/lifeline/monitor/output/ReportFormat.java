package dev.lifeline.monitor.output;

import dev.lifeline.monitor.Report;

import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * One way to print a monitor report on standard output, chosen by the user ({@code --format table|json|nagios}):
 * each reads the same report, so a person, a script and Nagios see the same verdict.
 */
public sealed interface ReportFormat permits TableFormat, JsonFormat, NagiosFormat {

    /** Prints the whole report and flushes; lines end in {@code \n} on every platform. */
    void print(Report report, PrintWriter out);

    /** The same output as a string. */
    default String render(Report report) {
        StringWriter s = new StringWriter();
        print(report, new PrintWriter(s));
        return s.toString();
    }
}
