package dev.lifeline.doctor;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.PrintWriter;

/** The report for scripts: every finding with its stable code, severity, evidence and fix. */
public final class JsonReport {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private JsonReport() {
    }

    public static void print(Report report, PrintWriter out) {
        ObjectNode root = JSON.createObjectNode();
        root.put("status", report.worst().word());
        root.put("exit_code", report.exitCode());
        root.put("took_ms", report.took().toMillis());
        ArrayNode targets = root.putArray("targets");
        for (Target t : report.targets()) {
            ObjectNode n = targets.addObject();
            n.put("name", t.name());
            n.put("url", t.shown());
            n.put("source", t.source().name().toLowerCase(java.util.Locale.ROOT));
            t.expected().ifPresent(k -> n.put("expected", k.display()));
        }
        ArrayNode findings = root.putArray("findings");
        for (Finding f : report.findings()) {
            ObjectNode n = findings.addObject();
            n.put("target", f.target());
            n.put("code", f.code());
            n.put("severity", f.severity().word());
            n.put("title", f.title());
            ArrayNode evidence = n.putArray("evidence");
            f.evidence().forEach(evidence::add);
            ArrayNode fix = n.putArray("fix");
            f.fix().forEach(fix::add);
        }
        try {
            out.println(JSON.writeValueAsString(root));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        out.flush();
    }
}
