package dev.lifeline.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lifeline.testing.FakeUpstream;
import dev.lifeline.testing.OpenAiFixtures;
import dev.lifeline.testing.Reply;
import dev.lifeline.testing.TestGateway;
import dev.lifeline.testing.Upstreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.util.List;

import static dev.lifeline.server.DialectWire.events;
import static dev.lifeline.server.DialectWire.golden;
import static dev.lifeline.server.DialectWire.json;
import static dev.lifeline.server.DialectWire.lines;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Failures in another dialect than the client's: each must be handled as its OpenAI equivalent would (fail over
 * before the commit point, an error in the client's own dialect after it), and the gateway's own errors must be in
 * the client's shape.
 */
class CrossDialectFailuresTest {
    private static final String CLAUDE_MESSAGE_START =
            "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\","
                    + "\"model\":\"claude-sonnet-4-5\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":9,\"output_tokens\":1}}}";
    private static final String CLAUDE_OVERLOADED_EVENT =
            "event: error\ndata: {\"type\": \"error\", \"error\": {\"type\": \"overloaded_error\", \"message\": \"Overloaded\"}}";

    @RegisterExtension
    final Upstreams upstreams = new Upstreams();
    private final FakeUpstream claude = upstreams.cloud();
    private final FakeUpstream local = upstreams.local();

    /** An OpenAI-SDK app: Claude first, then a local OpenAI-dialect server. */
    private TestGateway openAiClient(boolean continuation) {
        return upstreams.gateway("""
                backends:
                  claude: { type: anthropic, url: "%s", api_key: "sk-ant-secret", cloud: true }
                  local: { type: openai, url: "%s", cloud: false }
                routes:
                  - model: gpt-4o
                    targets:
                      - { backend: claude, model: claude-sonnet-4-5 }
                      - { backend: local, model: "llama3.1:8b", continuation: %s }
                breaker: { minimum_calls: 100, window: 100 }
                """.formatted(claude.url("/v1"), local.url("/v1"), continuation));
    }

    /** An OpenAI-SDK app: Ollama's native API first, then Claude. */
    private TestGateway ollamaFirst() {
        return upstreams.gateway("""
                backends:
                  ollama: { type: ollama, url: "%s", cloud: false }
                  claude: { type: anthropic, url: "%s", api_key: "sk-ant-secret", cloud: true }
                routes:
                  - model: gpt-4o
                    targets:
                      - { backend: ollama, model: "llama3.2" }
                      - { backend: claude, model: claude-sonnet-4-5 }
                breaker: { minimum_calls: 100, window: 100 }
                """.formatted(local.url(""), claude.url("/v1")));
    }

    /** A Claude-SDK app: Claude first, then a local OpenAI-dialect server. */
    private TestGateway anthropicClient() {
        return upstreams.gateway("""
                backends:
                  claude: { type: anthropic, url: "%s", api_key: "sk-ant-secret", cloud: true }
                  local: { type: openai, url: "%s", cloud: false }
                routes:
                  - model: claude-sonnet-4-5
                    targets:
                      - { backend: claude }
                      - { backend: local, model: "llama3.1:8b" }
                breaker: { minimum_calls: 100, window: 100 }
                """.formatted(claude.url("/v1"), local.url("/v1")));
    }

    // ------------------------------------------------------------------ before the commit point: fail over

    @Test
    void claudeRateLimitedWithRetryAfterFailsOverAndIsNotAskedAgainWhileItCoolsDown() {
        claude.always(Reply.json(429, """
                {"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}}""")
                .withHeader("retry-after", "30"));
        local.always(Reply.sse(OpenAiFixtures.streamOf("llama3.1:8b", "Local", " answer.")));
        TestGateway gw = openAiClient(false);

        TestGateway.StreamResult first = gw.stream("gpt-4o", "hi");
        TestGateway.StreamResult second = gw.stream("gpt-4o", "hi again");

        assertThat(first.status()).isEqualTo(200);
        assertThat(first.text()).isEqualTo("Local answer.");
        assertThat(first.endedWithDone()).isTrue();
        assertThat(first.header("x-lifeline-backend")).isEqualTo("local");
        assertThat(second.text()).isEqualTo("Local answer.");
        assertThat(claude.requestCount()).as("Claude said to come back in 30 s").isEqualTo(1);
        assertThat(local.requestCount()).isEqualTo(2);
    }

    @Test
    void anOverloadedErrorEventAfterClaudes200ButBeforeAnyContentFailsOverUnseen() {
        claude.always(Reply.sse(CLAUDE_MESSAGE_START,
                "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
                "event: ping\ndata: {\"type\": \"ping\"}",
                CLAUDE_OVERLOADED_EVENT));
        local.always(Reply.sse(OpenAiFixtures.streamOf("llama3.1:8b", "Local", " answer.")));
        TestGateway gw = openAiClient(false);

        TestGateway.StreamResult r = gw.stream("gpt-4o", "hi");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).isEqualTo("Local answer.");
        assertThat(r.endedWithDone()).isTrue();
        assertThat(r.hasErrorEvent()).isFalse();
        assertThat(String.join("\n", r.events())).doesNotContain("overloaded").doesNotContain("message_start");
        assertThat(r.header("x-lifeline-backend")).isEqualTo("local");
        assertThat(claude.requestCount()).as("Claude was asked").isPositive();
        assertThat(r.header("x-lifeline-attempts")).as("Claude's attempts and the local one")
                .isEqualTo(String.valueOf(claude.requestCount() + 1));
        long roles = r.events().stream().filter(e -> !e.equals("[DONE]"))
                .filter(e -> json(e).path("choices").path(0).path("delta").has("role")).count();
        assertThat(roles).as("one role chunk").isEqualTo(1);
    }

    @Test
    void anErrorEventAfterClaudesContentEndsTheOpenAiStreamWithAnOpenAiError() {
        claude.always(Reply.sse(events(golden("anthropic/stream-error.sse"))));
        TestGateway gw = openAiClient(false);

        TestGateway.StreamResult r = gw.stream("gpt-4o", "Tell me a story");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).isEqualTo("Once upon");
        assertThat(r.endedWithDone()).as("an interrupted answer must not look complete").isFalse();
        String last = r.events().get(r.events().size() - 1);
        JsonNode error = json(last).path("error");
        assertThat(error.isObject()).as(last).isTrue();
        assertThat(error.path("code").asText()).isEqualTo("lifeline_stream_interrupted");
        assertThat(error.path("message").asText()).contains("overloaded_error");
        for (String e : r.events()) {
            JsonNode n = json(e);
            assertThat(n.has("type")).as("no raw Claude event reaches an OpenAI client: " + e).isFalse();
        }
        assertThat(local.requests()).as("no continuation target").isEmpty();
    }

    @Test
    void anErrorEventAfterAnOpenAiTargetsContentEndsTheClaudeStreamWithAClaudeErrorEvent() {
        claude.always(Reply.json(529, golden("anthropic/error-overloaded.json")));
        local.always(Reply.sse(OpenAiFixtures.roleChunk("llama3.1:8b"), OpenAiFixtures.chunk("llama3.1:8b", "Once upon"),
                OpenAiFixtures.errorEvent("model crashed", "server_error")));
        TestGateway gw = anthropicClient();

        HttpResponse<String> r = gw.post("/v1/messages",
                "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":64,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"story\"}]}");

        assertThat(r.statusCode()).isEqualTo(200);
        List<DialectWire.Sse> events = DialectWire.sse(r.body());
        assertThat(DialectWire.anthropicText(events)).isEqualTo("Once upon");
        DialectWire.Sse last = events.get(events.size() - 1);
        assertThat(last.event()).isEqualTo("error");
        assertThat(last.json().path("type").asText()).isEqualTo("error");
        assertThat(last.json().path("error").path("type").asText()).isNotBlank();
        assertThat(last.json().path("error").path("message").asText()).contains("interrupted");
        assertThat(DialectWire.anthropicTypes(events)).doesNotContain("message_stop");
        for (DialectWire.Sse e : events) {
            assertThat(e.event()).as("every event is Claude-shaped: " + e).isNotEmpty();
            assertThat(e.json().has("choices")).isFalse();
        }
    }

    @Test
    void anOllamaErrorLineBeforeAnyContentFailsOver() {
        local.always(Reply.ndjson("{\"error\":\"model requires more system memory (9.1 GiB) than is available (4.0 GiB)\"}"));
        claude.always(Reply.sse(events(golden("anthropic/stream-text.sse"))));
        TestGateway gw = ollamaFirst();

        TestGateway.StreamResult r = gw.stream("gpt-4o", "Weather?");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).isEqualTo("Bonjour! Il fait 15 °C à Paris ☔ — take an umbrella 🌂.\n");
        assertThat(r.endedWithDone()).isTrue();
        assertThat(r.header("x-lifeline-backend")).isEqualTo("claude");
        assertThat(String.join("\n", r.events())).doesNotContain("system memory");
    }

    @Test
    void anOllamaErrorLineAfterContentEndsTheOpenAiStreamWithAnOpenAiError() {
        local.always(Reply.ndjson(lines(golden("ollama/error-stream.ndjson"))));
        TestGateway gw = ollamaFirst();

        TestGateway.StreamResult r = gw.stream("gpt-4o", "Tell me a story");

        assertThat(r.text()).isEqualTo("Once upon");
        assertThat(r.endedWithDone()).isFalse();
        String last = r.events().get(r.events().size() - 1);
        assertThat(json(last).path("error").path("code").asText()).as(last).isEqualTo("lifeline_stream_interrupted");
        assertThat(claude.requests()).as("Claude has no continuation: true").isEmpty();
    }

    @Test
    void aMalformedClaudeEventBeforeContentFailsOverAndAfterContentEndsWithAnOpenAiError() {
        claude.enqueue(Reply.sse(CLAUDE_MESSAGE_START, "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{oops"));
        claude.enqueue(Reply.sse(CLAUDE_MESSAGE_START,
                "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
                "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Partial\"}}",
                "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":7,\"delta\":{\"type\":\"text_delta\",\"text\":\"??\"}}",
                "event: message_stop\ndata: {\"type\":\"message_stop\"}"));
        local.always(Reply.sse(OpenAiFixtures.streamOf("llama3.1:8b", "Local", " answer.")));
        TestGateway gw = openAiClient(false);

        TestGateway.StreamResult before = gw.stream("gpt-4o", "one");
        assertThat(before.status()).isEqualTo(200);
        assertThat(before.text()).isEqualTo("Local answer.");
        assertThat(before.endedWithDone()).isTrue();

        TestGateway.StreamResult after = gw.stream("gpt-4o", "two");
        assertThat(after.text()).isEqualTo("Partial");
        assertThat(after.text()).doesNotContain("??");
        assertThat(after.endedWithDone()).isFalse();
        String last = after.events().get(after.events().size() - 1);
        assertThat(json(last).path("error").path("code").asText()).as(last).isEqualTo("lifeline_stream_interrupted");
    }

    @Test
    void aNonStreamedClaudeAnswerThatIsNotJsonFailsOver() {
        claude.always(Reply.json(200, "{\"id\":\"msg_1\",\"type\":\"message\",\"content\":[{\"type\":\"text\",\"text\":\"cut"));
        local.always(Reply.json(200, OpenAiFixtures.chatCompletion("llama3.1:8b", "Local answer.")));
        TestGateway gw = openAiClient(false);

        HttpResponse<String> r = gw.chat("gpt-4o", "hi");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r.body()).path("choices").path(0).path("message").path("content").asText()).isEqualTo("Local answer.");
    }

    @Test
    void aClaudeStreamCutAfterContentEndsAClaudeClientsStreamWithAClaudeErrorEvent() {
        claude.always(Reply.sse(events(golden("anthropic/stream-text.sse"))).afterEvents(4, Reply.Fault.RESET));
        TestGateway gw = anthropicClient();

        HttpResponse<String> r = gw.post("/v1/messages",
                "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":64,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Weather?\"}]}");

        assertThat(r.statusCode()).isEqualTo(200);
        List<DialectWire.Sse> events = DialectWire.sse(r.body());
        assertThat(DialectWire.anthropicText(events)).isEqualTo("Bonjour");
        DialectWire.Sse last = events.get(events.size() - 1);
        assertThat(last.event()).isEqualTo("error");
        assertThat(last.json().path("error").path("message").asText()).contains("interrupted");
        assertThat(DialectWire.anthropicTypes(events)).doesNotContain("message_stop");
    }

    @Test
    void anOpenAiStreamCutAfterContentEndsAnOllamaClientsStreamWithAnErrorLine() {
        claude.always(Reply.sse(OpenAiFixtures.roleChunk("gpt-4o"), OpenAiFixtures.chunk("gpt-4o", "Once upon"))
                .afterEvents(2, Reply.Fault.RESET));
        TestGateway gw = upstreams.gateway("""
                backends:
                  cloud: { type: openai, url: "%s", api_key: "sk-cloud", cloud: true }
                  ollama: { type: ollama, url: "%s", cloud: false }
                routes:
                  - model: smart
                    targets:
                      - { backend: cloud, model: gpt-4o }
                      - { backend: ollama, model: "llama3.1:8b" }
                breaker: { minimum_calls: 100, window: 100 }
                """.formatted(claude.url("/v1"), local.url("")));

        HttpResponse<String> r = gw.post("/api/chat", "{\"model\":\"smart\",\"messages\":[{\"role\":\"user\",\"content\":\"story\"}]}");

        assertThat(r.statusCode()).isEqualTo(200);
        List<JsonNode> lines = DialectWire.ndjson(r.body());
        StringBuilder text = new StringBuilder();
        lines.forEach(l -> text.append(l.path("message").path("content").asText("")));
        assertThat(text.toString()).isEqualTo("Once upon");
        JsonNode last = lines.get(lines.size() - 1);
        assertThat(last.path("error").isTextual()).as(r.body()).isTrue();
        assertThat(last.path("error").asText()).contains("interrupted");
        assertThat(lines).noneMatch(l -> l.path("done").asBoolean());
        assertThat(local.requests()).isEmpty();
    }

    @Test
    void aClaudeErrorObjectInA200BodyFailsOver() {
        claude.always(Reply.json(200, golden("anthropic/error-overloaded.json")));
        local.always(Reply.json(200, OpenAiFixtures.chatCompletion("llama3.1:8b", "Local answer.")));
        TestGateway gw = openAiClient(false);

        HttpResponse<String> r = gw.chat("gpt-4o", "hi");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r.body()).path("choices").path(0).path("message").path("content").asText()).isEqualTo("Local answer.");
        assertThat(r.headers().firstValue("x-lifeline-backend")).hasValue("local");
    }

    // ------------------------------------------------------------------ every target failed: the client's own shape

    @Test
    void anAnthropicClientGetsAnAnthropicErrorWhenEveryTargetFails() {
        claude.always(Reply.json(529, golden("anthropic/error-overloaded.json")));
        local.always(Reply.json(503, OpenAiFixtures.errorBody("loading model", "server_error", "unavailable")));
        TestGateway gw = anthropicClient();

        for (boolean stream : new boolean[] {false, true}) {
            HttpResponse<String> r = gw.post("/v1/messages", "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":64,\"stream\":" + stream
                    + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

            assertThat(r.statusCode()).as(r.body()).isGreaterThanOrEqualTo(500);
            assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("application/json");
            JsonNode body = json(r.body());
            assertThat(body.path("type").asText()).as(r.body()).isEqualTo("error");
            assertThat(body.path("error").path("type").asText()).isNotBlank();
            assertThat(body.path("error").path("message").asText()).contains("claude").contains("local");
            assertThat(body.path("error").isObject()).isTrue();
        }
    }

    @Test
    void anOllamaClientGetsAnOllamaErrorWhenEveryTargetFails() {
        FakeUpstream cloud = claude;
        cloud.always(Reply.resetImmediately());
        local.always(Reply.ndjson("{\"error\":\"model 'llama3.1:8b' not found\"}"));
        TestGateway gw = upstreams.gateway("""
                backends:
                  cloud: { type: openai, url: "%s", api_key: "sk-cloud", cloud: true }
                  ollama: { type: ollama, url: "%s", cloud: false }
                routes:
                  - model: smart
                    targets:
                      - { backend: cloud, model: gpt-4o }
                      - { backend: ollama, model: "llama3.1:8b" }
                breaker: { minimum_calls: 100, window: 100 }
                """.formatted(cloud.url("/v1"), local.url("")));

        for (boolean stream : new boolean[] {false, true}) {
            HttpResponse<String> r = gw.post("/api/chat", "{\"model\":\"smart\",\"stream\":" + stream
                    + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

            assertThat(r.statusCode()).as(r.body()).isGreaterThanOrEqualTo(500);
            JsonNode body = json(r.body());
            assertThat(body.path("error").isTextual()).as("the Ollama client reads error as a string: " + r.body()).isTrue();
            assertThat(body.path("error").asText()).contains("cloud").contains("ollama");
        }
    }

    @Test
    void aRequestNoTargetCanCarryIsRefusedInAnthropicsShapeNamingTheField() {
        TestGateway gw = upstreams.gateway("""
                backends:
                  local: { type: openai, url: "%s", cloud: false }
                routes:
                  - model: claude-sonnet-4-5
                    targets: [ { backend: local, model: "llama3.1:8b" } ]
                """.formatted(local.url("/v1")));

        HttpResponse<String> r = gw.post("/v1/messages", "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":2048,"
                + "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":1024},\"messages\":[{\"role\":\"user\",\"content\":\"27*453?\"}]}");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        JsonNode body = json(r.body());
        assertThat(body.path("type").asText()).isEqualTo("error");
        assertThat(body.path("error").path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(body.path("error").path("message").asText()).contains("thinking");
        assertThat(local.requests()).isEmpty();
    }
}
