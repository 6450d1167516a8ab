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
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

/** Embeddings across OpenAI's /v1/embeddings and Ollama's /api/embed, both ways; Claude has none and is skipped. */
class CrossDialectEmbeddingsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OLLAMA_EMBED = "{\"model\":\"nomic-embed-text\",\"embeddings\":[[0.25,-0.5,0.125],[1.0,0.0,-1.0]],"
            + "\"total_duration\":14143917,\"load_duration\":1019500,\"prompt_eval_count\":8}";

    @RegisterExtension
    final Upstreams upstreams = new Upstreams();
    private final FakeUpstream cloud = upstreams.cloud();
    private final FakeUpstream ollama = upstreams.local();

    private TestGateway gateway(String cloudType) {
        return upstreams.gateway("""
                backends:
                  cloud: { type: %s, url: "%s", cloud: true }
                  ollama: { type: ollama, url: "%s", cloud: false }
                routes:
                  - model: embed
                    targets:
                      - { backend: cloud, model: text-embedding-3-small }
                      - { backend: ollama, model: nomic-embed-text }
                breaker: { minimum_calls: 100, window: 100 }
                """.formatted(cloudType, cloud.url("/v1"), ollama.url("")));
    }

    @Test
    void anOpenAiClientGetsOllamasVectorsInOpenAisShape() throws Exception {
        cloud.always(Reply.json(503, OpenAiFixtures.errorBody("down", "server_error", "unavailable")));
        ollama.always(Reply.json(200, OLLAMA_EMBED));
        TestGateway gw = gateway("openai");

        HttpResponse<String> r = gw.post("/v1/embeddings", "{\"model\":\"embed\",\"input\":[\"first\",\"second\"]}");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("object").asText()).isEqualTo("list");
        assertThat(body.path("data")).hasSize(2);
        assertThat(body.path("data").path(1).path("index").asInt()).isEqualTo(1);
        assertThat(body.path("data").path(0).path("embedding").path(1).asDouble()).isEqualTo(-0.5);
        assertThat(body.path("usage").path("prompt_tokens").asInt()).isEqualTo(8);
        RecordedRequest seen = ollama.requests().get(0);
        assertThat(seen.path()).isEqualTo("/api/embed");
        assertThat(seen.bodyJson().path("model").asText()).isEqualTo("nomic-embed-text");
        assertThat(seen.bodyJson().path("input").path(1).asText()).isEqualTo("second");
    }

    @Test
    void anOllamaClientGetsTheCloudsVectorsInOllamasShape() throws Exception {
        cloud.always(Reply.json(200, OpenAiFixtures.embeddings("text-embedding-3-small", 1)));
        TestGateway gw = gateway("openai");

        HttpResponse<String> r = gw.post("/api/embed", "{\"model\":\"embed\",\"input\":\"hello\"}");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.path("embeddings")).hasSize(1);
        assertThat(body.path("embeddings").path(0).size()).isPositive();
        assertThat(cloud.requests().get(0).path()).isEqualTo("/v1/embeddings");
        assertThat(cloud.requests().get(0).bodyJson().path("input").path(0).asText()).isEqualTo("hello");
        assertThat(ollama.requests()).isEmpty();
    }

    @Test
    void theSdksBase64VectorsAndTheBackendsSettingsCrossToo() throws Exception {
        // the official SDKs ask for base64 unless told otherwise
        ollama.always(Reply.json(200, OLLAMA_EMBED));
        TestGateway gw = upstreams.gateway("""
                backends:
                  ollama: { type: ollama, url: "%s", cloud: false, keep_alive: 30m, options: { num_ctx: 2048 } }
                routes:
                  - model: embed
                    targets: [ { backend: ollama, model: nomic-embed-text } ]
                """.formatted(ollama.url("")));

        HttpResponse<String> r = gw.post("/v1/embeddings", "{\"model\":\"embed\",\"input\":[\"a\",\"b\"],\"encoding_format\":\"base64\"}");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        byte[] raw = Base64.getDecoder().decode(JSON.readTree(r.body()).path("data").path(0).path("embedding").asText());
        FloatBuffer floats = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        assertThat(floats.remaining()).isEqualTo(3);
        assertThat(floats.get(1)).isEqualTo(-0.5f);
        JsonNode sent = ollama.requests().get(0).bodyJson();
        assertThat(sent.path("keep_alive").asText()).isEqualTo("1800s");
        assertThat(sent.path("options").path("num_ctx").asInt()).isEqualTo(2048);
    }

    @Test
    void claudeHasNoEmbeddingsSoItIsSkipped() throws Exception {
        ollama.always(Reply.json(200, OLLAMA_EMBED));
        TestGateway gw = gateway("anthropic");

        HttpResponse<String> r = gw.post("/v1/embeddings", "{\"model\":\"embed\",\"input\":\"hello\"}");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(cloud.requests()).isEmpty();
        assertThat(r.headers().firstValue("x-lifeline-backend")).hasValue("ollama");
    }

    @Test
    void tokenArraysCannotBeTranslatedAndSaySo() throws Exception {
        TestGateway gw = upstreams.gateway("""
                backends:
                  ollama: { type: ollama, url: "%s", cloud: false }
                routes:
                  - model: embed
                    targets: [ { backend: ollama, model: nomic-embed-text } ]
                """.formatted(ollama.url("")));

        HttpResponse<String> r = gw.post("/v1/embeddings", "{\"model\":\"embed\",\"input\":[[101,2023]]}");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).path("error").path("param").asText()).isEqualTo("input[0]");
        assertThat(ollama.requests()).isEmpty();
    }
}
