package dev.lifeline.server;

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
import static dev.lifeline.testing.OpenAiFixtures.errorBody;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Non-streamed requests through a cloud-first route with a fake cloud and a fake local upstream: what the client
 * receives, and what each upstream saw.
 */
class FailoverTest {
    @RegisterExtension
    final Upstreams upstreams = new Upstreams();
    private final FakeUpstream cloud = upstreams.cloud();
    private final FakeUpstream local = upstreams.local();
    private TestGateway gw;

    @BeforeEach
    void localAnswers() {
        local.always(Reply.json(200, chatCompletion("llama3.1:8b", "local answer")));
    }

    private void gateway(String cloudUrl) {
        gw = upstreams.gateway("""
                backends:
                  cloud: { type: openai, url: "%s", api_key: "sk-cloud-secret", cloud: true,
                           timeouts: { first_token: 400ms, response: 400ms } }
                  local: { type: openai, url: "%s", cloud: false }
                routes:
                  - model: gpt-4o
                    targets:
                      - { backend: cloud, model: gpt-4o }
                      - { backend: local, model: "llama3.1:8b" }
                breaker: { minimum_calls: 100, window: 100 }
                """.formatted(cloudUrl, local.url("/v1")));
    }

    @Test
    void cloudAnswersWhenHealthy() {
        cloud.always(Reply.json(200, chatCompletion("gpt-4o", "cloud answer")));
        gateway(cloud.url("/v1"));

        HttpResponse<String> r = gw.chat("gpt-4o", "hi");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("cloud answer");
        assertThat(r.headers().firstValue("x-lifeline-backend")).hasValue("cloud");
        assertThat(r.headers().firstValue("x-lifeline-attempts")).hasValue("1");
        assertThat(r.headers().firstValue("x-lifeline-failover")).isEmpty();
        RecordedRequest seen = cloud.takeRequest(Duration.ofSeconds(1));
        assertThat(seen.path()).isEqualTo("/v1/chat/completions");
        assertThat(seen.header("authorization")).isEqualTo("Bearer sk-cloud-secret");
        assertThat(local.requestCount()).isZero();
    }

    @Test
    void refusedConnectionIsRetriedOnceThenLocalServes() {
        gateway("http://127.0.0.1:" + FakeUpstream.deadPort() + "/v1");

        HttpResponse<String> r = gw.chat("gpt-4o", "hi");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("local answer").contains("\"model\":\"llama3.1:8b\"");
        assertThat(r.headers().firstValue("x-lifeline-backend")).hasValue("local");
        assertThat(r.headers().firstValue("x-lifeline-model")).hasValue("llama3.1:8b");
        assertThat(r.headers().firstValue("x-lifeline-attempts")).hasValue("3");
        assertThat(r.headers().firstValue("x-lifeline-failover")).hasValue("cloud gpt-4o: connection refused");
        RecordedRequest seen = local.takeRequest(Duration.ofSeconds(1));
        assertThat(seen.bodyJson().path("model").asText()).isEqualTo("llama3.1:8b");
        assertThat(seen.header("authorization")).as("the client's key never reaches an upstream").isNull();
        assertThat(seen.header("host")).isEqualTo("localhost:" + local.port());
    }

    @Test
    void serverErrorIsRetriedOnceWithBackoff() {
        cloud.enqueue(Reply.json(500, errorBody("boom", "server_error", null)));
        cloud.enqueue(Reply.json(200, chatCompletion("gpt-4o", "cloud answer")));
        gateway(cloud.url("/v1"));

        HttpResponse<String> r = gw.chat("gpt-4o", "hi");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("cloud answer");
        assertThat(r.headers().firstValue("x-lifeline-attempts")).hasValue("2");
        List<RecordedRequest> seen = cloud.requests();
        assertThat(seen).hasSize(2);
        long gapMs = (seen.get(1).receivedAtNanos() - seen.get(0).receivedAtNanos()) / 1_000_000;
        assertThat(gapMs).as("backoff between the two attempts").isBetween(150L, 2_000L);
        assertThat(local.requestCount()).isZero();
    }

    @Test
    void serviceUnavailableForeverFailsOverAfterOneRetry() {
        cloud.always(Reply.json(503, errorBody("overloaded", "server_error", null)));
        gateway(cloud.url("/v1"));

        HttpResponse<String> r = gw.chat("gpt-4o", "hi");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("local answer");
        assertThat(cloud.requestCount()).isEqualTo(2);
        assertThat(r.headers().firstValue("x-lifeline-failover")).hasValue("cloud gpt-4o: HTTP 503 server_error");
    }

    @Test
    void shortRetryAfterIsHonouredOnTheSameTarget() {
        cloud.enqueue(Reply.json(429, errorBody("slow down", "rate_limit_error", "rate_limit_exceeded")).withHeader("retry-after", "1"));
        cloud.enqueue(Reply.json(200, chatCompletion("gpt-4o", "cloud answer")));
        gateway(cloud.url("/v1"));

        HttpResponse<String> r = gw.chat("gpt-4o", "hi");

        assertThat(r.body()).contains("cloud answer");
        List<RecordedRequest> seen = cloud.requests();
        assertThat(seen).hasSize(2);
        long gapMs = (seen.get(1).receivedAtNanos() - seen.get(0).receivedAtNanos()) / 1_000_000;
        assertThat(gapMs).isBetween(950L, 3_000L);
    }

    @Test
    void longRetryAfterGoesLocalAtOnceAndKeepsTheCloudCool() {
        cloud.always(Reply.json(429, errorBody("slow down", "rate_limit_error", "rate_limit_exceeded")).withHeader("retry-after", "30"));
        gateway(cloud.url("/v1"));

        HttpResponse<String> first = gw.chat("gpt-4o", "hi");
        HttpResponse<String> second = gw.chat("gpt-4o", "again");

        assertThat(first.body()).contains("local answer");
        assertThat(second.body()).contains("local answer");
        assertThat(cloud.requestCount()).as("the second request skips the cooling cloud").isEqualTo(1);
        assertThat(second.headers().firstValue("x-lifeline-failover")).hasValueSatisfying(v -> assertThat(v).contains("circuit open"));
    }

    @Test
    void resetBeforeHeadersIsRetriedOnceThenLocalServes() {
        cloud.always(Reply.resetImmediately());
        gateway(cloud.url("/v1"));

        HttpResponse<String> r = gw.chat("gpt-4o", "hi");

        assertThat(r.body()).contains("local answer");
        assertThat(cloud.requestCount()).isEqualTo(2);
    }

    @Test
    void silentCloudIsNeverRetried() {
        cloud.always(Reply.silent());
        gateway(cloud.url("/v1"));

        long start = System.nanoTime();
        HttpResponse<String> r = gw.chat("gpt-4o", "hi");
        long tookMs = (System.nanoTime() - start) / 1_000_000;

        assertThat(r.body()).contains("local answer");
        assertThat(cloud.requestCount()).isEqualTo(1);
        assertThat(tookMs).as("one timeout (400 ms), not several").isBetween(350L, 1_500L);
        assertThat(r.headers().firstValue("x-lifeline-failover")).hasValue("cloud gpt-4o: response timeout");
    }

    @Test
    void contentPolicyErrorIsReturnedUnchanged() {
        String body = errorBody("Your request was rejected by the safety system.", "invalid_request_error", "content_policy_violation");
        cloud.always(Reply.json(400, body));
        gateway(cloud.url("/v1"));

        HttpResponse<String> r = gw.chat("gpt-4o", "hi");

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).isEqualTo(body);
        assertThat(local.requestCount()).isZero();
        assertThat(cloud.requestCount()).isEqualTo(1);
    }

    @Test
    void errorObjectInsideA200FailsOver() {
        cloud.always(Reply.json(200, "{\"error\":{\"message\":\"Network connection lost.\",\"type\":\"server_error\"}}"));
        gateway(cloud.url("/v1"));

        HttpResponse<String> r = gw.chat("gpt-4o", "hi");

        assertThat(r.body()).contains("local answer");
        assertThat(cloud.requestCount()).isEqualTo(2);
    }

    @Test
    void credentialsRefusedByTheCloudFailOver() {
        cloud.always(Reply.json(401, errorBody("Incorrect API key provided", "invalid_request_error", "invalid_api_key")));
        gateway(cloud.url("/v1"));

        HttpResponse<String> r = gw.chat("gpt-4o", "hi");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("local answer").doesNotContain("sk-cloud-secret");
        assertThat(cloud.requestCount()).isEqualTo(1);
    }

    @Test
    void everyTargetFailingGivesOneClearError() {
        cloud.always(Reply.json(503, errorBody("overloaded", "server_error", null)));
        local.always(Reply.json(500, errorBody("runner process has terminated", "api_error", null)));
        gateway(cloud.url("/v1"));

        HttpResponse<String> r = gw.chat("gpt-4o", "hi");

        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("x-should-retry")).hasValue("false");
        assertThat(r.body()).contains("every target failed: cloud gpt-4o: HTTP 503 server_error (2 attempts); local llama3.1:8b: HTTP 500 api_error (2 attempts)")
                .doesNotContain("runner process");
    }

    @Test
    void unknownModelIsA404NamingTheRoutes() {
        gateway(cloud.url("/v1"));

        HttpResponse<String> r = gw.chat("claude-3", "hi");

        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(r.body()).contains("no route for model 'claude-3'").contains("gpt-4o").contains("\"code\":\"model_not_found\"");
    }
}
