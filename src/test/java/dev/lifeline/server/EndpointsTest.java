package dev.lifeline.server;

import dev.lifeline.testing.FakeUpstream;
import dev.lifeline.testing.Reply;
import dev.lifeline.testing.TestGateway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static dev.lifeline.testing.OpenAiFixtures.chatCompletion;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The gateway's own endpoints, and bad requests answered in the OpenAI error shape without reaching an upstream. */
class EndpointsTest {
    private FakeUpstream local;
    private TestGateway gw;

    @BeforeEach
    void start() {
        local = FakeUpstream.start();
        local.always(Reply.json(200, chatCompletion("llama3.1:8b", "local answer")));
        gw = TestGateway.start("""
                backends:
                  cloud: { type: openai, url: "http://127.0.0.1:%d/v1", cloud: true }
                  local: { type: openai, url: "%s", cloud: false }
                library:
                  backend: local
                  models: { general: "llama3.1:8b", code: "qwen2.5-coder:7b" }
                routes:
                  - model: gpt-4o
                    targets: [ { backend: cloud }, { task: general } ]
                  - model: cloud-only
                    targets: [ { backend: cloud } ]
                  - model: "*"
                    targets: [ { backend: local } ]
                limits: { max_body: 2KiB }
                breaker: { minimum_calls: 2, window: 2, open_for: 1m }
                """.formatted(FakeUpstream.deadPort(), local.url("/v1")));
    }

    @AfterEach
    void stop() {
        gw.close();
        local.close();
    }

    @Test
    void modelsListsTheNamesClientsCanAskFor() {
        HttpResponse<String> r = gw.get("/v1/models");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"object\":\"list\"").contains("\"id\":\"gpt-4o\"").contains("\"id\":\"general\"")
                .contains("\"id\":\"code\"").doesNotContain("\"id\":\"*\"");
    }

    @Test
    void libraryTasksAreModelNamesBeforeAnyGlob() {
        gw.chat("code", "write a loop");

        assertThat(local.requests().get(0).bodyJson().path("model").asText()).isEqualTo("qwen2.5-coder:7b");
    }

    @Test
    void readinessKnowsAnUnreachableBackend() {
        try (TestGateway checked = TestGateway.start("""
                backends:
                  cloud: { type: openai, url: "http://127.0.0.1:%d/v1", cloud: true }
                  local: { type: openai, url: "%s", cloud: false }
                routes:
                  - model: gpt-4o
                    targets: [ { backend: cloud }, { backend: local, model: "llama3.1:8b" } ]
                  - model: cloud-only
                    targets: [ { backend: cloud } ]
                health: { interval: 200ms, timeout: 1s }
                """.formatted(FakeUpstream.deadPort(), local.url("/v1")))) {
            assertThat(checked.get("/healthz").body()).isEqualTo("{\"status\":\"ok\"}");

            await().atMost(Duration.ofSeconds(5)).until(() -> checked.get("/readyz").statusCode() == 503);
            String body = checked.get("/readyz").body();
            assertThat(body).contains("\"status\":\"not ready\"")
                    .contains("\"cloud-only\":{\"usable\":[],\"down\":[\"cloud cloud-only (unreachable: connection refused)\"]}")
                    .contains("\"gpt-4o\":{\"usable\":[\"local llama3.1:8b\"]");
            assertThat(local.requests()).as("probes ask for the model list, spending no tokens")
                    .allSatisfy(r -> assertThat(r.method() + " " + r.path()).isEqualTo("GET /v1/models"));
        }
    }

    @Test
    void aBackendTheHealthCheckFoundDownIsSkippedWithoutWaitingForIt() {
        local.always(Reply.json(200, chatCompletion("llama3.1:8b", "from local")));
        try (TestGateway checked = TestGateway.start("""
                backends:
                  cloud: { type: openai, url: "http://127.0.0.1:%d/v1", cloud: true, retries: 2 }
                  local: { type: openai, url: "%s", cloud: false }
                routes:
                  - model: gpt-4o
                    targets: [ { backend: cloud }, { backend: local, model: "llama3.1:8b" } ]
                health: { interval: 200ms, timeout: 1s }
                """.formatted(FakeUpstream.deadPort(), local.url("/v1")))) {
            await().atMost(Duration.ofSeconds(5)).until(() -> checked.get("/readyz").body().contains("unreachable"));

            var r = checked.chat("gpt-4o", "hi");

            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("x-lifeline-attempts")).contains("1");
            assertThat(r.headers().firstValue("x-lifeline-failover").orElseThrow())
                    .contains("down at the last health check: unreachable: connection refused");
        }
    }

    @Test
    void whenEveryTargetIsKnownDownTheLastIsTriedAnyway() {
        try (TestGateway checked = TestGateway.start("""
                backends:
                  local: { type: openai, url: "http://127.0.0.1:%d/v1", cloud: false, retries: 0 }
                routes:
                  - model: m
                    targets: [ { backend: local, model: "llama3.1:8b" } ]
                health: { interval: 200ms, timeout: 1s }
                """.formatted(FakeUpstream.deadPort()))) {
            await().atMost(Duration.ofSeconds(5)).until(() -> checked.get("/readyz").body().contains("unreachable"));

            var r = checked.chat("m", "hi");

            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.headers().firstValue("x-lifeline-attempts")).as("tried, not skipped").contains("1");
        }
    }

    @Test
    void readinessKnowsAnOpenCircuit() {
        FakeUpstream failing = FakeUpstream.start();
        failing.always(Reply.json(500, "{\"error\":{\"message\":\"runner process has terminated\"}}"));
        try (TestGateway one = TestGateway.start("""
                backends:
                  local: { type: openai, url: "%s", cloud: false }
                routes:
                  - model: "llama3.1:8b"
                    targets: [ { backend: local } ]
                breaker: { minimum_calls: 2, window: 2, open_for: 1m }
                """.formatted(failing.url("/v1")))) {
            await().atMost(Duration.ofSeconds(5)).until(() -> one.get("/readyz").statusCode() == 200);

            one.chat("llama3.1:8b", "hi");

            HttpResponse<String> ready = one.get("/readyz");
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).contains("circuit open after HTTP 500");
        } finally {
            failing.close();
        }
    }

    @Test
    void metricsCountRequestsAndFailovers() {
        gw.chat("gpt-4o", "hi");

        String metrics = gw.get("/metrics").body();
        assertThat(metrics).contains("lifeline_requests_total{backend=\"local\",model=\"llama3.1:8b\",outcome=\"ok\",route=\"gpt-4o\",status=\"200\"} 1.0");
        assertThat(metrics).contains("lifeline_failovers_total{backend=\"cloud\",reason=\"connection refused\"} 1.0");
        assertThat(metrics).contains("lifeline_time_to_first_token_seconds_count{backend=\"local\"} 1");
        assertThat(metrics).contains("lifeline_requests_in_flight 0.0");
        assertThat(metrics).contains("lifeline_breaker_state{target=\"cloud/gpt-4o\"}");
    }

    @Test
    void requestIdIsEchoedOrCreated() {
        HttpResponse<String> own = send(HttpRequest.newBuilder(URI.create(gw.url("/healthz"))).header("x-request-id", "abc-123").GET().build());
        assertThat(own.headers().firstValue("x-request-id")).hasValue("abc-123");

        HttpResponse<String> made = gw.chat("gpt-4o", "hi");
        assertThat(made.headers().firstValue("x-request-id")).hasValueSatisfying(id -> assertThat(id).startsWith("req_"));
        assertThat(local.requests().get(0).header("x-request-id")).isEqualTo(made.headers().firstValue("x-request-id").orElseThrow());
    }

    @Test
    void badRequestsAreRefusedInTheOpenAiShape() {
        HttpResponse<String> notJson = gw.post("/v1/chat/completions", "{not json");
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(notJson.body()).contains("\"type\":\"invalid_request_error\"").contains("not valid JSON");

        HttpResponse<String> noModel = gw.post("/v1/chat/completions", "{\"messages\":[]}");
        assertThat(noModel.statusCode()).isEqualTo(400);
        assertThat(noModel.body()).contains("\"param\":\"model\"");

        HttpResponse<String> tooBig = gw.post("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"x\":\"" + "a".repeat(4000) + "\"}");
        assertThat(tooBig.statusCode()).isEqualTo(413);
        assertThat(tooBig.body()).contains("larger than 2048 bytes");

        HttpResponse<String> wrongType = send(HttpRequest.newBuilder(URI.create(gw.url("/v1/chat/completions")))
                .header("content-type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("{}")).build());
        assertThat(wrongType.statusCode()).isEqualTo(415);

        HttpResponse<String> wrongMethod = gw.get("/v1/chat/completions");
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(wrongMethod.headers().firstValue("allow")).hasValue("POST");

        HttpResponse<String> unknown = gw.get("/v2/whatever");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("\"error\"");

        assertThat(local.requests()).as("nothing reached an upstream").isEmpty();
        String metrics = gw.get("/metrics").body();
        assertThat(metrics).contains("lifeline_rejected_requests_total{status=\"400\"} 2.0")
                .contains("lifeline_rejected_requests_total{status=\"413\"} 1.0")
                .contains("lifeline_rejected_requests_total{status=\"415\"} 1.0")
                .contains("lifeline_rejected_requests_total{status=\"405\"} 1.0")
                .contains("lifeline_rejected_requests_total{status=\"404\"} 1.0");
    }

    private static HttpResponse<String> send(HttpRequest r) {
        try {
            return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(r, HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
