package dev.lifeline.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lifeline.testing.FakeUpstream;
import dev.lifeline.testing.RecordedRequest;
import dev.lifeline.testing.Reply;
import dev.lifeline.testing.TestGateway;
import dev.lifeline.testing.Upstreams;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import static dev.lifeline.testing.OpenAiFixtures.chatCompletion;
import static dev.lifeline.testing.OpenAiFixtures.embeddings;
import static dev.lifeline.testing.OpenAiFixtures.errorBody;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Breakers, contingency mode, per-target system prompts, context windows, embeddings. */
class RoutingFeaturesTest {
    @RegisterExtension
    final Upstreams upstreams = new Upstreams();
    private final FakeUpstream cloud = upstreams.cloud();
    private final FakeUpstream local = upstreams.local();
    private TestGateway gw;

    @BeforeEach
    void localAnswers() {
        local.always(Reply.json(200, chatCompletion("llama3.1:8b", "local answer")));
    }

    private void gateway(String extra) {
        gw = upstreams.gateway("""
                backends:
                  cloud: { type: openai, url: "%s", cloud: true }
                  local: { type: openai, url: "%s", cloud: false }
                routes:
                  - model: gpt-4o
                    targets:
                      - { backend: cloud, model: gpt-4o }
                      - { backend: local, model: "llama3.1:8b", system_prompt: "Answer directly." }
                """.formatted(cloud.url("/v1"), local.url("/v1")) + extra);
    }

    @Test
    void breakerSkipsADownCloudThenTrafficReturnsByItself() {
        cloud.always(Reply.json(503, errorBody("down", "server_error", null)));
        gateway("breaker: { minimum_calls: 2, window: 4, open_for: 500ms }\n");

        assertThat(gw.chat("gpt-4o", "1").body()).contains("local answer");
        assertThat(cloud.requestCount()).isEqualTo(2);

        HttpResponse<String> skipped = gw.chat("gpt-4o", "2");
        assertThat(skipped.body()).contains("local answer");
        assertThat(cloud.requestCount()).as("open circuit: zero attempts").isEqualTo(2);
        assertThat(skipped.headers().firstValue("x-lifeline-failover")).hasValueSatisfying(v -> assertThat(v).contains("circuit open after HTTP 503"));
        assertThat(skipped.headers().firstValue("x-lifeline-attempts")).hasValue("1");
        assertThat(gw.get("/admin/breakers").body()).contains("\"cloud/gpt-4o\":{\"state\":\"open\"");

        cloud.always(Reply.json(200, chatCompletion("gpt-4o", "cloud is back")));
        await().pollDelay(Duration.ofMillis(550)).atMost(Duration.ofSeconds(3))
                .until(() -> gw.chat("gpt-4o", "probe").body().contains("cloud is back"));
        assertThat(gw.chat("gpt-4o", "3").headers().firstValue("x-lifeline-backend")).hasValue("cloud");
        assertThat(gw.get("/admin/breakers").body()).contains("\"cloud/gpt-4o\":{\"state\":\"closed\"");
    }

    @Test
    void contingencyModeSendsEverythingLocal() {
        cloud.always(Reply.json(200, chatCompletion("gpt-4o", "cloud answer")));
        gateway("");

        assertThat(gw.post("/admin/contingency", "{\"enabled\":true}").body()).isEqualTo("{\"contingency\":true}");
        HttpResponse<String> r = gw.chat("gpt-4o", "hi");

        assertThat(r.body()).contains("local answer");
        assertThat(r.headers().firstValue("x-lifeline-mode")).hasValue("contingency");
        assertThat(r.headers().firstValue("x-lifeline-attempts")).hasValue("1");
        assertThat(cloud.requestCount()).isZero();
        assertThat(gw.get("/metrics").body()).contains("lifeline_contingency_mode 1.0");

        gw.post("/admin/contingency", "{\"enabled\":false}");
        HttpResponse<String> after = gw.chat("gpt-4o", "hi");
        assertThat(after.headers().firstValue("x-lifeline-backend")).hasValue("cloud");
        assertThat(after.headers().firstValue("x-lifeline-mode")).hasValue("normal");
    }

    @Test
    void contingencyFromTheConfigFileAndACloudOnlyRoute() {
        gw = upstreams.gateway("""
                contingency: true
                backends:
                  cloud: { type: openai, url: "%s", cloud: true }
                routes:
                  - model: gpt-4o
                    targets: [ { backend: cloud } ]
                """.formatted(cloud.url("/v1")));

        HttpResponse<String> r = gw.chat("gpt-4o", "hi");

        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.body()).contains("contingency mode is on and route 'gpt-4o' has no local target");
        assertThat(cloud.requestCount()).isZero();
        assertThat(gw.get("/readyz").statusCode()).isEqualTo(503);
    }

    @Test
    void systemPromptIsAppliedOnlyWhereItsTargetServes() {
        cloud.enqueue(Reply.json(200, chatCompletion("gpt-4o", "cloud answer")));
        cloud.always(Reply.resetImmediately());
        gateway("");

        gw.post("/v1/chat/completions", """
                {"model":"gpt-4o","messages":[{"role":"system","content":"Be nice."},{"role":"user","content":"hi"}],"temperature":0.70,"tools":[{"type":"function","function":{"name":"f","parameters":{}}}]}""");
        RecordedRequest toCloud = cloud.takeRequest(Duration.ofSeconds(1));
        assertThat(toCloud.bodyText()).as("passed through byte for byte but for nothing: same model name")
                .isEqualTo("""
                        {"model":"gpt-4o","messages":[{"role":"system","content":"Be nice."},{"role":"user","content":"hi"}],"temperature":0.70,"tools":[{"type":"function","function":{"name":"f","parameters":{}}}]}""");

        gw.post("/v1/chat/completions", """
                {"model":"gpt-4o","messages":[{"role":"system","content":"Be nice."},{"role":"user","content":"hi"}],"temperature":0.70}""");
        JsonNode toLocal = local.takeRequest(Duration.ofSeconds(1)).bodyJson();
        assertThat(toLocal.path("model").asText()).isEqualTo("llama3.1:8b");
        assertThat(toLocal.path("messages").get(0).path("content").asText()).isEqualTo("Answer directly.");
        assertThat(toLocal.path("messages").get(1).path("content").asText()).isEqualTo("Be nice.");
        assertThat(toLocal.path("temperature").decimalValue()).isEqualByComparingTo("0.70");
    }

    @Test
    void contextLengthErrorGoesOnlyToALargerWindow() {
        cloud.always(Reply.json(400, errorBody("This model's maximum context length is 8192 tokens.", "invalid_request_error", "context_length_exceeded")));
        FakeUpstream big = upstreams.another();
        big.always(Reply.json(200, chatCompletion("qwen2.5:14b", "long-context answer")));
        gw = upstreams.gateway("""
                backends:
                  cloud: { type: openai, url: "%s", cloud: true }
                  local: { type: openai, url: "%s", cloud: false }
                  big:   { type: openai, url: "%s", cloud: false }
                routes:
                  - model: gpt-4o
                    targets:
                      - { backend: cloud, model: gpt-4o, context_window: 8192 }
                      - { backend: local, model: "llama3.1:8b", context_window: 4096 }
                      - { backend: big, model: "qwen2.5:14b", context_window: 131072 }
                  - model: small
                    targets:
                      - { backend: cloud, model: gpt-4o, context_window: 8192 }
                      - { backend: local, model: "llama3.1:8b", context_window: 4096 }
                """.formatted(cloud.url("/v1"), local.url("/v1"), big.url("/v1")));

        HttpResponse<String> r = gw.chat("gpt-4o", "a very long prompt");
        assertThat(r.body()).contains("long-context answer");
        assertThat(local.requestCount()).isZero();
        assertThat(cloud.requestCount()).as("never the same model again").isEqualTo(1);

        HttpResponse<String> none = gw.chat("small", "a very long prompt");
        assertThat(none.statusCode()).isEqualTo(400);
        assertThat(none.body()).contains("context_length_exceeded");
        assertThat(local.requestCount()).isZero();
    }

    @Test
    void embeddingsFailOverToo() {
        cloud.always(Reply.json(502, errorBody("bad gateway", "server_error", null)));
        local.always(Reply.json(200, embeddings("nomic-embed-text", 2)));
        gw = upstreams.gateway("""
                backends:
                  cloud: { type: openai, url: "%s", cloud: true }
                  local: { type: openai, url: "%s", cloud: false }
                routes:
                  - model: "text-embedding-*"
                    targets:
                      - { backend: cloud }
                      - { backend: local, model: nomic-embed-text }
                """.formatted(cloud.url("/v1"), local.url("/v1")));

        HttpResponse<String> r = gw.post("/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":[\"a\",\"b\"]}");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"embedding\"");
        assertThat(cloud.takeRequest(Duration.ofSeconds(1)).path()).isEqualTo("/v1/embeddings");
        RecordedRequest toLocal = local.takeRequest(Duration.ofSeconds(1));
        assertThat(toLocal.path()).isEqualTo("/v1/embeddings");
        assertThat(toLocal.bodyJson().path("model").asText()).isEqualTo("nomic-embed-text");
        assertThat(toLocal.bodyJson().path("messages").isMissingNode()).as("no system prompt in embeddings").isTrue();
    }

    @Test
    void prewarmLoadsTheLocalModelAtStart() {
        gw = upstreams.gateway("""
                backends:
                  local: { type: openai, url: "%s", cloud: false }
                routes:
                  - model: gpt-4o
                    targets: [ { backend: local, model: "llama3.1:8b", prewarm: true } ]
                """.formatted(local.url("/v1")));

        RecordedRequest warm = local.takeRequest(Duration.ofSeconds(3));

        assertThat(warm.path()).isEqualTo("/v1/chat/completions");
        assertThat(warm.bodyJson().path("model").asText()).isEqualTo("llama3.1:8b");
        assertThat(warm.bodyJson().path("max_tokens").asInt()).isEqualTo(1);
    }

    @Test
    void aBackendsConcurrencyCapQueuesThenOverflowsToTheNextTarget() throws Exception {
        local.always(Reply.json(200, chatCompletion("llama3.1:8b", "local answer")).withHeaderDelay(Duration.ofMillis(600)));
        FakeUpstream spare = upstreams.another();
        spare.always(Reply.json(200, chatCompletion("mistral:7b", "spare answer")));
        gw = upstreams.gateway("""
                backends:
                  local: { type: openai, url: "%s", cloud: false, max_concurrency: 1, max_queue: 1, queue_timeout: 5s }
                  spare: { type: openai, url: "%s", cloud: false }
                routes:
                  - model: gpt-4o
                    targets: [ { backend: local, model: "llama3.1:8b" }, { backend: spare, model: "mistral:7b" } ]
                """.formatted(local.url("/v1"), spare.url("/v1")));

        List<java.util.concurrent.Future<HttpResponse<String>>> answers = new java.util.ArrayList<>();
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 3; i++) {
                answers.add(pool.submit(() -> gw.chat("gpt-4o", "hi")));
                Thread.sleep(100); // in order: one in flight, one waiting, one over the limit
            }
        }
        List<String> bodies = new java.util.ArrayList<>();
        for (var a : answers) {
            assertThat(a.get().statusCode()).isEqualTo(200);
            bodies.add(a.get().body());
        }

        assertThat(bodies.get(0)).contains("local answer");
        assertThat(bodies.get(1)).as("waited for its turn").contains("local answer");
        assertThat(bodies.get(2)).as("queue full: next target").contains("spare answer");
        List<RecordedRequest> seen = local.requests();
        assertThat(seen).hasSize(2);
        long gapMs = (seen.get(1).receivedAtNanos() - seen.get(0).receivedAtNanos()) / 1_000_000;
        assertThat(gapMs).as("the second request reached the backend only after the first finished").isGreaterThanOrEqualTo(550);
        assertThat(gw.chat("gpt-4o", "again").body()).as("every turn was given back").contains("local answer");
    }

    @Test
    void maxTokensIsClampedSoNoRequestPinsAGpu() {
        gw = upstreams.gateway("""
                backends:
                  local: { type: openai, url: "%s", cloud: false }
                routes:
                  - model: "*"
                    targets: [ { backend: local } ]
                limits: { max_tokens: 512 }
                """.formatted(local.url("/v1")));

        gw.post("/v1/chat/completions", "{\"model\":\"m\",\"messages\":[],\"max_tokens\":100000}");
        gw.post("/v1/chat/completions", "{\"model\":\"m\",\"messages\":[]}");
        gw.post("/v1/chat/completions", "{\"model\":\"m\",\"messages\":[],\"max_completion_tokens\":-1}");
        gw.post("/v1/chat/completions", "{\"model\":\"m\",\"messages\":[],\"max_tokens\":64}");

        List<RecordedRequest> seen = local.requests();
        assertThat(seen.get(0).bodyJson().path("max_tokens").asInt()).isEqualTo(512);
        assertThat(seen.get(1).bodyJson().path("max_tokens").asInt()).as("absent: set").isEqualTo(512);
        assertThat(seen.get(2).bodyJson().path("max_completion_tokens").asInt()).isEqualTo(512);
        assertThat(seen.get(3).bodyText()).as("within the limit: untouched").isEqualTo("{\"model\":\"m\",\"messages\":[],\"max_tokens\":64}");
    }
}
