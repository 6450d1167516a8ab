package dev.lifeline.server;

import dev.lifeline.testing.FakeUpstream;
import dev.lifeline.testing.Reply;
import dev.lifeline.testing.TestGateway;
import dev.lifeline.testing.TestGateway.StreamResult;
import dev.lifeline.testing.Upstreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static dev.lifeline.testing.OpenAiFixtures.DONE;
import static dev.lifeline.testing.OpenAiFixtures.chatCompletion;
import static dev.lifeline.testing.OpenAiFixtures.chunk;
import static dev.lifeline.testing.OpenAiFixtures.errorBody;
import static dev.lifeline.testing.OpenAiFixtures.errorEvent;
import static dev.lifeline.testing.OpenAiFixtures.roleChunk;
import static dev.lifeline.testing.OpenAiFixtures.streamOf;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Edge cases found in review, each once a real defect: events left in a read after a call was dropped, a
 * continuation refused by a concurrency gate, a client leaving while its probe waits for a turn, provider text with
 * newlines, informational upstream responses.
 */
class EdgeCasesTest {
    @RegisterExtension
    final Upstreams upstreams = new Upstreams();
    private final FakeUpstream cloud = upstreams.cloud();
    private final FakeUpstream local = upstreams.local();

    /** In-band error followed by [DONE] in the same read: one failure, or two? */
    @Test
    void errorThenDoneInOneRead() throws Exception {
        cloud.enqueue(Reply.sse(roleChunk("gpt-4o"), errorEvent("Overloaded", "overloaded_error") + "\n\n" + DONE));
        cloud.always(Reply.sse(streamOf("gpt-4o", "cloud ", "ok")));
        local.always(Reply.sse(streamOf("llama", "local ", "ok")).withHeaderDelay(Duration.ofMillis(700)));
        TestGateway gw = upstreams.gateway("""
                backends:
                  cloud: { type: openai, url: "%s", cloud: true, max_concurrency: 8 }
                  local: { type: openai, url: "%s", cloud: false, max_concurrency: 1, max_queue: 1, queue_timeout: 1s }
                routes:
                  - model: gpt-4o
                    targets:
                      - { backend: cloud, model: gpt-4o }
                      - { backend: local, model: "llama" }
                  - model: lonly
                    targets:
                      - { backend: local, model: "llama" }
                breaker: { minimum_calls: 100, window: 100 }
                """.formatted(cloud.url("/v1"), local.url("/v1")));
        StreamResult r = gw.stream("gpt-4o", "hi");

        assertThat(r.text()).as("one failure, one retry on the cloud").isEqualTo("cloud ok");
        assertThat(cloud.requestCount()).isEqualTo(2);
        assertThat(local.requestCount()).isZero();
        Thread.sleep(300);
        StreamResult r2 = gw.stream("lonly", "hi");
        assertThat(r2.text()).as("no turn of the local gate was leaked").isEqualTo("local ok");
    }

    /** Client disconnects while its half-open probe waits for a gate turn. */
    @Test
    void cancelWhileQueuedLeaksHalfOpenPermit() throws Exception {
        // request 1 (model b): 503 -> opens b's breaker; request 2 (model a): slow OK, holds the gate; then b's probe queues
        local.enqueue(Reply.json(503, errorBody("down", "server_error", null)));
        local.enqueue(Reply.json(200, chatCompletion("a", "slow a")).withHeaderDelay(Duration.ofMillis(1500)));
        local.always(Reply.json(200, chatCompletion("b", "b is back")));
        TestGateway gw = upstreams.gateway("""
                backends:
                  local: { type: openai, url: "%s", cloud: false, retries: 0, max_concurrency: 1, max_queue: 4, queue_timeout: 5s }
                routes:
                  - model: "*"
                    targets: [ { backend: local } ]
                breaker: { minimum_calls: 1, window: 1, open_for: 200ms }
                """.formatted(local.url("/v1")));
        assertThat(gw.chat("b", "x").statusCode()).isEqualTo(503);
        Thread.sleep(300);
        Thread t = Thread.ofVirtual().start(() -> gw.chat("a", "x"));
        Thread.sleep(200);
        // raw client for b: send, then disconnect while queued
        try (Socket s = new Socket("127.0.0.1", java.net.URI.create(gw.url("/")).getPort())) {
            String body = TestGateway.chatBody("b", "x", false);
            s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: "
                    + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            Thread.sleep(200);
        }
        t.join();
        Thread.sleep(300);
        HttpResponse<String> again = gw.chat("b", "x");
        assertThat(again.statusCode()).as("the probe's permit came back with the client's leaving").isEqualTo(200);
        assertThat(again.body()).contains("b is back");
    }

    /** The continuation target's gate refuses: what does the client see? */
    @Test
    void continuationRefusedByGate() throws Exception {
        cloud.always(Reply.sse(roleChunk("gpt-4o"), chunk("gpt-4o", "The answer "), chunk("gpt-4o", "is"))
                .withEventInterval(Duration.ofMillis(300)).afterEvents(3, Reply.Fault.RESET));
        local.always(Reply.sse(streamOf("llama", "LOCAL")).withHeaderDelay(Duration.ofMillis(1500)));
        FakeUpstream spare = upstreams.another();
        spare.always(Reply.sse(streamOf("spare", "SPARE FULL ANSWER")));
        TestGateway gw = upstreams.gateway("""
                backends:
                  cloud: { type: openai, url: "%s", cloud: true }
                  local: { type: openai, url: "%s", cloud: false, max_concurrency: 1, max_queue: 0, queue_timeout: 1s }
                  spare: { type: openai, url: "%s", cloud: false }
                routes:
                  - model: gpt-4o
                    targets:
                      - { backend: cloud, model: gpt-4o }
                      - { backend: local, model: "llama", continuation: true }
                      - { backend: spare, model: "spare" }
                  - model: lonly
                    targets: [ { backend: local, model: "llama" } ]
                breaker: { minimum_calls: 100, window: 100 }
                """.formatted(cloud.url("/v1"), local.url("/v1"), spare.url("/v1")));
        Thread hog = Thread.ofVirtual().start(() -> gw.stream("lonly", "hog"));
        Thread.sleep(200);
        StreamResult r = gw.stream("gpt-4o", "hi");
        hog.join();

        assertThat(r.text()).isEqualTo("The answer is");
        assertThat(r.endedWithDone()).isFalse();
        assertThat(r.hasErrorEvent()).isTrue();
        assertThat(r.transportError()).isNull();
        assertThat(spare.requestCount()).as("no fresh answer glued to the partial one").isZero();
    }

    /** A provider error code with a newline ends up in x-lifeline-failover. */
    @Test
    void newlineInProviderCode() throws Exception {
        cloud.always(Reply.json(500, "{\"error\":{\"message\":\"m\",\"type\":\"t\",\"code\":\"bad\\ncode\"}}"));
        TestGateway gw = upstreams.gateway("""
                backends:
                  cloud: { type: openai, url: "%s", cloud: true, retries: 0 }
                  local: { type: openai, url: "%s", cloud: false }
                routes:
                  - model: gpt-4o
                    targets:
                      - { backend: cloud, model: gpt-4o }
                      - { backend: local, model: "llama" }
                """.formatted(cloud.url("/v1"), local.url("/v1")));
        local.always(Reply.sse(streamOf("llama", "local ", "ok")));
        StreamResult r = java.util.concurrent.CompletableFuture.supplyAsync(() -> gw.stream("gpt-4o", "hi"))
                .get(5, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(r.text()).isEqualTo("local ok");
        assertThat(r.header("x-lifeline-failover")).doesNotContain("\n").contains("cloud gpt-4o: HTTP 500");

        local.always(Reply.json(200, chatCompletion("llama", "local json")));
        var j = java.util.concurrent.CompletableFuture.supplyAsync(() -> gw.chat("gpt-4o", "hi")).get(5, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(j.statusCode()).isEqualTo(200);
        assertThat(j.body()).contains("local json");
    }

    /** An upstream that sends 103 Early Hints before its answer. */
    @Test
    void informationalResponseFromUpstream() throws Exception {
        try (java.net.ServerSocket ss = new java.net.ServerSocket(0)) {
            Thread srv = Thread.ofVirtual().start(() -> {
                try (Socket s = ss.accept()) {
                    InputStream in = s.getInputStream();
                    byte[] buf = new byte[65536];
                    in.read(buf);
                    String body = chatCompletion("m", "after hints");
                    OutputStream out = s.getOutputStream();
                    out.write(("HTTP/1.1 103 Early Hints\r\nLink: </x>; rel=preload\r\n\r\n").getBytes());
                    out.flush();
                    Thread.sleep(100);
                    out.write(("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: " + body.length() + "\r\n\r\n" + body).getBytes());
                    out.flush();
                    Thread.sleep(3000);
                } catch (Exception e) {
                    // the test's assertions tell what went wrong
                }
            });
            TestGateway gw = upstreams.gateway("""
                    backends:
                      one: { type: openai, url: "http://127.0.0.1:%d/v1", cloud: false, retries: 0, timeouts: { response: 2s } }
                    routes:
                      - model: m
                        targets: [ { backend: one } ]
                    """.formatted(ss.getLocalPort()));
            var r = gw.chat("m", "hi");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("after hints");
        }
    }

    /** Mid-stream error event + [DONE] in one read while the continuation target waits for a gate turn. */
    @Test
    void staleDoneAfterInterruption() throws Exception {
        cloud.always(Reply.sse(roleChunk("gpt-4o"), chunk("gpt-4o", "The answer "), errorEvent("boom", "server_error") + "\n\n" + DONE)
                .withEventInterval(Duration.ofMillis(100)));
        local.always(Reply.sse(streamOf("llama", "LOCAL")).withHeaderDelay(Duration.ofMillis(1000)));
        TestGateway gw = upstreams.gateway("""
                backends:
                  cloud: { type: openai, url: "%s", cloud: true }
                  local: { type: openai, url: "%s", cloud: false, max_concurrency: 1, max_queue: 2, queue_timeout: 5s }
                routes:
                  - model: gpt-4o
                    targets:
                      - { backend: cloud, model: gpt-4o }
                      - { backend: local, model: "llama", continuation: true }
                  - model: lonly
                    targets: [ { backend: local, model: "llama" } ]
                breaker: { minimum_calls: 100, window: 100 }
                """.formatted(cloud.url("/v1"), local.url("/v1")));
        Thread hog = Thread.ofVirtual().start(() -> gw.stream("lonly", "hog"));
        Thread.sleep(100);
        StreamResult r = gw.stream("gpt-4o", "hi");
        hog.join();

        assertThat(r.text()).as("the cloud's stale [DONE] is not the end: the continuation is").isEqualTo("The answer LOCAL");
        assertThat(r.endedWithDone()).isTrue();
        assertThat(r.hasErrorEvent()).isFalse();
        StreamResult r2 = java.util.concurrent.CompletableFuture.supplyAsync(() -> gw.stream("lonly", "again"))
                .get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(r2.text()).isEqualTo("LOCAL");
    }
}
