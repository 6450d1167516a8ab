package dev.lifeline.drill;

import dev.lifeline.testing.FakeUpstream;
import dev.lifeline.testing.Reply;
import dev.lifeline.testing.TestGateway;
import dev.lifeline.testing.Upstreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.lifeline.testing.OpenAiFixtures.chatCompletion;
import static org.assertj.core.api.Assertions.assertThat;

/** Ctrl-C in the middle of the outage: the block is lifted at once and the report is still made, without false failures. */
class DrillStopTest {
    @RegisterExtension
    final Upstreams upstreams = new Upstreams();
    private final FakeUpstream cloud = upstreams.cloud();
    private final FakeUpstream local = upstreams.local();

    @Test
    void stoppingDuringTheOutageLiftsTheBlockAndReportsWhatWasSeen() throws Exception {
        cloud.always(Reply.json(200, chatCompletion("gpt-4o", "Paris")));
        local.always(Reply.json(200, chatCompletion("llama3.2:3b", "Paris")));
        TestGateway gw = upstreams.gateway("""
                backends:
                  cloud: { type: openai, url: "%s", api_key: "sk", cloud: true }
                  local: { type: openai, url: "%s", cloud: false }
                routes:
                  - model: assistant
                    targets: [{ backend: cloud, model: gpt-4o }, { backend: local, model: "llama3.2:3b" }]
                """.formatted(cloud.url("/v1"), local.url("/v1")));
        AtomicBoolean stop = new AtomicBoolean();
        Drill.Progress stopAfterThree = (phase, sample, ends) -> {
            if (phase == Sample.Phase.OUTAGE && sample.ok()) {
                if (gw.get("/admin/drill").body().contains("\"refused\"") && local.requestCount() >= 3) {
                    stop.set(true); // what the Ctrl-C hook does
                }
            }
        };

        DrillReport r;
        try (Drill drill = Drill.viaGateway(URI.create(gw.url("")), Optional.empty(), Optional.empty(), "refused", Duration.ofSeconds(10))) {
            r = drill.run(new Drill.Plan(Duration.ofMinutes(10), Duration.ofMillis(50), Duration.ofMinutes(1), Optional.empty(),
                    Workload.defaults()), stopAfterThree, stop);
        }

        assertThat(r.interrupted()).isTrue();
        assertThat(r.passed()).isFalse();
        assertThat(r.lifted()).isPresent();
        assertThat(Duration.between(r.started().orElseThrow(), r.lifted().get())).isLessThan(Duration.ofMinutes(1));
        assertThat(r.failures()).as("a recovery not waited for is no failure").noneMatch(f -> f.contains("did not answer again"));
        assertThat(r.in(Sample.Phase.RECOVERY)).isEmpty();
        assertThat(gw.get("/admin/drill").body()).contains("\"fault\":\"none\"");
    }
}
