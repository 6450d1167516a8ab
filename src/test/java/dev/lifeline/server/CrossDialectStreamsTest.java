package dev.lifeline.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lifeline.auth.KeySpec;
import dev.lifeline.auth.KeyStore;
import dev.lifeline.testing.FakeUpstream;
import dev.lifeline.testing.OpenAiFixtures;
import dev.lifeline.testing.RecordedRequest;
import dev.lifeline.testing.Reply;
import dev.lifeline.testing.TestGateway;
import dev.lifeline.testing.Upstreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.lifeline.server.DialectWire.events;
import static dev.lifeline.server.DialectWire.golden;
import static dev.lifeline.server.DialectWire.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Translated streams as their clients and the gateway's bookkeeping see them: token budgets metered from another
 * dialect's usage, continuation after a mid-stream cut across dialects, and the details a user notices (non-ASCII
 * text, images, reasoning, fields refused or passed through).
 */
class CrossDialectStreamsTest {
    private static final String PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

    @RegisterExtension
    final Upstreams upstreams = new Upstreams();
    private final FakeUpstream cloud = upstreams.cloud();
    private final FakeUpstream local = upstreams.local();

    @TempDir
    Path dir;

    /** Claude first, then a local OpenAI-dialect server, for an OpenAI-SDK app (gpt-4o) and a Claude-SDK app. */
    private TestGateway claudeThenLocal(boolean continuation, String extra) {
        return upstreams.gateway("""
                backends:
                  claude: { type: anthropic, url: "%s", api_key: "sk-ant-secret", cloud: true }
                  local: { type: openai, url: "%s", cloud: false }
                routes:
                  - model: gpt-4o
                    targets:
                      - { backend: claude, model: claude-sonnet-4-5 }
                      - { backend: local, model: "llama3.1:8b", continuation: %s }
                  - model: claude-sonnet-4-5
                    targets:
                      - { backend: claude }
                      - { backend: local, model: "llama3.1:8b" }
                breaker: { minimum_calls: 100, window: 100 }
                """.formatted(cloud.url("/v1"), local.url("/v1"), continuation) + extra);
    }

    private String keyWithTpm(int tpm) throws Exception {
        KeyStore keys = KeyStore.open(dir.resolve("keys.json"));
        return keys.create(KeySpec.named("budget").withTpm(tpm), Instant.now()).token();
    }

    private String keysFile() {
        return "auth: { keys_file: \"" + dir.resolve("keys.json") + "\" }\n";
    }

    // ------------------------------------------------------------------ usage and token budgets

    @Test
    void claudesStreamedUsageIsChargedToTheKeyAndNoUsageChunkReachesAClientThatDidNotAskForIt() throws Exception {
        // stream-text.sse: 12 input tokens (message_start), 21 output tokens (message_delta): 33 in all
        cloud.always(Reply.sse(events(golden("anthropic/stream-text.sse"))));
        String token = keyWithTpm(30);
        TestGateway gw = claudeThenLocal(false, keysFile());
        Map<String, String> auth = Map.of("authorization", "Bearer " + token);

        HttpResponse<String> first = DialectWire.post(gw.url("/v1/chat/completions"), TestGateway.chatBody("gpt-4o", "Weather?", true), auth);
        HttpResponse<String> second = DialectWire.post(gw.url("/v1/chat/completions"), TestGateway.chatBody("gpt-4o", "Again?", false), auth);

        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(DialectWire.openAiText(first.body())).isEqualTo("Bonjour! Il fait 15 °C à Paris ☔ — take an umbrella 🌂.\n");
        assertThat(first.body()).as("the client did not ask for usage").doesNotContain("\"usage\"").endsWith("data: [DONE]\n\n");
        JsonNode sent = cloud.requests().get(0).bodyJson();
        assertThat(sent.has("stream_options")).as("Claude rejects OpenAI's stream_options").isFalse();
        assertThat(second.statusCode()).as("33 tokens (12 in, 21 out) spent of 30 a minute: " + second.body()).isEqualTo(429);
        assertThat(second.body()).contains("tokens per minute (30)");
        assertThat(cloud.requestCount()).isEqualTo(1);
    }

    @Test
    void anOpenAiClientThatAskedForUsageGetsClaudesCountsInOneUsageChunkBeforeDone() {
        cloud.always(Reply.sse(events(golden("anthropic/stream-tool-use.sse"))));
        TestGateway gw = claudeThenLocal(false, "");

        HttpResponse<String> r = gw.post("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Weather and time?\"}]}");

        List<String> data = DialectWire.openAiData(r.body());
        assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
        List<JsonNode> usage = data.stream().filter(d -> !d.equals("[DONE]")).map(DialectWire::json)
                .filter(n -> n.path("usage").isObject()).toList();
        assertThat(usage).as(r.body()).hasSize(1);
        JsonNode u = usage.get(0);
        assertThat(u.path("choices").size()).isZero();
        assertThat(json(data.get(data.size() - 2))).isEqualTo(u);
        // cache reads count as prompt tokens: 472 + 1024
        assertThat(u.path("usage").path("prompt_tokens").asLong()).isEqualTo(1496);
        assertThat(u.path("usage").path("completion_tokens").asLong()).isEqualTo(97);
        assertThat(u.path("usage").path("total_tokens").asLong()).isEqualTo(1593);
    }

    @Test
    void anOpenAiTargetsStreamedUsageIsChargedToAnAnthropicClientsKey() throws Exception {
        cloud.always(Reply.resetImmediately());
        local.always(Reply.sse(OpenAiFixtures.roleChunk("llama3.1:8b"), OpenAiFixtures.chunk("llama3.1:8b", "Hello"),
                OpenAiFixtures.finishChunk("llama3.1:8b", "stop"), OpenAiFixtures.usageChunk("llama3.1:8b", 20, 15), OpenAiFixtures.DONE));
        String token = keyWithTpm(30);
        TestGateway gw = claudeThenLocal(false, keysFile());
        Map<String, String> auth = Map.of("x-api-key", token);
        String body = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":64,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

        HttpResponse<String> first = DialectWire.post(gw.url("/v1/messages"), body, auth);
        HttpResponse<String> second = DialectWire.post(gw.url("/v1/messages"), body, auth);

        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        List<DialectWire.Sse> events = DialectWire.sse(first.body());
        assertThat(DialectWire.anthropicText(events)).isEqualTo("Hello");
        JsonNode delta = events.stream().map(DialectWire.Sse::json).filter(n -> n.path("type").asText().equals("message_delta"))
                .reduce((a, b) -> b).orElseThrow();
        assertThat(delta.path("usage").path("output_tokens").asLong()).isEqualTo(15);
        assertThat(local.requests().get(0).bodyJson().path("stream_options").path("include_usage").asBoolean())
                .as("asked for usage so the key's budget can be metered").isTrue();
        assertThat(second.statusCode()).as("35 tokens spent of 30 a minute").isEqualTo(429);
        assertThat(json(second.body()).path("type").asText()).as("a Claude SDK reads Anthropic's error shape: " + second.body()).isEqualTo("error");
        assertThat(json(second.body()).path("error").path("type").asText()).isEqualTo("rate_limit_error");
    }

    @Test
    void anOllamaClientsKeyIsChargedForAnOpenAiTargetsStreamAndRefusedInOllamasShape() throws Exception {
        FakeUpstream ollama = upstreams.another();
        cloud.always(Reply.sse(OpenAiFixtures.roleChunk("gpt-4o"), OpenAiFixtures.chunk("gpt-4o", "Hello"),
                OpenAiFixtures.finishChunk("gpt-4o", "stop"), OpenAiFixtures.usageChunk("gpt-4o", 20, 15), OpenAiFixtures.DONE));
        String token = keyWithTpm(30);
        TestGateway gw = upstreams.gateway("""
                backends:
                  cloud: { type: openai, url: "%s", api_key: "sk-cloud", cloud: true }
                  ollama: { type: ollama, url: "%s", cloud: false }
                routes:
                  - model: smart
                    targets:
                      - { backend: cloud, model: gpt-4o }
                      - { backend: ollama, model: "llama3.1:8b" }
                """.formatted(cloud.url("/v1"), ollama.url("")) + keysFile());
        Map<String, String> auth = Map.of("authorization", "Bearer " + token);
        String body = "{\"model\":\"smart\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

        HttpResponse<String> first = DialectWire.post(gw.url("/api/chat"), body, auth);
        HttpResponse<String> second = DialectWire.post(gw.url("/api/chat"), body, auth);

        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        List<JsonNode> lines = DialectWire.ndjson(first.body());
        JsonNode last = lines.get(lines.size() - 1);
        assertThat(last.path("done").asBoolean()).isTrue();
        assertThat(last.path("prompt_eval_count").asLong()).isEqualTo(20);
        assertThat(last.path("eval_count").asLong()).isEqualTo(15);
        assertThat(cloud.requests().get(0).bodyJson().path("stream_options").path("include_usage").asBoolean()).isTrue();
        assertThat(second.statusCode()).as("35 tokens spent of 30 a minute").isEqualTo(429);
        assertThat(json(second.body()).path("error").isTextual()).as("the Ollama client reads error as a string: " + second.body()).isTrue();
        assertThat(ollama.requests()).isEmpty();
    }

    // ------------------------------------------------------------------ continuation after a cut

    @Test
    void aClaudeStreamCutMidwayIsContinuedByAnOpenAiTargetAsOneCoherentOpenAiStream() {
        String[] claude = events(golden("anthropic/stream-text.sse"));
        // message_start, content_block_start, ping, "Bonjour", "! Il fait 15 °C à Paris", then the connection resets
        cloud.always(Reply.sse(claude).afterEvents(5, Reply.Fault.RESET));
        local.always(Reply.sse(OpenAiFixtures.streamOf("llama3.1:8b", " ☔ — take", " an umbrella.")));
        TestGateway gw = claudeThenLocal(true, "");

        TestGateway.StreamResult r = gw.stream("gpt-4o", "Weather?");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).isEqualTo("Bonjour! Il fait 15 °C à Paris ☔ — take an umbrella.");
        assertThat(r.hasErrorEvent()).isFalse();
        assertThat(r.endedWithDone()).isTrue();
        assertThat(r.events().stream().filter("[DONE]"::equals).count()).isEqualTo(1);
        Set<String> ids = new HashSet<>();
        int roles = 0;
        int finishes = 0;
        for (String e : r.events()) {
            if (e.equals("[DONE]")) {
                continue;
            }
            JsonNode n = json(e);
            assertThat(n.path("object").asText()).as(e).isEqualTo("chat.completion.chunk");
            ids.add(n.path("id").asText());
            JsonNode choice = n.path("choices").path(0);
            roles += choice.path("delta").has("role") ? 1 : 0;
            finishes += choice.path("finish_reason").isTextual() ? 1 : 0;
        }
        assertThat(ids).as("one completion").hasSize(1);
        assertThat(roles).as("one role chunk").isEqualTo(1);
        assertThat(finishes).isEqualTo(1);
        RecordedRequest cont = local.requests().get(0);
        JsonNode messages = cont.bodyJson().path("messages");
        JsonNode last = messages.get(messages.size() - 1);
        assertThat(last.path("role").asText()).isEqualTo("assistant");
        assertThat(last.path("content").asText()).isEqualTo("Bonjour! Il fait 15 °C à Paris");
    }

    @Test
    void anOpenAiTargetsStreamCutMidwayIsContinuedByClaudeAsOneCoherentClaudeStream() {
        TestGateway gw = upstreams.gateway("""
                backends:
                  local: { type: openai, url: "%s", cloud: false }
                  claude: { type: anthropic, url: "%s", api_key: "sk-ant-secret", cloud: true }
                routes:
                  - model: claude-sonnet-4-5
                    targets:
                      - { backend: local, model: "llama3.1:8b" }
                      - { backend: claude, continuation: true }
                breaker: { minimum_calls: 100, window: 100 }
                """.formatted(local.url("/v1"), cloud.url("/v1")));
        local.always(Reply.sse(OpenAiFixtures.roleChunk("llama3.1:8b"), OpenAiFixtures.chunk("llama3.1:8b", "The answer"),
                OpenAiFixtures.chunk("llama3.1:8b", " is")).afterEvents(3, Reply.Fault.RESET));
        cloud.always(Reply.sse(
                "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_2\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":20,\"output_tokens\":1}}}",
                "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
                "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" 42.\"}}",
                "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}",
                "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":3}}",
                "event: message_stop\ndata: {\"type\":\"message_stop\"}"));

        HttpResponse<String> r = gw.post("/v1/messages",
                "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":64,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"6*7?\"}]}");

        assertThat(r.statusCode()).isEqualTo(200);
        List<DialectWire.Sse> events = DialectWire.sse(r.body());
        assertThat(DialectWire.anthropicText(events)).isEqualTo("The answer is 42.");
        List<String> types = DialectWire.anthropicTypes(events);
        assertThat(types).filteredOn("message_start"::equals).hasSize(1);
        assertThat(types).filteredOn("message_stop"::equals).hasSize(1);
        assertThat(types).doesNotContain("error");
        assertThat(types.get(types.size() - 1)).isEqualTo("message_stop");
        assertThat(types).filteredOn("content_block_start"::equals).hasSameSizeAs(types.stream().filter("content_block_stop"::equals).toList());
        JsonNode messages = cloud.requests().get(0).bodyJson().path("messages");
        JsonNode last = messages.get(messages.size() - 1);
        assertThat(last.path("role").asText()).isEqualTo("assistant");
        assertThat(last.toString()).contains("The answer is");
    }

    // ------------------------------------------------------------------ what a user notices

    @Test
    void nonAsciiTextSurvivesTheRoundTripThroughClaudeNonStreamed() {
        String question = "Quel temps fait-il à Zürich ? 東京は？ 🌦️ \\\"quoted\\\"";
        cloud.always(Reply.json(200, """
                {"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"text","text":"Zürich: 12 °C 🌧️, 東京: 18 °C ☀️ — \\"ok\\"\\n"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":30,"output_tokens":20}}"""));
        TestGateway gw = claudeThenLocal(false, "");

        HttpResponse<String> r = gw.chat("gpt-4o", question);

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = json(r.body());
        assertThat(body.path("choices").path(0).path("message").path("content").asText()).isEqualTo("Zürich: 12 °C 🌧️, 東京: 18 °C ☀️ — \"ok\"\n");
        assertThat(body.path("choices").path(0).path("finish_reason").asText()).isEqualTo("stop");
        assertThat(body.path("usage").path("total_tokens").asLong()).isEqualTo(50);
        JsonNode sent = cloud.requests().get(0).bodyJson();
        assertThat(sent.path("messages").path(0).toString()).contains("Quel temps fait-il à Zürich ? 東京は？ 🌦️ \\\"quoted\\\"");
        assertThat(sent.path("max_tokens").asInt()).as("Claude requires it; 4096 when the client gave none").isEqualTo(4096);
    }

    @Test
    void aDataUrlImageFromAnOpenAiClientReachesClaudeAsBase64AndOllamaAsAnImage() {
        cloud.always(Reply.json(529, golden("anthropic/error-overloaded.json")));
        FakeUpstream ollama = upstreams.another();
        ollama.always(Reply.json(200, golden("ollama/chat-response.json")));
        TestGateway gw = upstreams.gateway("""
                backends:
                  claude: { type: anthropic, url: "%s", api_key: "sk-ant-secret", cloud: true }
                  ollama: { type: ollama, url: "%s", cloud: false }
                routes:
                  - model: gpt-4o
                    targets:
                      - { backend: claude, model: claude-sonnet-4-5 }
                      - { backend: ollama, model: "llava:7b" }
                breaker: { minimum_calls: 100, window: 100 }
                """.formatted(cloud.url("/v1"), ollama.url("")));

        HttpResponse<String> r = gw.post("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":["
                + "{\"type\":\"text\",\"text\":\"What is this?\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64," + PNG + "\",\"detail\":\"low\"}}]}]}");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode toClaude = cloud.requests().get(0).bodyJson().path("messages").path(0).path("content");
        JsonNode image = null;
        for (JsonNode part : toClaude) {
            if (part.path("type").asText().equals("image")) {
                image = part;
            }
        }
        assertThat(image).as(toClaude.toString()).isNotNull();
        assertThat(image.path("source").path("type").asText()).isEqualTo("base64");
        assertThat(image.path("source").path("media_type").asText()).isEqualTo("image/png");
        assertThat(image.path("source").path("data").asText()).isEqualTo(PNG);
        JsonNode toOllama = ollama.requests().get(0).bodyJson().path("messages").path(0);
        assertThat(toOllama.path("content").asText()).isEqualTo("What is this?");
        assertThat(toOllama.path("images").path(0).asText()).isEqualTo(PNG);
    }

    @Test
    void anAnthropicClientsBase64ImageReachesAnOpenAiTargetAsADataUrl() {
        cloud.always(Reply.resetImmediately());
        local.always(Reply.json(200, OpenAiFixtures.chatCompletion("llama3.1:8b", "A red pixel.")));
        TestGateway gw = claudeThenLocal(false, "");

        HttpResponse<String> r = gw.post("/v1/messages", "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":64,\"messages\":[{\"role\":\"user\",\"content\":["
                + "{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"image/png\",\"data\":\"" + PNG + "\"}},"
                + "{\"type\":\"text\",\"text\":\"What is this?\"}]}]}");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = json(r.body());
        assertThat(body.path("content").path(0).path("text").asText()).isEqualTo("A red pixel.");
        assertThat(body.path("stop_reason").asText()).isEqualTo("end_turn");
        JsonNode content = local.requests().get(0).bodyJson().path("messages").path(0).path("content");
        assertThat(content.path(0).path("type").asText()).isEqualTo("image_url");
        assertThat(content.path(0).path("image_url").path("url").asText()).isEqualTo("data:image/png;base64," + PNG);
        assertThat(content.path(1).path("text").asText()).isEqualTo("What is this?");
    }

    @Test
    void claudesThinkingStreamsToAnOpenAiClientAsReasoningContentAndMaxTokensAsLength() {
        cloud.always(Reply.sse(events(golden("anthropic/stream-thinking.sse"))));
        TestGateway gw = claudeThenLocal(false, "");

        TestGateway.StreamResult r = gw.stream("gpt-4o", "27*453?");

        StringBuilder reasoning = new StringBuilder();
        String finish = null;
        for (String e : r.events()) {
            if (!e.equals("[DONE]")) {
                JsonNode choice = json(e).path("choices").path(0);
                reasoning.append(choice.path("delta").path("reasoning_content").asText(""));
                if (choice.path("finish_reason").isTextual()) {
                    finish = choice.path("finish_reason").asText();
                }
            }
        }
        assertThat(reasoning.toString()).isEqualTo("27 * 453 = 27 * 400 + 27 * 53 = 10800 + 1431 = 12231.");
        assertThat(r.text()).isEqualTo("27 × 453 = **12,231**");
        assertThat(finish).isEqualTo("length");
        assertThat(r.endedWithDone()).isTrue();
        assertThat(String.join("", r.events())).as("Claude's signature is not an OpenAI field").doesNotContain("signature");
    }

    @Test
    void anAnthropicClientsThinkingGoesToClaudeUnchangedButIsNeverSentToAnOpenAiTarget() {
        String request = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":2048,\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":1024},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"27*453?\"}]}";
        cloud.enqueue(Reply.json(200, """
                {"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"thinking","thinking":"27*453=12231","signature":"sig"},{"type":"text","text":"12,231"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":10,"output_tokens":30}}"""));
        cloud.enqueue(Reply.json(529, golden("anthropic/error-overloaded.json")));
        local.always(Reply.json(200, OpenAiFixtures.chatCompletion("llama3.1:8b", "12231")));
        TestGateway gw = claudeThenLocal(false, "");

        HttpResponse<String> served = gw.post("/v1/messages", request);
        assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
        assertThat(json(served.body()).path("content").path(0).path("signature").asText()).as("passed through").isEqualTo("sig");
        assertThat(cloud.requests().get(0).bodyJson().path("thinking")).isEqualTo(json("{\"type\":\"enabled\",\"budget_tokens\":1024}"));

        HttpResponse<String> failed = gw.post("/v1/messages", request);
        assertThat(failed.statusCode()).as(failed.body()).isGreaterThanOrEqualTo(500);
        assertThat(json(failed.body()).path("type").asText()).isEqualTo("error");
        assertThat(failed.body()).contains("thinking");
        assertThat(local.requests()).as("the local target cannot think: skipped, not asked without it").isEmpty();
    }

    @Test
    void nTwoIsRefusedForAClaudeOnlyRouteNamingTheField() {
        TestGateway gw = upstreams.gateway("""
                backends:
                  claude: { type: anthropic, url: "%s", api_key: "sk-ant-secret", cloud: true }
                routes:
                  - model: gpt-4o
                    targets: [ { backend: claude, model: claude-sonnet-4-5 } ]
                """.formatted(cloud.url("/v1")));

        HttpResponse<String> r = gw.post("/v1/chat/completions",
                "{\"model\":\"gpt-4o\",\"n\":2,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        JsonNode error = json(r.body()).path("error");
        assertThat(error.path("param").asText()).isEqualTo("n");
        assertThat(error.path("code").asText()).isEqualTo("lifeline_untranslatable");
        assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.path("message").asText()).contains("n: 2");
        assertThat(cloud.requests()).isEmpty();
    }

    @Test
    void temperatureAboveClaudesRangeIsCappedAndStopBecomesStopSequences() {
        cloud.always(Reply.json(200, golden("anthropic/response.json")));
        TestGateway gw = claudeThenLocal(false, "");

        HttpResponse<String> r = gw.post("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"temperature\":1.7,\"max_completion_tokens\":300,"
                + "\"stop\":\"END\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"hi\"}]}");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode sent = cloud.requests().get(0).bodyJson();
        assertThat(sent.path("temperature").asDouble()).isEqualTo(1.0);
        assertThat(sent.path("max_tokens").asInt()).isEqualTo(300);
        assertThat(sent.path("stop_sequences").path(0).asText()).isEqualTo("END");
        assertThat(sent.path("system").toString()).contains("Be brief.");
        assertThat(sent.path("messages").size()).as("the system prompt is not a message for Claude").isEqualTo(1);
        assertThat(json(r.body()).path("usage").path("prompt_tokens").asLong()).as("cache reads count as prompt tokens").isEqualTo(1496);
    }

    @Test
    void anOllamaGenerateClientStreamsClaudesAnswerAsResponseLines() {
        cloud.always(Reply.sse(events(golden("anthropic/stream-text.sse"))));
        TestGateway gw = upstreams.gateway("""
                backends:
                  claude: { type: anthropic, url: "%s", api_key: "sk-ant-secret", cloud: true }
                  ollama: { type: ollama, url: "%s", cloud: false }
                routes:
                  - model: smart
                    targets:
                      - { backend: claude, model: claude-sonnet-4-5 }
                      - { backend: ollama, model: "llama3.1:8b" }
                """.formatted(cloud.url("/v1"), local.url("")));

        HttpResponse<String> r = gw.post("/api/generate", "{\"model\":\"smart\",\"prompt\":\"Weather?\",\"system\":\"Be brief.\"}");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<JsonNode> lines = DialectWire.ndjson(r.body());
        StringBuilder text = new StringBuilder();
        lines.forEach(l -> text.append(l.path("response").asText("")));
        assertThat(text.toString()).isEqualTo("Bonjour! Il fait 15 °C à Paris ☔ — take an umbrella 🌂.\n");
        JsonNode last = lines.get(lines.size() - 1);
        assertThat(last.path("done").asBoolean()).isTrue();
        assertThat(last.path("done_reason").asText()).isEqualTo("stop");
        assertThat(last.path("prompt_eval_count").asLong()).isEqualTo(12);
        assertThat(last.path("eval_count").asLong()).isEqualTo(21);
        assertThat(lines).allMatch(l -> !l.has("message"), "generate answers carry response, not message");
        JsonNode sent = cloud.requests().get(0).bodyJson();
        assertThat(sent.path("system").toString()).contains("Be brief.");
        assertThat(sent.path("messages").path(0).toString()).contains("Weather?");
    }
}
