package dev.lifeline.monitor.sink;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lifeline.config.Secret;
import dev.lifeline.monitor.AlertSink;
import dev.lifeline.monitor.Notice;
import dev.lifeline.probe.Status;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Posts a notice to a Slack channel through an incoming webhook: a header with the title, one line per check, and the
 * host and time, plus the plain {@code text} that Slack shows in notifications and wherever blocks cannot be drawn.
 *
 * <p>Slack reads {@code &}, {@code <} and {@code >} in message text as markup ({@code <!channel>} pings everyone), so
 * they are escaped in everything we did not write ourselves. The header is plain text, which Slack shows as is.
 * Slack answers {@code 200 ok}; a refusal names its reason in the body ({@code channel_not_found}), which the error
 * message translates.
 */
public final class SlackSink implements AlertSink {
    /** Slack's limits: 150 characters for a header, 3000 for a section's text. */
    static final int HEADER_MAX = 150;
    static final int SECTION_MAX = 3000;

    private final HttpSender http;

    /**
     * @param webhookUrl the incoming webhook, {@code https://hooks.slack.com/services/...}
     * @throws IllegalArgumentException when it is not an http(s) URL (the message does not show it)
     */
    public SlackSink(Secret webhookUrl) {
        this(webhookUrl, HttpSender.Settings.defaults());
    }

    SlackSink(Secret webhookUrl, HttpSender.Settings settings) {
        this.http = new HttpSender(name(), webhookUrl, settings);
    }

    @Override
    public String name() {
        return "slack";
    }

    @Override
    public void send(Notice notice) throws AlertException {
        http.post(payload(notice), SlackSink::explain);
    }

    /** {@code {"text": fallback, "blocks": [header, section, context]}} */
    static ObjectNode payload(Notice n) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        String lines = lines(n);
        ObjectNode root = f.objectNode();
        root.put("text", Texts.cap(escape(n.title()) + "\n" + lines, SECTION_MAX));
        ArrayNode blocks = root.putArray("blocks");

        ObjectNode header = blocks.addObject().put("type", "header");
        header.putObject("text").put("type", "plain_text").put("text", Texts.cap(n.title(), HEADER_MAX)).put("emoji", true);

        blocks.addObject().put("type", "section").putObject("text").put("type", "mrkdwn").put("text", lines);

        // <!date^...> shows the time in each reader's own time zone; the text after | is for clients that cannot
        String when = "<!date^" + n.at().getEpochSecond() + "^{date_short_pretty} {time_secs}|" + Texts.utc(n.at()) + ">";
        blocks.addObject().put("type", "context").putArray("elements").addObject()
                .put("type", "mrkdwn").put("text", "lifeline monitor on *" + escape(n.host()) + "* · " + when);
        return root;
    }

    /** One line per item, each behind an emoji for its state, as many as fit in a section. */
    private static String lines(Notice n) {
        List<String> lines = new ArrayList<>();
        int length = 0;
        int reserve = 40; // room for "… and N more"
        for (int i = 0; i < n.items().size(); i++) {
            Notice.Item item = n.items().get(i);
            String line = emoji(item) + " " + escape(item.line());
            if (length + line.length() + 1 > SECTION_MAX - reserve) {
                lines.add("… and " + (n.items().size() - i) + " more");
                break;
            }
            lines.add(line);
            length += line.length() + 1;
        }
        return Texts.cap(String.join("\n", lines), SECTION_MAX);
    }

    private static String emoji(Notice.Item item) {
        return switch (item.kind()) {
            case RECOVERY -> ":large_green_circle:";
            case TEST -> ":information_source:";
            case PROBLEM, REMINDER -> item.check().status() == Status.WARNING ? ":large_orange_circle:"
                    : item.check().status() == Status.UNKNOWN ? ":grey_question:"
                    : item.check().status() == Status.OK ? ":large_green_circle:" : ":red_circle:";
        };
    }

    /** Slack's three control characters, as its formatting rules ask. */
    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /** Slack's refusals, as its incoming webhooks name them in the body. */
    private static Optional<String> explain(int status, String body) {
        return Optional.ofNullable(switch (body) {
            case "invalid_payload", "invalid_blocks", "invalid_blocks_format" -> "Slack could not read the message";
            case "channel_not_found" -> "the webhook's channel is gone";
            case "channel_is_archived" -> "the webhook's channel is archived";
            case "action_prohibited" -> "a Slack admin restricted posting to this channel";
            case "posting_to_general_channel_denied" -> "only admins may post to this channel";
            case "no_service", "no_service_id", "no_team", "team_disabled", "invalid_token" ->
                    "the webhook was removed or disabled: create a new one";
            default -> null;
        });
    }
}
