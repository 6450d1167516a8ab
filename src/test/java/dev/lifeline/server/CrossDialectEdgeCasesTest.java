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

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Where a route that crosses dialects met the gateway's other promises: the length cap, error shapes, a continued
 * Claude stream's framing, and Ollama's model-name policy on the routed path. Each test was written against a defect
 * found in review, and failed before its fix.
 */
class CrossDialectEdgeCasesTest {
    @RegisterExtension
    final Upstreams upstreams = new Upstreams();
    private final FakeUpstream cloud = upstreams.cloud();
    private final FakeUpstream local = upstreams.local();

    /** limits.max_tokens caps every chat request for every target, cloud ones included: /v1/messages too. */
    @Test
    void maxTokensLimitIsAppliedToAnAnthropicClientsRequestToClaude() {
        TestGateway gw = upstreams.gateway("""
                backends:
                  claude: { type: anthropic, url: "%s", api_key: "sk-ant-secret", cloud: true }
                routes:
                  - model: claude-sonnet-4-5
                    targets:
                      - { backend: claude }
                limits: { max_tokens: 100 }
                """.formatted(cloud.url("/v1")));
        cloud.always(Reply.json(200, DialectWire.golden("anthropic/response.json")));
        gw.post("/v1/messages", "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":100000,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(cloud.requests().get(0).bodyJson().path("max_tokens").asInt()).isLessThanOrEqualTo(100);
    }

    /** Same, translated: an Anthropic client's request to a cloud OpenAI target. */
    @Test
    void maxTokensLimitIsAppliedToATranslatedRequestToACloudTarget() {
        TestGateway gw = upstreams.gateway("""
                backends:
                  openai: { type: openai, url: "%s", api_key: "sk-secret", cloud: true }
                routes:
                  - model: claude-sonnet-4-5
                    targets:
                      - { backend: openai, model: gpt-4o }
                limits: { max_tokens: 100 }
                """.formatted(cloud.url("/v1")));
        cloud.always(Reply.json(200, OpenAiFixtures.chatCompletion("gpt-4o", "hello")));
        gw.post("/v1/messages", "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":100000,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        JsonNode sent = cloud.requests().get(0).bodyJson();
        int n = sent.has("max_completion_tokens") ? sent.path("max_completion_tokens").asInt() : sent.path("max_tokens").asInt();
        assertThat(n).isLessThanOrEqualTo(100);
    }

    /**
     * A context-length 400 from Claude, then a later bigger-window OpenAI target that fails: the provider's
     * original 400 goes back - but in whose dialect? It is Claude's body, sent unchanged to an OpenAI client,
     * because the pass-through decision looks at the *last* target, not the one that produced the failure.
     */
    @Test
    void aContextLengthErrorFromAClaudeTargetReachesAnOpenAiClientInOpenAisShape() {
        TestGateway gw = upstreams.gateway("""
                backends:
                  claude: { type: anthropic, url: "%s", api_key: "sk-ant-secret", cloud: true }
                  big: { type: openai, url: "%s", cloud: false }
                routes:
                  - model: gpt-4o
                    targets:
                      - { backend: claude, model: claude-sonnet-4-5, context_window: 200000 }
                      - { backend: big, model: "big", context_window: 1000000, retries: 0 }
                breaker: { minimum_calls: 100, window: 100 }
                """.formatted(cloud.url("/v1"), local.url("/v1")));
        cloud.always(Reply.json(400, "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"prompt is too long: 250000 tokens > 200000 maximum\"}}"));
        local.always(Reply.json(503, "{\"error\":{\"message\":\"busy\",\"type\":\"server_error\",\"code\":null}}"));
        HttpResponse<String> r = gw.chat("gpt-4o", "hi");
        System.out.println("STATUS " + r.statusCode() + " BODY " + r.body());
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode body = DialectWire.json(r.body());
        assertThat(body.has("type")).as("Anthropic's top-level type field must not reach an OpenAI client").isFalse();
        assertThat(body.path("error").has("param") || body.path("error").has("code")).isTrue();
    }

    /** Claude passed through, cut midway, continued on Claude: every content block the client saw started must stop. */
    @Test
    void aClaudePassThroughContinuedOnClaudeClosesItsContentBlock() {
        TestGateway gw = upstreams.gateway("""
                backends:
                  claude: { type: anthropic, url: "%s", api_key: "sk-ant-secret", cloud: true }
                  claude2: { type: anthropic, url: "%s", api_key: "sk-ant-secret2", cloud: false }
                routes:
                  - model: claude-sonnet-4-5
                    targets:
                      - { backend: claude }
                      - { backend: claude2, continuation: true }
                breaker: { minimum_calls: 100, window: 100 }
                """.formatted(cloud.url("/v1"), local.url("/v1")));
        String start = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\",\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":20,\"output_tokens\":1}}}";
        String blockStart = "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}";
        cloud.always(Reply.sse(start, blockStart,
                "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"The answer is\"}}")
                .afterEvents(3, Reply.Fault.RESET));
        local.always(Reply.sse(start, blockStart,
                "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" 42.\"}}",
                "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}",
                "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":3}}",
                "event: message_stop\ndata: {\"type\":\"message_stop\"}"));
        HttpResponse<String> r = gw.post("/v1/messages",
                "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":64,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"6*7?\"}]}");
        System.out.println(r.body());
        List<String> types = DialectWire.anthropicTypes(DialectWire.sse(r.body()));
        assertThat(DialectWire.anthropicText(DialectWire.sse(r.body()))).isEqualTo("The answer is 42.");
        assertThat(types).filteredOn("content_block_start"::equals)
                .hasSameSizeAs(types.stream().filter("content_block_stop"::equals).toList());
    }

    /** The pass-through refuses cloud model names for non-admins; the routed /api/chat path must too. */
    @Test
    void aCloudModelNameIsRefusedOnTheRoutedOllamaPathAsOnThePassThrough() {
        TestGateway gw = upstreams.gateway("""
                backends:
                  openai: { type: openai, url: "%s", api_key: "sk-secret", cloud: true }
                  ollama: { type: openai, url: "%s", cloud: false }
                ollama: { backend: ollama }
                routes:
                  - model: "*"
                    targets:
                      - { backend: openai }
                      - { backend: ollama }
                breaker: { minimum_calls: 100, window: 100 }
                """.formatted(cloud.url("/v1"), local.url("/v1")));
        cloud.always(Reply.json(404, "{\"error\":{\"message\":\"no such model\",\"type\":\"invalid_request_error\",\"code\":\"model_not_found\"}}"));
        local.always(Reply.json(200, OpenAiFixtures.chatCompletion("gpt-oss:120b-cloud", "hi")));
        HttpResponse<String> r = gw.post("/api/chat", "{\"model\":\"gpt-oss:120b-cloud\",\"stream\":false,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        System.out.println("CLOUDNAME " + r.statusCode() + " " + r.body() + " local requests: " + local.requestCount());
        assertThat(local.requestCount()).as("the local Ollama must not be asked for a -cloud model by a non-admin").isZero();
    }
}
