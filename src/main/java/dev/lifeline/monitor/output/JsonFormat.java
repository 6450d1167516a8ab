package dev.lifeline.monitor.output;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import dev.lifeline.monitor.Report;
import dev.lifeline.probe.Check;
import dev.lifeline.probe.Measure;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The report as JSON, for scripts ({@code lifeline monitor --format json | jq}) and for the monitor's log file. The
 * fields come in a fixed order and the document is indented, so two runs can be diffed:
 * <pre>
 * {
 *   "status": "WARNING",
 *   "exit_code": 1,
 *   "host": "gpu-box",
 *   "checked_at": "2025-06-01T10:00:00Z",
 *   "checks": [
 *     {
 *       "backend": "ollama",
 *       "check": "inference",
 *       "status": "WARNING",
 *       "summary": "llama3.1:8b answered at 6.2 tokens/s, below 10",
 *       "measures": [
 *         {
 *           "name": "tokens_per_second",
 *           "model": "llama3.1:8b",
 *           "value": 6.2,
 *           "unit": "",
 *           "warning": "10:",
 *           "critical": "3:"
 *         }
 *       ]
 *     }
 *   ]
 * }
 * </pre>
 * {@code model} is left out when a measure belongs to no model; a value that is not a number (NaN) is {@code null}.
 */
public record JsonFormat() implements ReportFormat {
    private static final JsonFactory JSON = new JsonFactory();

    @Override
    public void print(Report report, PrintWriter out) {
        try {
            JsonGenerator g = JSON.createGenerator(out).setPrettyPrinter(prettyPrinter());
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            writeDocument(report, g);
            g.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.print('\n');
        out.flush();
    }

    /**
     * The lines the log file gets for a run: one compact object per check, without the line ending, e.g.
     * <pre>
     * {"ts":"2025-06-01T10:00:00Z","host":"gpu-box","backend":"ollama","check":"inference","status":"WARNING",
     *  "summary":"llama3.1:8b 6.2 tokens/s","measures":{"ttft_seconds":{"llama3.1:8b":1.8},"tokens_per_second":{"llama3.1:8b":6.2}}}
     * </pre>
     * Each measure is keyed by its name with the unit's suffix ({@code _seconds}, {@code _percent}, as in the
     * Prometheus metrics); its value is the number, or for a per-model measure an object of model to number (where a
     * check also gave the same measure for no model, that one is under the key {@code ""}). A measure given twice
     * (same name and model) counts once, the first time, as in the Nagios and Prometheus outputs.
     */
    public static List<String> logLines(Report report) {
        List<String> lines = new ArrayList<>(report.checks().size());
        for (Check c : report.checks()) {
            StringWriter s = new StringWriter(256);
            try (JsonGenerator g = JSON.createGenerator(s)) {
                g.writeStartObject();
                g.writeStringField("ts", report.at().toString());
                g.writeStringField("host", report.host());
                g.writeStringField("backend", c.backend());
                g.writeStringField("check", c.name());
                g.writeStringField("status", c.status().name());
                g.writeStringField("summary", c.summary());
                g.writeObjectFieldStart("measures");
                for (Map.Entry<String, List<Measure>> e : byKey(c.measures()).entrySet()) {
                    g.writeFieldName(e.getKey());
                    List<Measure> ms = e.getValue();
                    if (ms.stream().allMatch(m -> m.model().isEmpty())) {
                        number(g, ms.getFirst().value());
                    } else {
                        Map<String, Double> perModel = new LinkedHashMap<>();
                        ms.forEach(m -> perModel.putIfAbsent(m.model().orElse(""), m.value()));
                        g.writeStartObject();
                        for (Map.Entry<String, Double> m : perModel.entrySet()) {
                            g.writeFieldName(m.getKey());
                            number(g, m.getValue());
                        }
                        g.writeEndObject();
                    }
                }
                g.writeEndObject();
                g.writeEndObject();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            lines.add(s.toString());
        }
        return lines;
    }

    private static Map<String, List<Measure>> byKey(List<Measure> measures) {
        Map<String, List<Measure>> keyed = new LinkedHashMap<>();
        for (Measure m : measures) {
            keyed.computeIfAbsent(Units.suffixed(m), k -> new ArrayList<>()).add(m);
        }
        return keyed;
    }

    private static void writeDocument(Report report, JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeStringField("status", report.status().name());
        g.writeNumberField("exit_code", report.status().exitCode());
        g.writeStringField("host", report.host());
        g.writeStringField("checked_at", report.at().toString());
        g.writeArrayFieldStart("checks");
        for (Check c : report.checks()) {
            g.writeStartObject();
            g.writeStringField("backend", c.backend());
            g.writeStringField("check", c.name());
            g.writeStringField("status", c.status().name());
            g.writeStringField("summary", c.summary());
            g.writeArrayFieldStart("measures");
            for (Measure m : c.measures()) {
                g.writeStartObject();
                g.writeStringField("name", m.name());
                if (m.model().isPresent()) {
                    g.writeStringField("model", m.model().get());
                }
                g.writeFieldName("value");
                number(g, m.value());
                g.writeStringField("unit", m.unit());
                g.writeStringField("warning", m.warning());
                g.writeStringField("critical", m.critical());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private static void number(JsonGenerator g, double value) throws IOException {
        if (Double.isFinite(value)) {
            g.writeNumber(value);
        } else {
            g.writeNull(); // JSON has no NaN; a quoted "NaN" would break jq's arithmetic in a subtler way
        }
    }

    /** Two-space indents, {@code "key": value} as jq prints it, arrays one element a line, and {@code \n} everywhere. */
    private static DefaultPrettyPrinter prettyPrinter() {
        DefaultIndenter indent = new DefaultIndenter("  ", "\n");
        Separators separators = Separators.createDefaultInstance()
                .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                .withObjectEmptySeparator("")
                .withArrayEmptySeparator("");
        return new DefaultPrettyPrinter(separators).withObjectIndenter(indent).withArrayIndenter(indent);
    }
}
