package dev.lifeline.server;

import dev.lifeline.testing.FakeUpstream;
import dev.lifeline.testing.RecordedRequest;
import dev.lifeline.testing.Reply;
import dev.lifeline.testing.TestGateway;
import dev.lifeline.testing.Upstreams;
import dev.lifeline.testing.TestGateway.StreamResult;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static dev.lifeline.testing.OpenAiFixtures.DONE;
import static dev.lifeline.testing.OpenAiFixtures.chunk;
import static dev.lifeline.testing.OpenAiFixtures.errorBody;
import static dev.lifeline.testing.OpenAiFixtures.errorEvent;
import static dev.lifeline.testing.OpenAiFixtures.finishChunk;
import static dev.lifeline.testing.OpenAiFixtures.roleChunk;
import static dev.lifeline.testing.OpenAiFixtures.streamOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Streamed answers: the commit point, and what happens to a stream that breaks before and after it. A client must
 * get either a complete answer or an explicit error, never a truncated answer that looks finished.
 */
class StreamingTest {
    @RegisterExtension
    final Upstreams upstreams = new Upstreams();
    private final FakeUpstream cloud = upstreams.cloud();
    private final FakeUpstream local = upstreams.local();
    private TestGateway gw;

    @BeforeEach
    void localAnswers() {
        local.always(Reply.sse(streamOf("llama3.1:8b", "Local ", "answer.")));
    }

    private void gateway(boolean localContinues) {
        gw = upstreams.gateway("""
                backends:
                  cloud: { type: openai, url: "%s", cloud: true, timeouts: { first_token: 500ms, idle: 400ms } }
                  local: { type: openai, url: "%s", cloud: false }
                routes:
                  - model: gpt-4o
                    targets:
                      - { backend: cloud, model: gpt-4o }
                      - { backend: local, model: "llama3.1:8b", continuation: %s }
                breaker: { minimum_calls: 100, window: 100 }
                """.formatted(cloud.url("/v1"), local.url("/v1"), localContinues));
    }

    @Test
    void healthyCloudStreamPassesThroughUntouched() {
        cloud.always(Reply.sse(streamOf("gpt-4o", "Hello", " world")));
        gateway(false);

        StreamResult r = gw.stream("gpt-4o", "hi");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("content-type")).startsWith("text/event-stream");
        assertThat(r.header("x-lifeline-backend")).isEqualTo("cloud");
        assertThat(r.text()).isEqualTo("Hello world");
        assertThat(r.endedWithDone()).isTrue();
        assertThat(r.events()).hasSize(streamOf("gpt-4o", "Hello", " world").length);
        RecordedRequest seen = cloud.takeRequest(Duration.ofSeconds(1));
        assertThat(seen.header("accept")).isEqualTo("text/event-stream");
    }

    @Test
    void failureBeforeTheFirstTokenIsInvisible() {
        cloud.always(Reply.sse(roleChunk("gpt-4o")).afterEvents(1, Reply.Fault.RESET));
        gateway(false);

        StreamResult r = gw.stream("gpt-4o", "hi");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("x-lifeline-backend")).isEqualTo("local");
        assertThat(r.text()).isEqualTo("Local answer.");
        assertThat(r.endedWithDone()).isTrue();
        assertThat(r.events().stream().filter(e -> e.contains("\"role\"")).count()).as("one role announcement only").isEqualTo(1);
    }

    @Test
    void slowFirstTokenFailsOverWithoutRetry() {
        cloud.always(Reply.sse(streamOf("gpt-4o", "late")).withHeaderDelay(Duration.ofMillis(1500)));
        gateway(false);

        StreamResult r = gw.stream("gpt-4o", "hi");

        assertThat(r.text()).isEqualTo("Local answer.");
        assertThat(r.totalMillis()).isLessThan(1400);
        assertThat(cloud.requestCount()).isEqualTo(1);
    }

    @Test
    void headersWithoutTokensCountAsSilence() {
        cloud.always(Reply.sse(roleChunk("gpt-4o"), chunk("gpt-4o", "late")).withEventInterval(Duration.ofMillis(1500)));
        gateway(false);

        StreamResult r = gw.stream("gpt-4o", "hi");

        assertThat(r.text()).isEqualTo("Local answer.");
        assertThat(r.header("x-lifeline-failover")).isEqualTo("cloud gpt-4o: first-token timeout");
    }

    @Test
    void inBandErrorBeforeContentFailsOver() {
        cloud.always(Reply.sse(roleChunk("gpt-4o"), errorEvent("Overloaded", "overloaded_error")));
        gateway(false);

        StreamResult r = gw.stream("gpt-4o", "hi");

        assertThat(r.text()).isEqualTo("Local answer.");
        assertThat(r.hasErrorEvent()).isFalse();
    }

    @Test
    void malformedChunkBeforeContentFailsOver() {
        cloud.always(Reply.sse(roleChunk("gpt-4o"), "data: {not json"));
        gateway(false);

        StreamResult r = gw.stream("gpt-4o", "hi");

        assertThat(r.text()).isEqualTo("Local answer.");
        assertThat(r.header("x-lifeline-failover")).isEqualTo("cloud gpt-4o: malformed response");
    }

    @Test
    void cutAfterCommitEndsWithAnErrorNeverWithDone() {
        cloud.always(Reply.sse(roleChunk("gpt-4o"), chunk("gpt-4o", "The answer "), chunk("gpt-4o", "is"))
                .afterEvents(3, Reply.Fault.RESET));
        gateway(false);

        StreamResult r = gw.stream("gpt-4o", "hi");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.text()).isEqualTo("The answer is");
        assertThat(r.endedWithDone()).isFalse();
        assertThat(r.hasErrorEvent()).isTrue();
        assertThat(r.events().get(r.events().size() - 1)).contains("interrupted").contains("cloud gpt-4o").contains("lifeline_stream_interrupted");
        assertThat(local.requestCount()).as("no continuation target").isZero();
    }

    @Test
    void cutAfterCommitContinuesOnATargetThatSupportsPrefill() {
        cloud.always(Reply.sse(roleChunk("gpt-4o"), chunk("gpt-4o", "The answer "), chunk("gpt-4o", "is"))
                .afterEvents(3, Reply.Fault.RESET));
        local.always(Reply.sse(streamOf("llama3.1:8b", " 42.")));
        gateway(true);

        StreamResult r = gw.stream("gpt-4o", "hi");

        assertThat(r.text()).isEqualTo("The answer is 42.");
        assertThat(r.endedWithDone()).isTrue();
        assertThat(r.hasErrorEvent()).isFalse();
        RecordedRequest cont = local.takeRequest(Duration.ofSeconds(1));
        var messages = cont.bodyJson().path("messages");
        var last = messages.get(messages.size() - 1);
        assertThat(last.path("role").asText()).isEqualTo("assistant");
        assertThat(last.path("content").asText()).isEqualTo("The answer is");
    }

    @Test
    void refusedContinuationReportsTheOriginalFailure() {
        cloud.always(Reply.sse(roleChunk("gpt-4o"), chunk("gpt-4o", "The answer "))
                .afterEvents(2, Reply.Fault.RESET));
        local.always(Reply.json(400, errorBody("prefill not supported", "invalid_request_error", null)));
        gateway(true);

        StreamResult r = gw.stream("gpt-4o", "hi");

        assertThat(r.endedWithDone()).isFalse();
        String last = r.events().get(r.events().size() - 1);
        assertThat(last).contains("cloud gpt-4o").contains("response cut off").doesNotContain("prefill");
    }

    @Test
    void stallAfterCommitEndsWithAnError() {
        cloud.always(Reply.sse(roleChunk("gpt-4o"), chunk("gpt-4o", "Partial")).afterEvents(2, Reply.Fault.STALL));
        gateway(false);

        StreamResult r = gw.stream("gpt-4o", "hi");

        assertThat(r.text()).isEqualTo("Partial");
        assertThat(r.endedWithDone()).isFalse();
        assertThat(r.events().get(r.events().size() - 1)).contains("stream stalled");
        assertThat(r.totalMillis()).isLessThan(3_000);
        await().atMost(Duration.ofSeconds(2)).until(() -> cloud.openConnections() == 0);
    }

    @Test
    void malformedChunkAfterCommitEndsWithAnError() {
        cloud.always(Reply.sse(roleChunk("gpt-4o"), chunk("gpt-4o", "Partial"), "data: {oops", finishChunk("gpt-4o", "stop"), DONE));
        gateway(false);

        StreamResult r = gw.stream("gpt-4o", "hi");

        assertThat(r.text()).isEqualTo("Partial");
        assertThat(r.endedWithDone()).isFalse();
        assertThat(r.events().get(r.events().size() - 1)).contains("malformed");
    }

    @Test
    void inBandErrorAfterCommitIsReportedNotHidden() {
        cloud.always(Reply.sse(roleChunk("gpt-4o"), chunk("gpt-4o", "Partial"), errorEvent("Overloaded", "overloaded_error")));
        gateway(false);

        StreamResult r = gw.stream("gpt-4o", "hi");

        assertThat(r.endedWithDone()).isFalse();
        assertThat(r.events().get(r.events().size() - 1)).contains("in-band error");
    }

    @Test
    void finishedStreamWithoutDoneIsEndedPromptly() {
        cloud.always(Reply.sse(roleChunk("gpt-4o"), chunk("gpt-4o", "Complete."), finishChunk("gpt-4o", "stop")).then(Reply.Fault.STALL));
        gateway(false);

        StreamResult r = gw.stream("gpt-4o", "hi");

        assertThat(r.text()).isEqualTo("Complete.");
        assertThat(r.endedWithDone()).isTrue();
        assertThat(r.hasErrorEvent()).isFalse();
        assertThat(r.totalMillis()).as("not waiting for the idle timeout or the upstream").isLessThan(1_500);
    }

    @Test
    void finishedStreamClosedWithoutDoneGetsDoneAtOnce() {
        cloud.always(Reply.sse(roleChunk("gpt-4o"), chunk("gpt-4o", "Complete."), finishChunk("gpt-4o", "stop")));
        gateway(false);

        StreamResult r = gw.stream("gpt-4o", "hi");

        assertThat(r.endedWithDone()).isTrue();
        assertThat(r.totalMillis()).isLessThan(500);
    }

    @Test
    void unfinishedStreamClosedWithoutDoneIsAnInterruption() {
        cloud.always(Reply.sse(roleChunk("gpt-4o"), chunk("gpt-4o", "Half")));
        gateway(false);

        StreamResult r = gw.stream("gpt-4o", "hi");

        assertThat(r.endedWithDone()).isFalse();
        assertThat(r.events().get(r.events().size() - 1)).contains("response cut off");
    }

    @Test
    void eachEventIsForwardedAsItArrives() {
        cloud.always(Reply.sse(streamOf("gpt-4o", "a", "b", "c")).withEventInterval(Duration.ofMillis(150)));
        gateway(false);

        StreamResult r = gw.stream("gpt-4o", "hi");

        assertThat(r.text()).isEqualTo("abc");
        long firstContent = r.arrivalsMillis().get(1);
        long last = r.arrivalsMillis().get(r.arrivalsMillis().size() - 1);
        assertThat(last - firstContent).as("events spread out as sent, not buffered").isGreaterThanOrEqualTo(300);
    }

    @Test
    void aSteadyStreamLongerThanTheIdleTimeoutIsNeverCut() {
        // 10 tokens 150 ms apart: 1.5 s in all, each gap well inside the 400 ms idle timeout (also on a busy machine)
        cloud.always(Reply.sse(streamOf("gpt-4o", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"))
                .withEventInterval(Duration.ofMillis(150)));
        gateway(false);

        StreamResult r = gw.stream("gpt-4o", "hi");

        assertThat(r.text()).isEqualTo("0123456789");
        assertThat(r.endedWithDone()).isTrue();
        assertThat(local.requests()).as("no failover").isEmpty();
    }

    @Test
    void clientDisconnectCancelsTheUpstream() throws Exception {
        cloud.always(Reply.sse(streamOf("gpt-4o", "a", "b", "c", "d", "e", "f")).withEventInterval(Duration.ofMillis(300)));
        gateway(false);
        try (var socket = new java.net.Socket("127.0.0.1", gw.running().address().getPort())) {
            String body = TestGateway.chatBody("gpt-4o", "hi", true);
            socket.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.length() + "\r\n\r\n" + body).getBytes());
            socket.getInputStream().read(new byte[256]);
            await().atMost(Duration.ofSeconds(2)).until(() -> cloud.openConnections() == 1);
        }
        await().atMost(Duration.ofSeconds(2)).until(() -> cloud.openConnections() == 0);
        assertThat(local.requestCount()).isZero();
    }

    @Test
    void aSlowClientIsNotBlamedOnTheUpstream() throws Exception {
        String[] events = new String[3000]; // 24 MB: more than the socket buffers on both sides can hold
        String filler = "x".repeat(8000);
        events[0] = roleChunk("gpt-4o");
        for (int i = 1; i < events.length - 2; i++) {
            events[i] = chunk("gpt-4o", filler);
        }
        events[events.length - 2] = finishChunk("gpt-4o", "stop");
        events[events.length - 1] = DONE;
        cloud.always(Reply.sse(events));
        gateway(false);

        try (var socket = new java.net.Socket()) {
            socket.setReceiveBufferSize(4096);
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", gw.running().address().getPort()));
            String body = TestGateway.chatBody("gpt-4o", "hi", true);
            socket.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body).getBytes());
            Thread.sleep(1_500); // far past the 400 ms idle timeout, while the gateway cannot write
            String response = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);

            assertThat(response).contains("data: [DONE]").doesNotContain("\"error\"");
            assertThat(response.split(filler, -1)).hasSize(events.length - 3 + 1);
        }
    }

    @Test
    void aClientThatStopsReadingIsLetGoAndFreesTheUpstream() throws Exception {
        String[] events = new String[3000];
        String filler = "x".repeat(8000);
        events[0] = roleChunk("gpt-4o");
        for (int i = 1; i < events.length; i++) {
            events[i] = chunk("gpt-4o", filler);
        }
        cloud.always(Reply.sse(events));
        gw = upstreams.gateway("""
                backends:
                  cloud: { type: openai, url: "%s", cloud: true, timeouts: { idle: 300ms } }
                routes:
                  - model: gpt-4o
                    targets: [ { backend: cloud } ]
                limits: { idle_timeout: 700ms }
                """.formatted(cloud.url("/v1")));

        try (var socket = new java.net.Socket()) {
            socket.setReceiveBufferSize(4096);
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", gw.running().address().getPort()));
            String body = TestGateway.chatBody("gpt-4o", "hi", true);
            socket.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n" + body).getBytes());
            await().atMost(Duration.ofSeconds(2)).until(() -> cloud.openConnections() == 1);
            // never read: after idle_timeout the gateway lets go of both sides
            await().atMost(Duration.ofSeconds(4)).until(() -> cloud.openConnections() == 0);
        }
    }
}
