package dev.lifeline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeline.testing.FakeUpstream;
import dev.lifeline.testing.Reply;
import dev.lifeline.testing.TestGateway;
import dev.lifeline.testing.Upstreams;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.lifeline.testing.OpenAiFixtures.chatCompletion;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code lifeline drill} end to end, in seconds: a gateway with a fake cloud and a fake local model server, the drill
 * run as a user runs it, and its report read back.
 */
class DrillCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final Upstreams upstreams = new Upstreams();
    private final FakeUpstream cloud = upstreams.cloud();
    private final FakeUpstream local = upstreams.local();
    private TestGateway gw;

    @TempDir
    Path dir;

    @BeforeEach
    void gateway() {
        cloud.always(Reply.json(200, chatCompletion("gpt-4o", "The capital is Paris.")));
        gw = upstreams.gateway("""
                backends:
                  cloud: { type: openai, url: "%s", api_key: "sk-cloud", cloud: true,
                           timeouts: { connect: 500ms, first_token: 5s, response: 5s } }
                  local: { type: openai, url: "%s", cloud: false }
                routes:
                  - model: assistant
                    targets:
                      - { backend: cloud, model: gpt-4o }
                      - { backend: local, model: "llama3.2:3b" }
                breaker: { minimum_calls: 2, window: 4, open_for: 1s }
                """.formatted(cloud.url("/v1"), local.url("/v1")));
    }

    @AfterEach
    void noFaultLeft() {
        assertThat(gw.get("/admin/drill").body()).contains("\"fault\":\"none\"");
    }

    private Path workload() throws IOException {
        Path f = dir.resolve("workload.yaml");
        Files.writeString(f, """
                tasks:
                  general:
                    prompts:
                      - prompt: "What is the capital of France?"
                        expect: { contains: [Paris], max_chars: 200 }
                """);
        return f;
    }

    private CliTest.Run drill(String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("drill", "--gateway", gw.url(""), "--duration", "2s", "--pause", "100ms",
                "--recovery-bound", "20s", "--workload", workload().toString(), "--report", dir.resolve("report").toString()));
        args.addAll(List.of(extra));
        return CliTest.run(Map.of(), args.toArray(String[]::new));
    }

    @Test
    void everyRequestOfTheOutageIsAnsweredLocallyAndTrafficReturnsToTheCloud() throws Exception {
        local.always(Reply.json(200, chatCompletion("llama3.2:3b", "Paris.")));

        CliTest.Run r = drill();

        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("PASSED: ").contains("report: " + dir.resolve("report/drill.md"));
        JsonNode report = JSON.readTree(dir.resolve("report/drill.json").toFile());
        assertThat(report.path("passed").asBoolean()).isTrue();
        assertThat(report.path("cloud_backends").toString()).isEqualTo("[\"cloud\"]");
        List<JsonNode> outage = new ArrayList<>();
        report.path("requests").forEach(n -> {
            if (n.path("phase").asText().equals("outage")) {
                outage.add(n);
            }
        });
        assertThat(outage).hasSizeGreaterThan(5).allSatisfy(n -> {
            assertThat(n.path("status").asInt()).isEqualTo(200);
            assertThat(n.path("backend").asText()).isEqualTo("local");
            assertThat(n.path("failover").asText()).contains("(drill)");
            assertThat(n.path("failed_checks")).isEmpty();
        });
        JsonNode before = report.path("requests").get(0);
        assertThat(before.path("phase").asText()).isEqualTo("before");
        assertThat(before.path("backend").asText()).isEqualTo("cloud");
        JsonNode last = report.path("requests").get(report.path("requests").size() - 1);
        assertThat(last.path("phase").asText()).isEqualTo("recovery");
        assertThat(last.path("backend").asText()).isEqualTo("cloud");
        assertThat(report.path("recovery_ms").asLong()).isBetween(0L, 20_000L);
        // the cloud heard the request before the block and the one that proved recovery, nothing in between
        assertThat(cloud.requestCount()).isEqualTo(2);

        assertThat(Files.readString(dir.resolve("report/drill.md"))).startsWith("# Failover drill: PASSED")
                .contains("| Cloud backends blocked | cloud |");
        assertThat(Files.readString(dir.resolve("report/drill.html"))).contains("<svg").contains("PASSED");
    }

    @Test
    void aBrokenLocalBackendFailsTheDrillWithTheReason() throws Exception {
        local.always(Reply.json(500, "{\"error\":{\"message\":\"model not loaded\",\"type\":\"api_error\"}}"));

        CliTest.Run r = drill();

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("FAILED: ").contains("requests during the outage got no answer from a local model");
        JsonNode report = JSON.readTree(dir.resolve("report/drill.json").toFile());
        assertThat(report.path("passed").asBoolean()).isFalse();
        assertThat(report.path("failures").get(0).asText()).contains("got no answer from a local model");
    }

    @Test
    void answersThatFailTheirChecksFailTheDrill() throws Exception {
        local.always(Reply.json(200, chatCompletion("llama3.2:3b", "I am not sure, maybe Lyon?")));

        CliTest.Run r = drill();

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("local answers during the outage failed their checks, e.g. task general: does not contain"
                + " \"Paris\" (the answer: \"I am not sure, maybe Lyon?\")");
    }

    @Test
    void aMonitorThatSentNoAlertDuringTheOutageFailsTheDrill() throws Exception {
        local.always(Reply.json(200, chatCompletion("llama3.2:3b", "Paris.")));
        Path state = dir.resolve("monitor-state.json");
        Files.writeString(state, """
                {"version":1,"checks":{"cloud/service":{"status":"OK","failures":0,"alerting":"OK",
                  "told":{"slack":{"status":"CRITICAL","at":"2020-01-01T00:00:00Z"}}}}}
                """);

        CliTest.Run r = drill("--monitor-state", state.toString());

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("failure: the monitor sent no alert about cloud during the outage");
    }

    @Test
    void dryRunPrintsThePlanAndTouchesNothing() throws Exception {
        CliTest.Run r = drill("--dry-run");

        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("take the cloud away for 2 s").contains("dry run: nothing was changed.");
        assertThat(cloud.requestCount()).isZero();
        assertThat(dir.resolve("report")).doesNotExist();
    }

    @Test
    void aModelTheGatewayDoesNotRouteStopsTheDrillBeforeAnythingIsBlocked() throws Exception {
        CliTest.Run r = drill("--model", "no-such-model");

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("before the outage, a request already failed (task general: 404").contains("nothing was blocked");
        assertThat(local.requestCount()).isZero();
        assertThat(dir.resolve("report/drill.json")).doesNotExist();
    }

    @Test
    void aReportFolderThatCannotBeWrittenIsFoundBeforeTheOutage() throws Exception {
        Path blocker = Files.writeString(dir.resolve("a-file"), "");

        CliTest.Run r = CliTest.run("drill", "--gateway", gw.url(""), "--duration", "2s", "--report", blocker.resolve("sub").toString());

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).startsWith("lifeline: --report " + blocker.resolve("sub") + ": ");
        assertThat(cloud.requestCount()).isZero();
    }

    @Test
    void aGatewayThatIsNotThereCannotBeDrilled() {
        CliTest.Run r = CliTest.run("drill", "--gateway", "http://127.0.0.1:" + FakeUpstream.deadPort(), "--duration", "1s");

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("GET /readyz").contains(": connection refused (is lifeline serve running there?)");
    }

    @Test
    void scheduleGivesAQuarterlyCrontabLine() {
        CliTest.Run r = CliTest.run("drill", "schedule", "--gateway", "http://127.0.0.1:8470");

        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("0 10 1-7 1,4,7,10 * [ \"$(date +\\%u)\" = 2 ] && ")
                .contains("drill --gateway http://127.0.0.1:8470 --duration 15m --report /var/lib/lifeline/drills/$(date -u +\\%Y\\%m\\%d-\\%H\\%M\\%S)");
    }
}
