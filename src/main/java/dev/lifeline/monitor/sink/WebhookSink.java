package dev.lifeline.monitor.sink;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lifeline.config.Secret;
import dev.lifeline.monitor.AlertSink;
import dev.lifeline.monitor.Notice;
import dev.lifeline.probe.Check;
import dev.lifeline.probe.Measure;

/**
 * Posts a notice as plain JSON to any URL, for everything that is neither Slack nor Teams: n8n, Node-RED, Home
 * Assistant, a ticketing system, a script of one's own. The fields are stable and named for machines:
 *
 * <pre>{@code
 * {"source":"lifeline","host":"gpu-box","at":"2026-01-02T03:04:05Z","status":"CRITICAL",
 *  "title":"[CRITICAL] ollama/service on gpu-box","test":false,
 *  "items":[{"kind":"PROBLEM","backend":"ollama","check":"service","status":"CRITICAL","previous":"OK",
 *            "summary":"connection refused","measures":{"ttft":1.8,"llama3.1:8b/tokens_per_second":6.2}}]}
 * }</pre>
 *
 * A measure taken on one model is keyed {@code model/name}, so that the same measure on two models stays apart.
 */
public final class WebhookSink implements AlertSink {
    private final HttpSender http;

    /**
     * @param url where to POST
     * @throws IllegalArgumentException when it is not an http(s) URL (the message does not show it)
     */
    public WebhookSink(Secret url) {
        this(url, HttpSender.Settings.defaults());
    }

    WebhookSink(Secret url, HttpSender.Settings settings) {
        this.http = new HttpSender(name(), url, settings);
    }

    @Override
    public String name() {
        return "webhook";
    }

    @Override
    public void send(Notice notice) throws AlertException {
        http.post(payload(notice), HttpSender.Explainer.NONE);
    }

    static ObjectNode payload(Notice n) {
        ObjectNode root = JsonNodeFactory.instance.objectNode()
                .put("source", "lifeline")
                .put("host", n.host())
                .put("at", n.at().toString())
                .put("status", n.status().name())
                .put("title", n.title())
                .put("test", n.isTest());
        ArrayNode items = root.putArray("items");
        for (Notice.Item item : n.items()) {
            Check c = item.check();
            ObjectNode o = items.addObject()
                    .put("kind", item.kind().name())
                    .put("backend", c.backend())
                    .put("check", c.name())
                    .put("status", c.status().name())
                    .put("previous", item.previous().name())
                    .put("summary", c.summary());
            ObjectNode measures = o.putObject("measures");
            for (Measure m : c.measures()) {
                String key = m.model().map(model -> model + "/" + m.name()).orElse(m.name());
                if (Double.isFinite(m.value())) {
                    measures.put(key, m.value());
                } else {
                    measures.putNull(key);
                }
            }
        }
        return root;
    }
}
