package dev.lifeline.monitor.sink;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lifeline.config.Secret;
import dev.lifeline.monitor.AlertSink;
import dev.lifeline.monitor.Notice;

import java.net.URI;
import java.util.Locale;
import java.util.Optional;

/**
 * Posts a notice to a Microsoft Teams channel through a Workflows webhook (the "Send webhook alerts to a channel"
 * template), as an Adaptive Card in the message envelope that the workflow's trigger expects; a bare
 * {@code {"text": ...}} fails inside the flow.
 *
 * <p>A workflow answers {@code 202} with an empty body once it has <em>accepted</em> the request; what the flow does
 * afterwards is never reported back, which is why {@code lifeline monitor test-alert} exists.
 *
 * <p>The older Office 365 connector URLs ({@code *.webhook.office.com}) were retired by Microsoft. The configuration
 * check refuses them; should one get here anyway, it is tried, and when it fails the error says what to do instead.
 */
public final class TeamsSink implements AlertSink {
    /** More lines than this make a card nobody reads, and risk Teams' message size limit. */
    static final int MAX_LINES = 25;

    static final String RETIRED = "this is an Office 365 connector URL (webhook.office.com), and Microsoft retired those "
            + "connectors: in Teams, create a webhook with Workflows > \"Send webhook alerts to a channel\" and put its URL in "
            + "monitor.alerts.teams";

    private final HttpSender http;

    /**
     * @param webhookUrl the workflow's URL ({@code https://...powerplatform.com/...}, {@code ...logic.azure.com/...})
     * @throws IllegalArgumentException when it is not an http(s) URL (the message does not show it)
     */
    public TeamsSink(Secret webhookUrl) {
        this(webhookUrl, HttpSender.Settings.defaults());
    }

    TeamsSink(Secret webhookUrl, HttpSender.Settings settings) {
        this.http = new HttpSender(name(), webhookUrl, settings);
    }

    @Override
    public String name() {
        return "teams";
    }

    /**
     * Whether the URL is a retired Office 365 connector rather than a Workflows webhook, for a configuration check to
     * warn about before the first alert fails.
     */
    public boolean usesRetiredConnector() {
        URI u = http.url();
        String host = u.getHost().toLowerCase(Locale.ROOT);
        String path = Optional.ofNullable(u.getPath()).orElse("");
        return host.endsWith("webhook.office.com") || host.equals("outlook.office.com") && path.startsWith("/webhook");
    }

    @Override
    public void send(Notice notice) throws AlertException {
        try {
            http.post(payload(notice), TeamsSink::explain);
        } catch (AlertException e) {
            throw usesRetiredConnector() ? new AlertException(e.getMessage() + "; " + RETIRED) : e;
        }
    }

    /** {@code {"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive",...}]}} */
    static ObjectNode payload(Notice n) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode message = f.objectNode().put("type", "message");
        ObjectNode attachment = message.putArray("attachments").addObject()
                .put("contentType", "application/vnd.microsoft.card.adaptive")
                .putNull("contentUrl");
        ObjectNode card = attachment.putObject("content")
                .put("type", "AdaptiveCard")
                .put("$schema", "http://adaptivecards.io/schemas/adaptive-card.json")
                .put("version", "1.4");
        ArrayNode body = card.putArray("body");
        body.addObject().put("type", "TextBlock").put("text", n.title()).put("weight", "Bolder").put("size", "Medium")
                .put("color", color(n)).put("wrap", true);
        int shown = Math.min(n.items().size(), MAX_LINES);
        for (Notice.Item item : n.items().subList(0, shown)) {
            body.addObject().put("type", "TextBlock").put("text", item.line()).put("wrap", true);
        }
        if (shown < n.items().size()) {
            body.addObject().put("type", "TextBlock").put("text", "… and " + (n.items().size() - shown) + " more")
                    .put("isSubtle", true).put("wrap", true);
        }
        ArrayNode facts = body.addObject().put("type", "FactSet").putArray("facts");
        facts.addObject().put("title", "Host").put("value", n.host());
        facts.addObject().put("title", "Time").put("value", Texts.utc(n.at()));
        return message;
    }

    /** Adaptive Card colours: red for critical and unknown, amber for warnings, green when all is well again. */
    private static String color(Notice n) {
        return switch (n.status()) {
            case OK -> "Good";
            case WARNING -> "Warning";
            case CRITICAL, UNKNOWN -> "Attention";
        };
    }

    private static Optional<String> explain(int status, String body) {
        return Optional.ofNullable(switch (status) {
            case 400 -> "the workflow could not read the card";
            case 401, 403 -> "the workflow refused the call: does its trigger allow anyone to post?";
            case 404 -> "no such workflow: was it deleted, or its URL changed?";
            default -> null;
        });
    }
}
