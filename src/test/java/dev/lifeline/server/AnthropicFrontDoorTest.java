package dev.lifeline.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeline.testing.FakeUpstream;
import dev.lifeline.testing.OpenAiFixtures;
import dev.lifeline.testing.RecordedRequest;
import dev.lifeline.testing.Reply;
import dev.lifeline.testing.TestGateway;
import dev.lifeline.testing.Upstreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A Claude SDK app pointed at the gateway ({@code POST /v1/messages}): Claude itself gets the client's request as it
 * was written, a local OpenAI-dialect server gets it translated, and the client always reads Claude's shapes.
 */
class AnthropicFrontDoorTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REQUEST = """
            {"model":"claude-sonnet-4-5","max_tokens":256,"system":[{"type":"text","text":"Be brief.",
             "cache_control":{"type":"ephemeral"}}],"messages":[{"role":"user","content":"Why is the sky blue?"}]%s}""";

    @RegisterExtension
    final Upstreams upstreams = new Upstreams();
    private final FakeUpstream claude = upstreams.cloud();
    private final FakeUpstream local = upstreams.local();

    private TestGateway gateway() {
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

    @Test
    void claudeGetsTheClientsRequestAsWrittenAndItsAnswerComesBackUnchanged() throws Exception {
        String answer = """
                {"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"text","text":"Rayleigh scattering."}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":12,"output_tokens":4}}""";
        claude.always(Reply.json(200, answer));
        TestGateway gw = gateway();

        HttpResponse<String> r = gw.post("/v1/messages", REQUEST.formatted(""));

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(answer);
        RecordedRequest seen = claude.requests().get(0);
        assertThat(seen.path()).isEqualTo("/v1/messages");
        assertThat(seen.bodyText()).as("pass-through: cache_control and all").isEqualTo(REQUEST.formatted(""));
        assertThat(seen.header("x-api-key")).isEqualTo("sk-ant-secret");
    }

    @Test
    void whenClaudeIsDownALocalOpenAiServerAnswersAsClaudeWould() throws Exception {
        claude.always(Reply.resetImmediately());
        local.always(Reply.sse(OpenAiFixtures.streamOf("llama3.1:8b", "Rayleigh", " scattering.")));
        TestGateway gw = gateway();

        HttpResponse<String> r = gw.post("/v1/messages", REQUEST.formatted(",\"stream\":true"));

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
        List<String> types = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        for (String event : r.body().split("\n\n")) {
            for (String line : event.split("\n")) {
                if (line.startsWith("data: ")) {
                    JsonNode data = JSON.readTree(line.substring(6));
                    types.add(data.path("type").asText());
                    if (data.path("delta").path("type").asText().equals("text_delta")) {
                        text.append(data.path("delta").path("text").asText());
                    }
                }
            }
        }
        assertThat(text.toString()).isEqualTo("Rayleigh scattering.");
        assertThat(types.get(0)).isEqualTo("message_start");
        assertThat(types).contains("content_block_start", "content_block_delta", "content_block_stop", "message_delta");
        assertThat(types.get(types.size() - 1)).isEqualTo("message_stop");

        JsonNode sent = local.requests().get(0).bodyJson();
        assertThat(sent.path("model").asText()).isEqualTo("llama3.1:8b");
        assertThat(sent.path("messages").path(0).path("role").asText()).isEqualTo("system");
        assertThat(sent.path("messages").path(0).path("content").asText()).isEqualTo("Be brief.");
        assertThat(sent.path("max_tokens").asInt()).isEqualTo(256);
    }

    @Test
    void theGatewaysOwnErrorsAreInAnthropicsShape() throws Exception {
        TestGateway gw = gateway();

        HttpResponse<String> r = gw.post("/v1/messages", "{\"model\":\"claude-opus-9\",\"max_tokens\":5,\"messages\":[]}");

        assertThat(r.statusCode()).isEqualTo(404);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("type").asText()).isEqualTo("error");
        assertThat(body.path("error").path("type").asText()).isEqualTo("not_found_error");
        assertThat(body.path("error").path("message").asText()).contains("claude-opus-9");
    }
}
