package dev.lifeline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeline.testing.FakeOllama;
import dev.lifeline.testing.FakeUpstream;
import dev.lifeline.testing.RecordedRequest;
import dev.lifeline.testing.Reply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.lifeline.cli.CliTest.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code lifeline monitor} as cron, a terminal or Nagios runs it: exit codes, outputs, the alert state kept between
 * one-shot runs, the log and textfile, {@code test-alert} and {@code --watch}.
 */
class MonitorCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MODEL = "llama3.1:8b";

    private final FakeUpstream ollama = FakeUpstream.start();
    private final FakeUpstream hook = FakeUpstream.start().always(Reply.json(200, "{}"));

    @TempDir
    Path dir;

    @AfterEach
    void close() {
        ollama.close();
        hook.close();
    }

    private void healthy() {
        FakeOllama.serving(ollama, MODEL);
        ollama.on("POST", "/api/chat", FakeOllama.chat(MODEL, 4, 4, 100_000_000L, 0));
        ollama.on("GET", "/api/ps", FakeOllama.ps(MODEL, 1 << 30, 1 << 30));
    }

    private Map<String, String> env() {
        return Map.of("HOME", dir.toString(), "HOSTNAME", "gpu-box");
    }

    private Path config(String monitor) throws IOException {
        Path f = dir.resolve("lifeline.yaml");
        Files.writeString(f, """
                backends:
                  ollama: { type: ollama, url: "%s" }
                routes:
                  - model: "*"
                    targets: [{ backend: ollama, model: "%s" }]
                monitor:
                  failure_threshold: 1
                  state_file: %s
                %s
                """.formatted(ollama.baseUrl(), MODEL, dir.resolve("state.json"), monitor.indent(2)));
        return f;
    }

    private String alerts() {
        return """
                alerts:
                  webhook: %s
                """.formatted(hook.url("/hook"));
    }

    @Test
    void aHealthyServerExitsZeroWithATable() throws Exception {
        healthy();

        CliTest.Run r = run(env(), "monitor", "--config", config("").toString());

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("ollama   service    OK", "ollama   inference  OK", "OK: all 4 checks passed");
    }

    @Test
    void theExitCodeIsTheWorstCheck() throws Exception {
        healthy();
        ollama.on("GET", "/api/ps", FakeOllama.ps(MODEL, 1 << 30, 0));
        Path cfg = config("");

        CliTest.Run onCpu = run(env(), "monitor", "--config", cfg.toString());
        ollama.close();
        CliTest.Run down = run(env(), "monitor", "--config", cfg.toString());

        assertThat(onCpu.exit()).isEqualTo(1);
        assertThat(onCpu.out()).contains("WARNING: 1 of 4 checks needs attention");
        assertThat(down.exit()).isEqualTo(2);
        assertThat(down.out()).contains("connection refused");
    }

    @Test
    void badArgumentsAreUnknownAsNagiosExpects() throws Exception {
        assertThat(run(env(), "monitor", "--format", "xml").exit()).isEqualTo(3);
        assertThat(run(env(), "monitor", "--url", "ftp://x").err()).contains("expected: a server's URL");
        assertThat(run(env(), "monitor", "--url", "ftp://x").exit()).isEqualTo(3);
        assertThat(run(env(), "monitor", "--no-such-option").exit()).isEqualTo(3);
        Path broken = dir.resolve("broken.yaml");
        Files.writeString(broken, "backends: {}\n");
        CliTest.Run r = run(env(), "monitor", "--config", broken.toString());
        assertThat(r.exit()).isEqualTo(3);
        assertThat(r.err()).contains("backends: missing");
    }

    @Test
    void nagiosGetsAnUnknownLineOnStdoutWhenItCannotCheck() throws Exception {
        Path broken = dir.resolve("broken.yaml");
        Files.writeString(broken, "backends: {}\n");

        CliTest.Run r = run(env(), "monitor", "--config", broken.toString(), "--format", "nagios");

        assertThat(r.exit()).isEqualTo(3);
        assertThat(r.out()).startsWith("LIFELINE UNKNOWN - ").contains("has 2 problems: backends: missing");
    }

    @Test
    void quietNeverSilencesNagios() throws Exception {
        healthy();

        CliTest.Run r = run(env(), "monitor", "--config", config("").toString(), "--format", "nagios", "--quiet");

        assertThat(r.out()).startsWith("LIFELINE OK - ");
    }

    @Test
    void optionsThatWouldBeIgnoredAreRefused() throws Exception {
        Path cfg = config("");

        CliTest.Run model = run(env(), "monitor", "--config", cfg.toString(), "--model", "nosuch");
        CliTest.Run both = run(env(), "monitor", "--json", "--format", "nagios");
        CliTest.Run interval = run(env(), "monitor", "--interval", "1m");

        assertThat(model.exit()).isEqualTo(3);
        assertThat(model.err()).contains("--model applies to --url servers", "monitor.backends.NAME.models");
        assertThat(both.err()).contains("--json and --format nagios");
        assertThat(interval.err()).contains("--interval applies to --watch");
    }

    @Test
    void aBareHostAndPortIsAnHttpUrl() {
        healthy();

        CliTest.Run r = run(env(), "monitor", "--url", "127.0.0.1:" + ollama.port(), "--model", MODEL, "--no-alerts");

        assertThat(r.exit()).as(r.err()).isZero();
    }

    @Test
    void anUnwritableStateFileSaysWhyAlertsAreHeldBack() throws Exception {
        healthy();
        ollama.on("GET", "/api/tags", Reply.json(200, FakeOllama.tags("mistral:7b")));
        Path cfg = config(alerts());

        CliTest.Run r = run(env(), "monitor", "--config", cfg.toString(), "--state", "/proc/no-such-dir/state.json");

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("alert state /proc/no-such-dir/state.json: ").contains("no alert is sent until it can be written");
        assertThat(hook.requests()).isEmpty();
    }

    @Test
    void nagiosGetsOneLineWithPerfdata() throws Exception {
        healthy();
        ollama.on("POST", "/api/chat", FakeOllama.chat(MODEL, 4, 4, 2_000_000_000L, 0));   // 2 tokens/s

        CliTest.Run r = run(env(), "monitor", "--config", config("").toString(), "--format", "nagios");

        assertThat(r.exit()).isEqualTo(1);
        String first = r.out().lines().findFirst().orElseThrow();
        assertThat(first).startsWith("LIFELINE WARNING - ollama/inference: llama3.1:8b: 2 tokens/s (below 5)")
                .contains(" | ").contains("'ollama_llama3.1:8b_tokens_per_second'=2;5:;1:;0");
    }

    @Test
    void jsonIsOneDocumentWithEveryCheck() throws Exception {
        healthy();

        CliTest.Run r = run(env(), "monitor", "--config", config("").toString(), "--json");

        JsonNode doc = JSON.readTree(r.out());
        assertThat(doc.path("status").asText()).isEqualTo("OK");
        assertThat(doc.path("host").asText()).isEqualTo("gpu-box");
        assertThat(doc.path("checks")).hasSize(4);
    }

    @Test
    void quietPrintsNothingWhenAllIsWellSoCronMailsOnlyProblems() throws Exception {
        healthy();
        Path cfg = config("");

        CliTest.Run ok = run(env(), "monitor", "--config", cfg.toString(), "--quiet");
        ollama.on("GET", "/api/tags", Reply.json(200, FakeOllama.tags("mistral:7b")));
        CliTest.Run missing = run(env(), "monitor", "--config", cfg.toString(), "--quiet");

        assertThat(ok.out()).isEmpty();
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.out()).contains("missing llama3.1:8b (install: ollama pull llama3.1:8b)");
    }

    @Test
    void oneShotRunsAlertOnceRecoverOnceThroughTheStateFile() throws Exception {
        healthy();
        Path cfg = config(alerts());
        String[] args = {"monitor", "--config", cfg.toString(), "--no-inference"};

        run(env(), args);                                      // OK: nothing to say
        ollama.on("GET", "/api/tags", Reply.json(200, FakeOllama.tags("mistral:7b")));
        CliTest.Run broke = run(env(), args);                  // the model is gone: one alert
        run(env(), args);                                      // still gone: no repeat
        ollama.on("GET", "/api/tags", Reply.json(200, FakeOllama.tags(MODEL)));
        run(env(), args);                                      // back: one recovery
        run(env(), args);                                      // fine: nothing

        List<JsonNode> posts = hook.requests().stream().map(RecordedRequest::bodyJson).toList();
        assertThat(posts).hasSize(2);
        assertThat(posts.get(0).path("status").asText()).isEqualTo("CRITICAL");
        assertThat(posts.get(0).path("items").get(0).path("check").asText()).isEqualTo("models");
        assertThat(posts.get(1).path("items").get(0).path("kind").asText()).isEqualToIgnoringCase("recovery");
        assertThat(broke.err()).contains("alert sent to webhook: [CRITICAL] ollama/models on gpu-box");
        assertThat(Files.readString(dir.resolve("state.json"))).contains("ollama/models");
    }

    @Test
    void aSinkThatFailsIsRetriedNextRunAndNeverStopsTheChecks() throws Exception {
        ollama.close();   // the server is down from the start
        Path cfg = config(alerts());
        hook.always(Reply.json(400, "{\"error\":\"bad\"}"));

        CliTest.Run first = run(env(), "monitor", "--config", cfg.toString());
        hook.always(Reply.json(200, "{}"));
        CliTest.Run second = run(env(), "monitor", "--config", cfg.toString());

        assertThat(first.exit()).isEqualTo(2);
        assertThat(first.out()).contains("CRITICAL");
        assertThat(first.err()).contains("alert not delivered, retried next run: webhook");
        assertThat(second.err()).contains("alert sent to webhook");
        assertThat(hook.requests()).hasSize(2);
    }

    @Test
    void theLogGetsALinePerCheckAndTheTextfileIsForNodeExporter() throws Exception {
        healthy();
        Path log = dir.resolve("logs/monitor.jsonl");
        Path prom = dir.resolve("textfile/lifeline.prom");
        Files.createDirectories(prom.getParent());
        Path cfg = config("log: " + log + "\ntextfile: " + prom + "\n");

        run(env(), "monitor", "--config", cfg.toString());
        run(env(), "monitor", "--config", cfg.toString());

        List<String> lines = Files.readAllLines(log);
        assertThat(lines).hasSize(8);
        assertThat(JSON.readTree(lines.getFirst()).path("check").asText()).isEqualTo("service");
        assertThat(Files.readString(prom)).contains("lifeline_monitor_check_status{backend=\"ollama\",check=\"gpu\"} 0");
    }

    @Test
    void testAlertGoesThroughEverySinkAndSaysWhichArrived() throws Exception {
        Path cfg = config(alerts() + "  heartbeat: " + hook.url("/ping") + "\n");

        CliTest.Run r = run(env(), "monitor", "test-alert", "--config", cfg.toString());

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("webhook   sent", "heartbeat pinged");
        assertThat(hook.requests()).extracting(RecordedRequest::path).containsExactly("/hook", "/ping");
        assertThat(hook.requests().getFirst().bodyJson().path("test").asBoolean()).isTrue();
    }

    @Test
    void testAlertWithoutSinksSaysWhereToAddThem() throws Exception {
        CliTest.Run r = run(env(), "monitor", "test-alert", "--config", config("").toString());

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("no alert sinks", "monitor.alerts");
    }

    @Test
    void watchRunsAgainAndServesMetrics() throws Exception {
        healthy();
        Path cfg = config("");
        CompletableFuture<CliTest.Run> watching = CompletableFuture.supplyAsync(() -> run(env(), "monitor", "--config", cfg.toString(),
                "--no-inference", "--watch", "--interval", "1s", "--metrics-listen", "127.0.0.1:0", "--runs", "3"));

        CliTest.Run r = watching.get(30, TimeUnit.SECONDS);

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().lines().filter(l -> l.startsWith("OK: all")).count()).isEqualTo(3);
        assertThat(r.err()).contains("every 1s; metrics on http://127.0.0.1:");
        assertThat(ollama.requests().stream().filter(q -> q.path().equals("/")).count()).isEqualTo(3);
    }

    @Test
    void watchMetricsAnswerWhileItRuns() throws Exception {
        healthy();
        Path cfg = config("");
        int port = FakeUpstream.deadPort();
        CompletableFuture.runAsync(() -> run(env(), "monitor", "--config", cfg.toString(), "--no-inference", "--watch", "--interval", "1s",
                "--metrics-listen", "127.0.0.1:" + port, "--runs", "4"));
        HttpClient http = HttpClient.newHttpClient();

        await().atMost(java.time.Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() -> {
            HttpResponse<String> m = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(m.body()).contains("lifeline_monitor_check_status{backend=\"ollama\",check=\"service\"} 0");
        });
    }

    @Test
    void watchSaysWhereItServesWhileItRunsNotWhenItStops() throws Exception {
        healthy();
        Path cfg = config("");
        java.io.StringWriter err = new java.io.StringWriter();
        CompletableFuture<Integer> watching = CompletableFuture.supplyAsync(() -> Main.run(new String[] {"monitor", "--config", cfg.toString(),
                "--no-inference", "--watch", "--interval", "3s", "--metrics-listen", "127.0.0.1:0", "--runs", "2"},
                new java.io.PrintWriter(java.io.Writer.nullWriter()), new java.io.PrintWriter(err, true), env()));

        await().atMost(java.time.Duration.ofSeconds(20)).until(() -> err.toString().contains("metrics on http://127.0.0.1:"));
        assertThat(watching).isNotDone();
        assertThat(watching.get(30, TimeUnit.SECONDS)).isZero();
    }

    @Test
    void aServerGivenOnTheCommandLineIsCheckedWithoutAConfig() {
        healthy();

        CliTest.Run r = run(env(), "monitor", "--url", ollama.baseUrl(), "--model", MODEL, "--no-alerts");

        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("127.0.0.1:" + ollama.port() + "  inference  OK");
    }

    @Test
    void scheduleprintsACrontabEntryForTheGivenConfig() throws Exception {
        Path cfg = config("");

        CliTest.Run r = run(Map.of("HOME", dir.toString(), "LIFELINE_LAUNCHER", "/opt/lifeline/lifeline"),
                "monitor", "schedule", "--cron", "--config", cfg.toString(), "--mailto", "ops@example.com");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("MAILTO=ops@example.com", "*/5 * * * *", "/opt/lifeline/lifeline", "monitor --config " + cfg, "--quiet");
    }

    @Test
    void scheduleRefusesAnIntervalCronCannotSay() {
        CliTest.Run r = run(env(), "monitor", "schedule", "--cron", "--every", "7m");

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("7m");
    }
}
