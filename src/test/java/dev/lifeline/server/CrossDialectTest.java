package dev.lifeline.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeline.testing.FakeUpstream;
import dev.lifeline.testing.RecordedRequest;
import dev.lifeline.testing.Reply;
import dev.lifeline.testing.TestGateway;
import dev.lifeline.testing.Upstreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Routes that cross dialects, over real sockets: an OpenAI-SDK app whose cloud is Claude and whose local fallback
 * speaks Ollama's native API. The fake upstreams answer with the golden wire files of their dialect; the client
 * must get its own dialect back, and each upstream must have been asked in its own.
 */
class CrossDialectTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final Upstreams upstreams = new Upstreams();
    private final FakeUpstream claude = upstreams.cloud();
    private final FakeUpstream ollama = upstreams.local();

    private TestGateway gateway() {
        return upstreams.gateway("""
                backends:
                  claude: { type: anthropic, url: "%s", api_key: "sk-ant-secret", cloud: true }
                  ollama: { type: ollama, url: "%s", cloud: false }
                routes:
                  - model: gpt-4o
                    targets:
                      - { backend: claude, model: claude-sonnet-4-5 }
                      - { backend: ollama, model: "llama3.1:8b" }
                breaker: { minimum_calls: 100, window: 100 }
                """.formatted(claude.url("/v1"), ollama.url("")));
    }

    @Test
    void anOpenAiClientGetsClaudesAnswerInOpenAiShape() throws Exception {
        claude.always(Reply.json(200, golden("anthropic/response.json")));
        TestGateway gw = gateway();

        HttpResponse<String> r = gw.chat("gpt-4o", "What's the weather in Paris?");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("object").asText()).isEqualTo("chat.completion");
        assertThat(body.path("choices").path(0).path("message").path("role").asText()).isEqualTo("assistant");
        assertThat(body.path("usage").path("prompt_tokens").asLong()).isPositive();
        assertThat(r.headers().firstValue("x-lifeline-backend")).hasValue("claude");

        RecordedRequest seen = claude.requests().get(0);
        assertThat(seen.path()).isEqualTo("/v1/messages");
        assertThat(seen.header("x-api-key")).isEqualTo("sk-ant-secret");
        assertThat(seen.header("anthropic-version")).isEqualTo("2023-06-01");
        assertThat(seen.header("authorization")).isNull();
        JsonNode sent = seen.bodyJson();
        assertThat(sent.path("model").asText()).isEqualTo("claude-sonnet-4-5");
        assertThat(sent.path("max_tokens").asInt()).as("Claude requires it").isPositive();
        assertThat(sent.path("messages").path(0).path("role").asText()).isEqualTo("user");
        assertThat(ollama.requests()).isEmpty();
    }

    @Test
    void aStreamFromClaudeReachesAnOpenAiClientAsChunksEndingInDone() throws Exception {
        claude.always(Reply.sse(events(golden("anthropic/stream-text.sse"))));
        TestGateway gw = gateway();

        TestGateway.StreamResult r = gw.stream("gpt-4o", "Weather?");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).isEqualTo("Bonjour! Il fait 15 °C à Paris ☔ — take an umbrella 🌂.\n");
        assertThat(r.endedWithDone()).isTrue();
        for (String e : r.events()) {
            if (!e.equals("[DONE]")) {
                assertThat(JSON.readTree(e).path("object").asText()).as(e).isEqualTo("chat.completion.chunk");
            }
        }
        assertThat(claude.requests().get(0).bodyJson().path("stream").asBoolean()).isTrue();
    }

    @Test
    void overloadedClaudeFailsOverToOllamasNativeApi() throws Exception {
        claude.always(Reply.json(529, golden("anthropic/error-overloaded.json")));
        ollama.always(Reply.ndjson(lines(golden("ollama/chat-stream.ndjson"))));
        TestGateway gw = gateway();

        TestGateway.StreamResult r = gw.stream("gpt-4o", "Why is the sky blue?");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).startsWith("The sky is blue because of Rayleigh scattering");
        assertThat(r.endedWithDone()).isTrue();
        assertThat(r.header("x-lifeline-backend")).isEqualTo("ollama");
        RecordedRequest local = ollama.requests().get(0);
        assertThat(local.path()).isEqualTo("/api/chat");
        assertThat(local.bodyJson().path("model").asText()).isEqualTo("llama3.1:8b");
        assertThat(local.bodyJson().path("stream").asBoolean()).isTrue();
        assertThat(local.bodyJson().path("messages").path(0).path("content").asText()).isEqualTo("Why is the sky blue?");
    }

    @Test
    void claudesToolCallsStreamToAnOpenAiClientAsToolCallDeltas() throws Exception {
        claude.always(Reply.sse(events(golden("anthropic/stream-tool-use.sse"))));
        TestGateway gw = gateway();

        TestGateway.StreamResult r = gw.stream("gpt-4o", "Weather and time?");

        assertThat(r.status()).isEqualTo(200);
        List<String> names = new ArrayList<>();
        StringBuilder firstArguments = new StringBuilder();
        String finish = "";
        for (String e : r.events()) {
            if (e.equals("[DONE]")) {
                continue;
            }
            JsonNode choice = JSON.readTree(e).path("choices").path(0);
            for (JsonNode call : choice.path("delta").path("tool_calls")) {
                if (call.path("function").has("name")) {
                    names.add(call.path("function").path("name").asText());
                }
                if (call.path("index").asInt() == 0) {
                    firstArguments.append(call.path("function").path("arguments").asText(""));
                }
            }
            if (choice.path("finish_reason").isTextual()) {
                finish = choice.path("finish_reason").asText();
            }
        }
        assertThat(names).containsExactly("get_weather", "get_time");
        assertThat(JSON.readTree(firstArguments.toString()).isObject()).as(firstArguments.toString()).isTrue();
        assertThat(finish).isEqualTo("tool_calls");
        assertThat(r.endedWithDone()).isTrue();
    }

    @Test
    void whatNoTargetCanCarryIsA400NamingTheField() throws Exception {
        TestGateway gw = gateway();

        HttpResponse<String> r = gw.post("/v1/chat/completions",
                "{\"model\":\"gpt-4o\",\"n\":2,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        JsonNode error = JSON.readTree(r.body()).path("error");
        assertThat(error.path("param").asText()).isEqualTo("n");
        assertThat(error.path("message").asText()).contains("n");
        assertThat(claude.requests()).isEmpty();
        assertThat(ollama.requests()).isEmpty();
    }

    @Test
    void aTargetThatCannotCarryTheRequestIsSkippedForOneThatCan() throws Exception {
        // an image by URL: Claude fetches it, Ollama cannot; Claude is down, so the request cannot be served
        claude.always(Reply.resetImmediately());
        TestGateway gw = gateway();

        HttpResponse<String> r = gw.post("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":["
                + "{\"type\":\"text\",\"text\":\"what is this?\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/cat.png\"}}]}]}");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
        assertThat(r.body()).contains("cannot be translated for ollama");
        assertThat(ollama.requests()).isEmpty();
    }

    // ------------------------------------------------------------------ golden files as fake upstream replies

    private static String golden(String name) {
        try {
            return Files.readString(Path.of("src/test/resources/golden", name), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An SSE transcript split into its events, for {@link Reply#sse}. */
    private static String[] events(String transcript) {
        return java.util.Arrays.stream(transcript.split("\n\n")).filter(e -> !e.isBlank()).toArray(String[]::new);
    }

    private static String[] lines(String ndjson) {
        return ndjson.lines().filter(l -> !l.isBlank()).toArray(String[]::new);
    }
}
