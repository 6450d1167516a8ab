package dev.lifeline.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Prints the compact table bench/jmh ends with, from a JMH JSON result file ({@code -rf json}): each benchmark's
 * score with its error, and its allocation per operation ({@code gc.alloc.rate.norm}, from {@code -prof gc}).
 *
 * <pre>java -cp ... dev.lifeline.bench.JmhSummary results.json</pre>
 */
public final class JmhSummary {
    private static final String PACKAGE = "dev.lifeline.bench.";

    private JmhSummary() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: JmhSummary RESULTS.json");
            System.exit(2);
        }
        JsonNode results = new ObjectMapper().readTree(Path.of(args[0]).toFile());
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"benchmark", "score", "error", "unit", "B/op"});
        for (JsonNode r : results) {
            JsonNode primary = r.path("primaryMetric");
            rows.add(new String[] {
                    name(r),
                    number(primary.path("score")),
                    primary.path("scoreError").isNumber() ? "± " + number(primary.path("scoreError")) : "",
                    primary.path("scoreUnit").asText(),
                    allocation(r.path("secondaryMetrics"))});
        }
        print(rows);
    }

    /** The benchmark without its package, with its parameters if it has any: {@code SomeBench.run[size=1k]}. */
    private static String name(JsonNode r) {
        String name = r.path("benchmark").asText();
        if (name.startsWith(PACKAGE)) {
            name = name.substring(PACKAGE.length());
        }
        List<String> params = new ArrayList<>();
        for (Map.Entry<String, JsonNode> p : r.path("params").properties()) {
            params.add(p.getKey() + "=" + p.getValue().asText());
        }
        return params.isEmpty() ? name : name + "[" + String.join(",", params) + "]";
    }

    /** Bytes allocated per operation; "-" when the run had no {@code -prof gc}. */
    private static String allocation(JsonNode secondary) {
        for (Map.Entry<String, JsonNode> m : secondary.properties()) {
            // Older JMH versions prefix profiler metrics with a middle dot: "·gc.alloc.rate.norm".
            if (m.getKey().replace("\u00b7", "").equals("gc.alloc.rate.norm")) {
                return String.format(Locale.ROOT, "%.0f", m.getValue().path("score").asDouble());
            }
        }
        return "-";
    }

    /** A number with at least three significant figures; "-" for JMH's "NaN" (too few samples for an error). */
    private static String number(JsonNode n) {
        if (!n.isNumber()) {
            return "-";
        }
        double v = n.asDouble();
        return String.format(Locale.ROOT, Math.abs(v) >= 100 ? "%.0f" : Math.abs(v) >= 10 ? "%.1f" : "%.2f", v);
    }

    /** Aligns the columns: names and units to the left, numbers to the right. */
    private static void print(List<String[]> rows) {
        int[] width = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                boolean left = i == 0 || i == 3;
                line.append(i == 0 ? "" : "  ").append(String.format("%" + (left ? "-" : "") + width[i] + "s", row[i]));
            }
            System.out.println(line.toString().stripTrailing());
        }
    }
}
