package dev.lifeline.monitor.sink;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lifeline.monitor.AlertSink.AlertException;
import dev.lifeline.monitor.Notice;
import dev.lifeline.monitor.Notice.Item;
import dev.lifeline.monitor.Notice.Kind;
import dev.lifeline.probe.Check;
import dev.lifeline.probe.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What a Slack channel receives: Block Kit with a plain-text fallback, Slack's markup characters escaped. */
class SlackSinkTest {
    private final Receiver slack = Receiver.start();
    private final SlackSink sink = new SlackSink(slack.url("/services/T0001/B0002/SeCrEtToKeN"), Fixtures.FAST);

    @AfterEach
    void close() {
        slack.close();
    }

    @Test
    void postsAHeaderOneLinePerCheckAndWhereAndWhen() throws Exception {
        slack.always(Receiver.Answer.of(200, "ok"));

        sink.send(Fixtures.mixed());

        assertThat(slack.requests()).hasSize(1);
        Receiver.Request r = slack.requests().getFirst();
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.uri().getPath()).isEqualTo("/services/T0001/B0002/SeCrEtToKeN");
        assertThat(r.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
        JsonNode body = r.json();
        assertThat(body).isEqualTo(Fixtures.golden("slack.json"));
        assertThat(body.path("blocks").findValuesAsText("type")).containsExactly("header", "plain_text", "section", "mrkdwn", "context", "mrkdwn");
        assertThat(body.at("/blocks/1/text/text").asText().lines())
                .containsExactly(":red_circle: ollama/service is CRITICAL: connection refused",
                        ":large_orange_circle: ollama/inference is WARNING: llama3.1:8b: 6.2 tokens/s (warning below 10)",
                        ":large_green_circle: vllm/models recovered (was WARNING): 2 models served");
    }

    @Test
    void escapesTheCharactersSlackReadsAsMarkup() throws Exception {
        sink.send(Fixtures.problem(Status.WARNING, "queue <5 & p95 >2 s <!channel>"));

        JsonNode body = slack.requests().getFirst().json();
        String escaped = "queue &lt;5 &amp; p95 &gt;2 s &lt;!channel&gt;";
        assertThat(body.at("/blocks/1/text/text").asText()).endsWith(escaped);
        assertThat(body.path("text").asText()).endsWith(escaped);
        assertThat(slack.requests().getFirst().text()).doesNotContain("<!channel>");
    }

    @Test
    void theHostIsEscapedToo() throws Exception {
        Notice n = new Notice("a<b>&c", Fixtures.AT, Fixtures.test().items());

        sink.send(n);

        assertThat(slack.requests().getFirst().json().at("/blocks/2/elements/0/text").asText())
                .startsWith("lifeline monitor on *a&lt;b&gt;&amp;c* · ");
    }

    @Test
    void aTestAlertSaysItIsATest() throws Exception {
        sink.send(Fixtures.test());

        JsonNode body = slack.requests().getFirst().json();
        assertThat(body.at("/blocks/0/text/text").asText()).isEqualTo("[TEST] lifeline monitor on gpu-box");
        assertThat(body.at("/blocks/1/text/text").asText())
                .isEqualTo(":information_source: test alert from lifeline monitor: if you read this, alerts reach you");
    }

    @Test
    void manyChecksStayWithinSlacksLimits() throws Exception {
        List<Item> items = IntStream.range(0, 200).mapToObj(i -> new Item(Kind.PROBLEM,
                Check.of("backend-" + i, "service", Status.CRITICAL, "connection refused ".repeat(5)), Status.OK)).toList();
        Notice many = new Notice("a-very-long-host-name-".repeat(10), Fixtures.AT, items);

        sink.send(many);

        JsonNode body = slack.requests().getFirst().json();
        String section = body.at("/blocks/1/text/text").asText();
        assertThat(section.length()).isLessThanOrEqualTo(3000);
        assertThat(section.lines().toList().getLast()).matches("… and \\d+ more");
        assertThat(body.at("/blocks/0/text/text").asText().length()).isLessThanOrEqualTo(150);
        assertThat(body.path("text").asText().length()).isLessThanOrEqualTo(3000);
    }

    @Test
    void slacksRefusalIsTranslatedWithoutShowingTheUrl() {
        slack.always(Receiver.Answer.of(404, "channel_not_found"));

        assertThatThrownBy(() -> sink.send(Fixtures.mixed()))
                .isInstanceOf(AlertException.class)
                .hasMessage("slack: HTTP 404 channel_not_found (the webhook's channel is gone)");
        assertThat(slack.requests()).hasSize(1);
    }

    @Test
    void anArchivedChannelIsSaidSo() {
        slack.always(Receiver.Answer.of(410, "channel_is_archived"));

        assertThatThrownBy(() -> sink.send(Fixtures.mixed()))
                .hasMessage("slack: HTTP 410 channel_is_archived (the webhook's channel is archived)");
    }
}
