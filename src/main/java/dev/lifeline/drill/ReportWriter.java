package dev.lifeline.drill;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lifeline.config.Durations;
import dev.lifeline.drill.Sample.Phase;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

/** The drill's report, three ways: Markdown for the runbook, JSON for scripts, a self-contained HTML page with a timeline. */
public final class ReportWriter {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ReportWriter() {
    }

    /** Writes {@code drill.md}, {@code drill.json} and {@code drill.html} into {@code dir}; the files written. */
    public static List<Path> write(DrillReport r, Path dir) throws IOException {
        Files.createDirectories(dir);
        Path md = dir.resolve("drill.md");
        Path json = dir.resolve("drill.json");
        Path html = dir.resolve("drill.html");
        Files.writeString(md, markdown(r), StandardCharsets.UTF_8);
        Files.writeString(json, json(r), StandardCharsets.UTF_8);
        Files.writeString(html, html(r), StandardCharsets.UTF_8);
        return List.of(md, json, html);
    }

    public static String markdown(DrillReport r) {
        StringBuilder b = new StringBuilder();
        b.append("# Failover drill: ").append(r.passed() ? "PASSED" : r.interrupted() ? "INTERRUPTED" : "FAILED").append("\n\n");
        b.append("| | |\n|---|---|\n");
        b.append("| Gateway | ").append(r.gateway()).append(" |\n");
        b.append("| Outage | ").append(r.outage()).append(" |\n");
        b.append("| Cloud backends blocked | ").append(r.cloudBackends().isEmpty() ? "none" : String.join(", ", r.cloudBackends())).append(" |\n");
        r.started().ifPresent(s -> b.append("| Blocked | ").append(s).append(" |\n"));
        r.lifted().ifPresent(l -> b.append("| Lifted | ").append(l).append(" (planned length ").append(Durations.words(r.planned()))
                .append(", actual ").append(Durations.words(Duration.between(r.started().orElse(l), l))).append(") |\n"));
        b.append("| Recovery to the cloud | ").append(r.recovery().map(d -> Durations.words(d) + " after the lift")
                .orElse("not within " + Durations.words(r.recoveryBound()))).append(" |\n");
        b.append("| Requests | ").append(r.samples().size()).append(" (before ").append(r.in(Phase.BEFORE).size())
                .append(", outage ").append(r.in(Phase.OUTAGE).size()).append(", recovery ").append(r.in(Phase.RECOVERY).size()).append(") |\n");
        b.append("| Answers passing their checks | ").append(r.checksPassed()).append(" of ").append(r.checked()).append(" |\n");
        b.append("| Latency, cloud | ").append(latency(r, true)).append(" |\n");
        b.append("| Latency, local | ").append(latency(r, false)).append(" |\n\n");
        b.append("## Failures\n\n");
        if (r.failures().isEmpty()) {
            b.append(r.interrupted() ? "- The drill was stopped before the end; the block was lifted.\n" : "None.\n");
        } else {
            r.failures().forEach(f -> b.append("- ").append(f).append('\n'));
        }
        b.append("\n## Surprises, for the next drill\n\n");
        if (r.surprises().isEmpty()) {
            b.append("None.\n");
        } else {
            r.surprises().forEach(s -> b.append("- ").append(s).append('\n'));
        }
        b.append("\n## Requests\n\n| Time | Phase | Task | Status | Backend | Latency | Checks | Failover | Answer |\n|---|---|---|---|---|---|---|---|---|\n");
        for (Sample s : r.samples()) {
            b.append("| ").append(s.at()).append(" | ").append(s.phase().word()).append(" | ").append(cell(s.task())).append(" | ")
                    .append(s.status() == 0 ? "-" : s.status()).append(" | ").append(s.backend().orElse("-")).append(" | ")
                    .append(s.latency().toMillis()).append(" ms | ")
                    .append(s.ok() ? (s.checks().isEmpty() ? "pass" : String.join("; ", s.checks())) : s.error().orElse("-"))
                    .append(" | ").append(cell(s.failover().orElse(""))).append(" | ").append(cell(s.answer())).append(" |\n");
        }
        return b.toString();
    }

    public static String json(DrillReport r) {
        ObjectNode root = JSON.createObjectNode();
        root.put("passed", r.passed());
        root.put("interrupted", r.interrupted());
        root.put("gateway", r.gateway());
        root.put("outage", r.outage());
        root.put("planned_ms", r.planned().toMillis());
        r.started().ifPresent(s -> root.put("blocked_at", s.toString()));
        r.lifted().ifPresent(l -> root.put("lifted_at", l.toString()));
        root.put("ended_at", r.ended().toString());
        ArrayNode cloud = root.putArray("cloud_backends");
        r.cloudBackends().forEach(cloud::add);
        if (r.recovery().isPresent()) {
            root.put("recovery_ms", r.recovery().get().toMillis());
        } else {
            root.putNull("recovery_ms");
        }
        root.put("recovery_bound_ms", r.recoveryBound().toMillis());
        ObjectNode checks = root.putObject("checks");
        checks.put("passed", r.checksPassed());
        checks.put("answered", r.checked());
        ObjectNode latency = root.putObject("latency_ms");
        put(latency, "cloud_p50", r.latency(true, 50));
        put(latency, "cloud_p95", r.latency(true, 95));
        put(latency, "local_p50", r.latency(false, 50));
        put(latency, "local_p95", r.latency(false, 95));
        ArrayNode failures = root.putArray("failures");
        r.failures().forEach(failures::add);
        ArrayNode surprises = root.putArray("surprises");
        r.surprises().forEach(surprises::add);
        ArrayNode samples = root.putArray("requests");
        for (Sample s : r.samples()) {
            ObjectNode n = samples.addObject();
            n.put("at", s.at().toString());
            n.put("phase", s.phase().word());
            n.put("task", s.task());
            n.put("status", s.status());
            n.put("backend", s.backend().orElse(null));
            n.put("cloud", s.servedBy(r.cloudBackends()));
            n.put("latency_ms", s.latency().toMillis());
            n.put("failover", s.failover().orElse(null));
            n.put("error", s.error().orElse(null));
            ArrayNode failed = n.putArray("failed_checks");
            s.checks().forEach(failed::add);
            n.put("answer", s.answer());
        }
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * One page with no outside resources: the verdict, the numbers, and a timeline of every request (time across,
     * latency up, green for the cloud, blue for local, red for a failure) over the shaded outage.
     */
    public static String html(DrillReport r) {
        StringBuilder b = new StringBuilder();
        b.append("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Lifeline failover drill</title>\n<style>")
                .append("body{font:14px system-ui,sans-serif;margin:2em;max-width:1000px;color:#222}")
                .append("h1 .pass{color:#1a7f37}h1 .fail{color:#c62828}table{border-collapse:collapse;margin:1em 0}")
                .append("td,th{border:1px solid #ddd;padding:4px 8px;text-align:left;font-size:13px}")
                .append(".legend span{display:inline-block;margin-right:1em}.dot{display:inline-block;width:10px;height:10px;border-radius:5px;margin-right:4px}")
                .append("</style></head><body>\n");
        String verdict = r.passed() ? "PASSED" : r.interrupted() ? "INTERRUPTED" : "FAILED";
        b.append("<h1>Failover drill: <span class=\"").append(r.passed() ? "pass" : "fail").append("\">").append(verdict).append("</span></h1>\n");
        b.append("<p>").append(esc(r.gateway())).append(" &middot; ").append(esc(r.outage())).append("</p>\n");
        b.append(timeline(r));
        b.append("<div class=\"legend\"><span><i class=\"dot\" style=\"background:#1a7f37\"></i>cloud</span>")
                .append("<span><i class=\"dot\" style=\"background:#1565c0\"></i>local</span>")
                .append("<span><i class=\"dot\" style=\"background:#c62828\"></i>failed or check failed</span>")
                .append("<span><i class=\"dot\" style=\"background:#f3d6d6\"></i>outage</span></div>\n");
        b.append("<table><tr><th>Recovery to the cloud</th><td>").append(esc(r.recovery().map(d -> Durations.words(d) + " after the lift")
                .orElse("not within " + Durations.words(r.recoveryBound())))).append("</td></tr>");
        b.append("<tr><th>Answers passing their checks</th><td>").append(r.checksPassed()).append(" of ").append(r.checked()).append("</td></tr>");
        b.append("<tr><th>Latency, cloud</th><td>").append(esc(latency(r, true))).append("</td></tr>");
        b.append("<tr><th>Latency, local</th><td>").append(esc(latency(r, false))).append("</td></tr></table>\n");
        list(b, "Failures", r.failures());
        list(b, "Surprises, for the next drill", r.surprises());
        b.append("<h2>Requests</h2><table><tr><th>Time</th><th>Phase</th><th>Task</th><th>Status</th><th>Backend</th><th>Latency</th>")
                .append("<th>Checks</th><th>Failover</th><th>Answer</th></tr>\n");
        for (Sample s : r.samples()) {
            b.append("<tr><td>").append(s.at()).append("</td><td>").append(s.phase().word()).append("</td><td>").append(esc(s.task()))
                    .append("</td><td>").append(s.status() == 0 ? "-" : s.status()).append("</td><td>").append(esc(s.backend().orElse("-")))
                    .append("</td><td>").append(s.latency().toMillis()).append(" ms</td><td>")
                    .append(esc(s.ok() ? (s.checks().isEmpty() ? "pass" : String.join("; ", s.checks())) : s.error().orElse("-")))
                    .append("</td><td>").append(esc(s.failover().orElse(""))).append("</td><td>").append(esc(s.answer())).append("</td></tr>\n");
        }
        b.append("</table></body></html>\n");
        return b.toString();
    }

    private static String timeline(DrillReport r) {
        if (r.samples().isEmpty()) {
            return "";
        }
        int w = 960;
        int h = 240;
        int pad = 40;
        Instant t0 = r.samples().getFirst().at();
        Instant t1 = r.ended();
        double span = Math.max(1, Duration.between(t0, t1).toMillis());
        double maxLatency = Math.max(1, r.samples().stream().mapToLong(s -> s.latency().toMillis()).max().orElse(1));
        StringBuilder b = new StringBuilder();
        b.append("<svg width=\"").append(w).append("\" height=\"").append(h).append("\" viewBox=\"0 0 ").append(w).append(' ').append(h)
                .append("\" role=\"img\" aria-label=\"timeline of the drill's requests\">\n");
        if (r.started().isPresent()) {
            double x0 = pad + (w - 2 * pad) * Duration.between(t0, r.started().get()).toMillis() / span;
            double x1 = pad + (w - 2 * pad) * Duration.between(t0, r.lifted().orElse(t1)).toMillis() / span;
            b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"#f3d6d6\"/>%n",
                    x0, pad / 2, Math.max(1, x1 - x0), h - pad - pad / 2));
        }
        b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>%n", pad, h - pad, w - pad, h - pad));
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\">%d ms</text>%n", 2, pad / 2 + 10, (long) maxLatency));
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\">%s</text>%n", pad, h - 10,
                esc(Durations.words(Duration.ofMillis((long) span)) + " from the first request")));
        for (Sample s : r.samples()) {
            double x = pad + (w - 2 * pad) * Duration.between(t0, s.at()).toMillis() / span;
            double y = (h - pad) - (h - pad - pad / 2.0) * s.latency().toMillis() / maxLatency;
            String colour = !s.passed() ? "#c62828" : s.servedBy(r.cloudBackends()) ? "#1a7f37" : "#1565c0";
            b.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"><title>%s</title></circle>%n", x, y, colour,
                    esc(s.phase().word() + " " + s.task() + ": " + s.backend().orElse("no answer") + ", " + s.latency().toMillis() + " ms")));
        }
        return b.append("</svg>\n").toString();
    }

    private static void list(StringBuilder b, String title, List<String> items) {
        b.append("<h2>").append(esc(title)).append("</h2>");
        if (items.isEmpty()) {
            b.append("<p>None.</p>\n");
            return;
        }
        b.append("<ul>");
        items.forEach(i -> b.append("<li>").append(esc(i)).append("</li>"));
        b.append("</ul>\n");
    }

    /** Text for a Markdown table cell: one line, no column separator, no HTML. */
    private static String cell(String s) {
        return s.replaceAll("\\s+", " ").replace("|", "\\|").replace("<", "&lt;");
    }

    private static String latency(DrillReport r, boolean cloud) {
        OptionalLong p50 = r.latency(cloud, 50);
        OptionalLong p95 = r.latency(cloud, 95);
        return p50.isEmpty() ? "no answers" : "p50 " + p50.getAsLong() + " ms, p95 " + p95.getAsLong() + " ms";
    }

    private static void put(ObjectNode n, String field, OptionalLong v) {
        if (v.isPresent()) {
            n.put(field, v.getAsLong());
        } else {
            n.putNull(field);
        }
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
