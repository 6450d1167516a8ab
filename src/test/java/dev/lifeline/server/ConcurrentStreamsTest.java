package dev.lifeline.server;

import dev.lifeline.testing.FakeUpstream;
import dev.lifeline.testing.Reply;
import dev.lifeline.testing.TestGateway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import static dev.lifeline.testing.OpenAiFixtures.DONE;
import static dev.lifeline.testing.OpenAiFixtures.chunk;
import static dev.lifeline.testing.OpenAiFixtures.finishChunk;
import static dev.lifeline.testing.OpenAiFixtures.streamOf;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many LLM-paced streams at once through one gateway, and one slow stream checked for buffering. Clients are plain
 * HTTP/1.1 ({@link TestGateway#stream}), one virtual thread each.
 */
@Timeout(60)
class ConcurrentStreamsTest {
    private static final int CLIENTS = 300;
    private static final String MODEL = "llama3.1:8b";

    private FakeUpstream upstream;
    private TestGateway gw;

    @BeforeEach
    void start() {
        upstream = FakeUpstream.start();
        // connect: generous, so that a burst of 300 connects to the fake's 128-deep accept queue is not a failure
        gw = TestGateway.start("""
                backends:
                  local: { type: openai, url: "%s", cloud: false,
                           timeouts: { connect: 5s, first_token: 10s, idle: 5s } }
                routes:
                  - model: %s
                    targets:
                      - { backend: local }
                breaker: { minimum_calls: 1000, window: 1000 }
                """.formatted(upstream.url("/v1"), MODEL));
    }

    @AfterEach
    void stop() {
        gw.close();
        upstream.close();
    }

    @Test
    void threeHundredConcurrentStreamsAllCompleteInFull() throws Exception {
        String[] deltas = IntStream.range(0, 17).mapToObj(i -> "w" + i + " ").toArray(String[]::new);
        String expected = String.join("", deltas);
        String[] events = streamOf(MODEL, deltas); // role + 17 deltas + finish + [DONE] = 20 events
        assertThat(events).hasSize(20);
        upstream.always(Reply.sse(events).withEventInterval(Duration.ofMillis(10)));

        long start = System.nanoTime();
        List<TestGateway.StreamResult> results = new ArrayList<>();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<TestGateway.StreamResult>> futures = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                int n = i;
                futures.add(clients.submit(() -> gw.stream(MODEL, "client " + n)));
            }
            for (Future<TestGateway.StreamResult> f : futures) {
                results.add(f.get());
            }
        }
        long tookMs = (System.nanoTime() - start) / 1_000_000;

        assertThat(results).hasSize(CLIENTS).allSatisfy(r -> {
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.transportError()).isNull();
            assertThat(r.hasErrorEvent()).isFalse();
            assertThat(r.endedWithDone()).isTrue();
            assertThat(r.text()).isEqualTo(expected);
            assertThat(r.events()).hasSize(20);
        });
        assertThat(upstream.requestCount()).as("one upstream request per client, no retries").isEqualTo(CLIENTS);
        assertThat(tookMs).as("300 streams of ~200 ms each, concurrently").isLessThan(20_000);
    }

    @Test
    void streamIsForwardedEventByEventNotBuffered() {
        String[] events = {chunk(MODEL, "one "), chunk(MODEL, "two "), chunk(MODEL, "three"), finishChunk(MODEL, "stop"), DONE};
        upstream.always(Reply.sse(events).withEventInterval(Duration.ofMillis(200)));

        TestGateway.StreamResult r = gw.stream(MODEL, "slowly");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.endedWithDone()).isTrue();
        assertThat(r.text()).isEqualTo("one two three");
        List<Long> at = r.arrivalsMillis();
        assertThat(at).hasSize(5);
        for (int i = 1; i < at.size(); i++) {
            assertThat(at.get(i) - at.get(i - 1)).as("gap before event %d (arrivals %s)", i, at).isGreaterThanOrEqualTo(100);
        }
        assertThat(at.getLast() - at.getFirst()).as("the first event arrived long before the last was sent").isGreaterThanOrEqualTo(600);
    }
}
