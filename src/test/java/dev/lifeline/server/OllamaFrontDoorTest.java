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

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An app on the Ollama client pointed at the gateway, on a route whose first choice is a cloud model: it gets the
 * cloud's answer as Ollama lines, and Ollama's own answer when the cloud fails.
 */
class OllamaFrontDoorTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OLLAMA_STREAM = String.join("\n",
            "{\"model\":\"llama3.1:8b\",\"created_at\":\"2026-11-21T10:00:00.1Z\",\"message\":{\"role\":\"assistant\",\"content\":\"Local\"},\"done\":false}",
            "{\"model\":\"llama3.1:8b\",\"created_at\":\"2026-11-21T10:00:00.2Z\",\"message\":{\"role\":\"assistant\",\"content\":\" answer.\"},\"done\":false}",
            "{\"model\":\"llama3.1:8b\",\"created_at\":\"2026-11-21T10:00:00.3Z\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,"
                    + "\"done_reason\":\"stop\",\"total_duration\":300000000,\"prompt_eval_count\":9,\"eval_count\":2,\"eval_duration\":200000000}");

    @RegisterExtension
    final Upstreams upstreams = new Upstreams();
    private final FakeUpstream cloud = upstreams.cloud();
    private final FakeUpstream ollama = upstreams.local();

    private TestGateway gateway() {
        return upstreams.gateway("""
                backends:
                  cloud: { type: openai, url: "%s", api_key: "sk-cloud", cloud: true }
                  ollama: { type: ollama, url: "%s", cloud: false }
                routes:
                  - model: smart
                    targets:
                      - { backend: cloud, model: gpt-4o }
                      - { backend: ollama, model: "llama3.1:8b" }
                breaker: { minimum_calls: 100, window: 100 }
                """.formatted(cloud.url("/v1"), ollama.url("")));
    }

    @Test
    void theCloudAnswersAnOllamaClientInOllamaLines() throws Exception {
        cloud.always(Reply.sse(OpenAiFixtures.streamOf("gpt-4o", "Cloud", " answer.")));
        TestGateway gw = gateway();

        HttpResponse<String> r = gw.post("/api/chat", "{\"model\":\"smart\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("application/x-ndjson");
        List<JsonNode> lines = lines(r.body());
        assertThat(text(lines)).isEqualTo("Cloud answer.");
        JsonNode last = lines.get(lines.size() - 1);
        assertThat(last.path("done").asBoolean()).isTrue();
        assertThat(last.path("done_reason").asText()).isEqualTo("stop");
        JsonNode sent = cloud.requests().get(0).bodyJson();
        assertThat(sent.path("model").asText()).isEqualTo("gpt-4o");
        assertThat(sent.path("stream").asBoolean()).as("Ollama streams unless told not to").isTrue();
        assertThat(ollama.requests()).isEmpty();
    }

    @Test
    void whenTheCloudFailsOllamasOwnLinesComeBackUnchanged() throws Exception {
        cloud.always(Reply.json(503, OpenAiFixtures.errorBody("down", "server_error", "unavailable")));
        ollama.always(Reply.ndjson(OLLAMA_STREAM.split("\n")));
        TestGateway gw = gateway();

        HttpResponse<String> r = gw.post("/api/chat", "{\"model\":\"smart\",\"keep_alive\":-1,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(OLLAMA_STREAM + "\n");
        RecordedRequest local = ollama.requests().get(0);
        assertThat(local.path()).isEqualTo("/api/chat");
        assertThat(local.bodyJson().path("model").asText()).isEqualTo("llama3.1:8b");
        assertThat(local.bodyJson().has("keep_alive")).as("rebuilt from what Lifeline understands: no model pinned forever").isFalse();
    }

    @Test
    void theBackendsKeepAliveAndOptionsAreSentNeverTheClients() throws Exception {
        cloud.always(Reply.resetImmediately());
        ollama.always(Reply.ndjson(OLLAMA_STREAM.split("\n")));
        TestGateway gw = upstreams.gateway("""
                backends:
                  cloud: { type: openai, url: "%s", cloud: true }
                  ollama: { type: ollama, url: "%s", cloud: false, keep_alive: 2h, options: { num_ctx: 8192, temperature: 0.2 } }
                routes:
                  - model: smart
                    targets:
                      - { backend: cloud, model: gpt-4o }
                      - { backend: ollama, model: "llama3.1:8b" }
                """.formatted(cloud.url("/v1"), ollama.url("")));

        HttpResponse<String> r = gw.post("/api/chat", "{\"model\":\"smart\",\"keep_alive\":0,\"options\":{\"num_ctx\":131072,"
                + "\"temperature\":0.9},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode sent = ollama.requests().get(0).bodyJson();
        assertThat(sent.path("keep_alive").asText()).isEqualTo("7200s");
        assertThat(sent.path("options").path("num_ctx").asInt()).as("the operator's, not the client's 131072").isEqualTo(8192);
        assertThat(sent.path("options").path("temperature").asDouble()).as("a sampling setting the client chose wins").isEqualTo(0.9);
    }

    @Test
    void generateIsAnsweredInGeneratesShape() throws Exception {
        cloud.always(Reply.json(200, OpenAiFixtures.chatCompletion("gpt-4o", "Four.")));
        TestGateway gw = gateway();

        HttpResponse<String> r = gw.post("/api/generate", "{\"model\":\"smart\",\"prompt\":\"2+2?\",\"stream\":false}");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("response").asText()).isEqualTo("Four.");
        assertThat(body.path("done").asBoolean()).isTrue();
        assertThat(cloud.requests().get(0).bodyJson().path("messages").path(0).path("content").asText()).isEqualTo("2+2?");
    }

    @Test
    void aBodyWithoutAJsonContentTypeIsReadAsOllamaReadsIt() throws Exception {
        // curl -d, as in Ollama's own docs, sends application/x-www-form-urlencoded
        cloud.always(Reply.json(200, OpenAiFixtures.chatCompletion("gpt-4o", "Hi.")));
        TestGateway gw = gateway();

        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(gw.url("/api/chat")))
                .header("content-type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"smart\",\"stream\":false,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(JSON.readTree(r.body()).path("message").path("content").asText()).isEqualTo("Hi.");
    }

    @Test
    void withoutALocalOllamaAnUnknownModelIsNamedAsSuch() throws Exception {
        TestGateway gw = gateway();

        HttpResponse<String> r = gw.post("/api/chat", "{\"model\":\"nope\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(r.body()).path("error").asText()).contains("no route for model 'nope'").contains("smart");
    }

    @Test
    void errorsAreInOllamasShape() throws Exception {
        TestGateway gw = gateway();

        HttpResponse<String> r = gw.post("/api/chat", "{\"model\":\"smart\",\"format\":\"json\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).path("error").asText()).contains("format");
    }

    @Test
    void withoutALocalOllamaTheTagsAreTheRouteNames() throws Exception {
        TestGateway gw = gateway();

        HttpResponse<String> r = gw.get("/api/tags");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode models = JSON.readTree(r.body()).path("models");
        assertThat(models).hasSize(1);
        assertThat(models.path(0).path("name").asText()).isEqualTo("smart");
    }

    private static List<JsonNode> lines(String body) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : body.split("\n")) {
            if (!line.isBlank()) {
                out.add(JSON.readTree(line));
            }
        }
        return out;
    }

    private static String text(List<JsonNode> lines) {
        StringBuilder b = new StringBuilder();
        lines.forEach(l -> b.append(l.path("message").path("content").asText("")));
        return b.toString();
    }
}
