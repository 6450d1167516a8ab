package dev.lifeline.probe;

import dev.lifeline.config.BackendConfig;
import dev.lifeline.config.BackendConfig.Dialect;
import dev.lifeline.config.MonitorConfig.CpuFallback;
import dev.lifeline.config.MonitorConfig.Level;
import dev.lifeline.config.MonitorConfig.Thresholds;
import dev.lifeline.config.Secret;
import dev.lifeline.config.Timeouts;
import dev.lifeline.testing.FakeOllama;
import dev.lifeline.testing.FakeUpstream;
import dev.lifeline.testing.RecordedRequest;
import dev.lifeline.testing.Reply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The monitor's checks against fake servers that are down, missing a model, slow, on the CPU, or still loading. */
class ServerChecksTest {
    private static final String MODEL = "llama3.1:8b";
    private static final long GIB = 1L << 30;

    private final FakeUpstream up = FakeUpstream.start();
    private final ServerChecks checks = new ServerChecks(Duration.ofSeconds(2));

    @AfterEach
    void close() {
        up.close();
    }

    private static BackendConfig backend(Dialect dialect, String url, boolean cloud, Optional<String> key) {
        return new BackendConfig("b", dialect, URI.create(url), key.map(Secret::new), cloud, Map.of(),
                Timeouts.defaultsFor(cloud), 0, Duration.ofSeconds(5), BackendConfig.Concurrency.UNLIMITED, Optional.of("30m"),
                Map.of("num_ctx", 8192));
    }

    private static CheckPlan plan(BackendConfig b, List<String> models, CpuFallback cpu) {
        return new CheckPlan(b, models, models.stream().findFirst(), Thresholds.DEFAULT, cpu, Duration.ofSeconds(2));
    }

    private CheckPlan ollama(String... models) {
        return plan(backend(Dialect.OLLAMA, up.baseUrl(), false, Optional.empty()), List.of(models), CpuFallback.WARNING);
    }

    private static Check named(List<Check> all, String name) {
        return all.stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow(() -> new AssertionError("no " + name + " check in " + all));
    }

    @Test
    void aHealthyOllamaOnTheGpuPassesEveryCheckWithItsNumbers() {
        FakeOllama.serving(up, MODEL, "nomic-embed-text:latest");
        up.on("POST", "/api/chat", FakeOllama.chat(MODEL, 16, 16, 400_000_000L, 1_200_000_000L));
        up.on("GET", "/api/ps", FakeOllama.ps(MODEL, 6 * GIB, 6 * GIB));

        List<Check> found = checks.run(ollama(MODEL));

        assertThat(found).extracting(Check::name).containsExactly("service", "models", "inference", "gpu");
        assertThat(found).allSatisfy(c -> assertThat(c.status()).as(c.toString()).isEqualTo(Status.OK));
        assertThat(named(found, "service").summary()).startsWith("Ollama is running");
        Check inference = named(found, "inference");
        assertThat(inference.summary()).contains("llama3.1:8b: 40 tokens/s").contains("load 1.2 s");
        Measure rate = inference.measures().stream().filter(m -> m.name().equals("tokens_per_second")).findFirst().orElseThrow();
        assertThat(rate.value()).isCloseTo(40.0, within(0.01));
        assertThat(rate.model()).contains(MODEL);
        assertThat(rate.warning()).isEqualTo("5:");
        assertThat(named(found, "gpu").summary()).isEqualTo("llama3.1:8b 100% GPU");
    }

    @Test
    void theTestInferenceUsesTheOperatorsKeepAliveAndOptionsAndCapsTokens() {
        FakeOllama.serving(up, MODEL);
        up.on("POST", "/api/chat", FakeOllama.chat(MODEL, 3, 3, 100_000_000L, 0));

        checks.run(ollama(MODEL));

        RecordedRequest chat = up.requests().stream().filter(r -> r.path().equals("/api/chat")).findFirst().orElseThrow();
        assertThat(chat.bodyJson().path("keep_alive").asText()).isEqualTo("30m");
        assertThat(chat.bodyJson().path("options").path("num_ctx").asInt()).isEqualTo(8192);
        assertThat(chat.bodyJson().path("options").path("num_predict").asInt()).isEqualTo(InferenceProbe.MAX_TOKENS);
        assertThat(chat.bodyJson().path("stream").asBoolean()).isTrue();
    }

    @Test
    void aServerThatIsDownIsCriticalAndNothingElseIsAsked() {
        int dead = FakeUpstream.deadPort();
        CheckPlan p = plan(backend(Dialect.OLLAMA, "http://127.0.0.1:" + dead, false, Optional.empty()), List.of(MODEL), CpuFallback.WARNING);

        List<Check> found = checks.run(p);

        assertThat(found).hasSize(1);
        assertThat(found.getFirst().status()).isEqualTo(Status.CRITICAL);
        assertThat(found.getFirst().summary()).isEqualTo("connection refused at 127.0.0.1:" + dead + ": nothing listens there (is the server running?)");
    }

    @Test
    void anUnresolvableHostIsNamed() {
        CheckPlan p = plan(backend(Dialect.OLLAMA, "http://no-such-host.invalid:11434", false, Optional.empty()), List.of(), CpuFallback.WARNING);

        Check service = checks.run(p).getFirst();

        assertThat(service.status()).isEqualTo(Status.CRITICAL);
        assertThat(service.summary()).contains("no-such-host.invalid does not resolve");
    }

    @Test
    void aMissingModelIsCriticalWithThePullCommandAndNoInferenceIsTried() {
        FakeOllama.serving(up, "mistral:7b");

        List<Check> found = checks.run(ollama("qwen2.5:7b"));

        Check models = named(found, "models");
        assertThat(models.status()).isEqualTo(Status.CRITICAL);
        assertThat(models.summary()).isEqualTo("missing qwen2.5:7b (install: ollama pull qwen2.5:7b); it has mistral:7b");
        assertThat(found).extracting(Check::name).doesNotContain("inference");
        assertThat(up.requests()).noneMatch(r -> r.path().equals("/api/chat"));
    }

    @Test
    void aModelWithoutTagIsTheLatestOne() {
        FakeOllama.serving(up, "llama3.2:latest");
        up.on("POST", "/api/chat", FakeOllama.chat("llama3.2", 3, 3, 100_000_000L, 0));

        assertThat(named(checks.run(ollama("llama3.2")), "models").status()).isEqualTo(Status.OK);
    }

    @Test
    void aSlowModelIsAWarningAndAVerySlowOneCritical() {
        FakeOllama.serving(up, MODEL);
        up.on("POST", "/api/chat", FakeOllama.chat(MODEL, 8, 8, 4_000_000_000L, 0));   // 2 tokens/s

        Check slow = named(checks.run(ollama(MODEL)), "inference");

        up.on("POST", "/api/chat", FakeOllama.chat(MODEL, 8, 4, 8_000_000_000L, 0));   // 0.5 tokens/s
        Check crawling = named(checks.run(ollama(MODEL)), "inference");

        assertThat(slow.status()).isEqualTo(Status.WARNING);
        assertThat(slow.summary()).contains("2 tokens/s (below 5)");
        assertThat(crawling.status()).isEqualTo(Status.CRITICAL);
        assertThat(crawling.summary()).contains("0.5 tokens/s (below 1)");
    }

    @Test
    void aLongLoadIsJudgedOnItsOwn() {
        FakeOllama.serving(up, MODEL);
        up.on("POST", "/api/chat", FakeOllama.chat(MODEL, 4, 4, 100_000_000L, 45_000_000_000L));

        Check inference = named(checks.run(ollama(MODEL)), "inference");

        assertThat(inference.status()).isEqualTo(Status.WARNING);
        assertThat(inference.summary()).contains("load 45 s (over 30 s)");
    }

    @Test
    void aModelOnTheCpuIsAWarningByDefaultCriticalOrIgnoredOnRequest() {
        FakeOllama.serving(up, MODEL);
        up.on("POST", "/api/chat", FakeOllama.chat(MODEL, 3, 3, 100_000_000L, 0));
        up.on("GET", "/api/ps", FakeOllama.ps(MODEL, 6 * GIB, 0));
        BackendConfig b = backend(Dialect.OLLAMA, up.baseUrl(), false, Optional.empty());

        Check warning = named(checks.run(plan(b, List.of(MODEL), CpuFallback.WARNING)), "gpu");
        Check critical = named(checks.run(plan(b, List.of(MODEL), CpuFallback.CRITICAL)), "gpu");
        Check ignored = named(checks.run(plan(b, List.of(MODEL), CpuFallback.IGNORE)), "gpu");

        assertThat(warning.status()).isEqualTo(Status.WARNING);
        assertThat(warning.summary()).startsWith("llama3.1:8b 100% CPU: the GPU is not used");
        assertThat(warning.measures().getFirst().value()).isZero();
        assertThat(critical.status()).isEqualTo(Status.CRITICAL);
        assertThat(ignored.status()).isEqualTo(Status.OK);
        assertThat(ignored.summary()).endsWith("(cpu_fallback: ignore)");
    }

    @Test
    void aPartialOffloadShowsTheSplitAsOllamaPrintsIt() {
        FakeOllama.serving(up, MODEL);
        up.on("POST", "/api/chat", FakeOllama.chat(MODEL, 3, 3, 100_000_000L, 0));
        up.on("GET", "/api/ps", FakeOllama.ps(MODEL, 100 * GIB, 52 * GIB));

        Check gpu = named(checks.run(ollama(MODEL)), "gpu");

        assertThat(gpu.status()).isEqualTo(Status.WARNING);
        assertThat(gpu.summary()).startsWith("llama3.1:8b 48%/52% CPU/GPU");
    }

    @Test
    void anotherAppsModelOnTheCpuIsNotOurs() {
        FakeOllama.serving(up, MODEL);
        up.on("POST", "/api/chat", FakeOllama.chat(MODEL, 3, 3, 100_000_000L, 0));
        up.on("GET", "/api/ps", FakeOllama.ps("phi3:mini", 3 * GIB, 0));

        Check gpu = named(checks.run(ollama(MODEL)), "gpu");

        assertThat(gpu.status()).isEqualTo(Status.OK);
        assertThat(gpu.summary()).isEqualTo("no required model loaded, nothing to judge");
    }

    @Test
    void anErrorLineInTheStreamIsCriticalWithOllamasMessage() {
        FakeOllama.serving(up, MODEL);
        up.on("POST", "/api/chat", Reply.ndjson("{\"model\":\"" + MODEL + "\",\"message\":{\"role\":\"assistant\",\"content\":\"1\"},\"done\":false}",
                "{\"error\":\"llama runner process has terminated: signal: killed\"}"));

        Check inference = named(checks.run(ollama(MODEL)), "inference");

        assertThat(inference.status()).isEqualTo(Status.CRITICAL);
        assertThat(inference.summary()).isEqualTo("llama3.1:8b: no answer: the server reported an error: llama runner process has terminated: signal: killed");
    }

    @Test
    void aModelThatCannotLoadIsCriticalWithTheReason() {
        FakeOllama.serving(up, MODEL);
        up.on("POST", "/api/chat", Reply.json(500, "{\"error\":\"model requires more system memory (9.2 GiB) than is available (3.1 GiB)\"}"));

        Check inference = named(checks.run(ollama(MODEL)), "inference");

        assertThat(inference.status()).isEqualTo(Status.CRITICAL);
        assertThat(inference.summary()).contains("HTTP 500 from /api/chat: model requires more system memory");
    }

    @Test
    void anAnswerThatStallsMidwayIsReportedWithinTheStallTimeNotTheLoadTime() {
        FakeOllama.serving(up, MODEL);
        up.on("POST", "/api/chat", Reply.ndjson("{\"model\":\"" + MODEL + "\",\"message\":{\"role\":\"assistant\",\"content\":\"1\"},\"done\":false}")
                .then(Reply.Fault.STALL));
        CheckPlan p = new CheckPlan(backend(Dialect.OLLAMA, up.baseUrl(), false, Optional.empty()), List.of(MODEL), Optional.of(MODEL),
                Thresholds.DEFAULT, CpuFallback.WARNING, Duration.ofSeconds(1));

        long start = System.nanoTime();
        Check inference = named(checks.run(p), "inference");

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        assertThat(inference.status()).isEqualTo(Status.CRITICAL);
        assertThat(inference.summary()).isEqualTo("llama3.1:8b: no answer: the answer stalled after 1 token: nothing for 2 s");
    }

    @Test
    void aModelThatNeverStartsAnsweringIsCutAtTheInferenceDeadline() {
        FakeOllama.serving(up, MODEL);
        up.on("POST", "/api/chat", Reply.ndjson().then(Reply.Fault.STALL));
        Level<Duration> short1 = new Level<>(Optional.empty(), Optional.of(Duration.ofMillis(500)));
        Thresholds quick = new Thresholds(Thresholds.DEFAULT.tokensPerSecond(), short1, short1);
        CheckPlan p = new CheckPlan(backend(Dialect.OLLAMA, up.baseUrl(), false, Optional.empty()), List.of(MODEL), Optional.of(MODEL), quick,
                CpuFallback.WARNING, Duration.ofSeconds(2));

        Check inference = named(checks.run(p), "inference");

        assertThat(inference.status()).isEqualTo(Status.CRITICAL);
        assertThat(inference.summary()).isEqualTo("llama3.1:8b: no answer: no token within 1.5 s");
    }

    @Test
    void firstTokenIsTimedAfterOllamasOwnLoad() {
        FakeOllama.serving(up, MODEL);
        // the load holds the answer back 1.2 s, and Ollama says it loaded for 1.2 s
        up.on("POST", "/api/chat", FakeOllama.chat(MODEL, 4, 4, 100_000_000L, 1_200_000_000L).withHeaderDelay(Duration.ofMillis(1200)));

        Check inference = named(checks.run(ollama(MODEL)), "inference");

        Measure ttft = inference.measures().stream().filter(m -> m.name().equals("ttft")).findFirst().orElseThrow();
        assertThat(ttft.value()).as("the load is reported on its own, not again as first-token time").isLessThan(0.6);
    }

    @Test
    void llamaCppLoadingItsModelIsAWarningNotADeadServer() {
        up.on("GET", "/health", Reply.json(503, "{\"error\":{\"code\":503,\"message\":\"Loading model\",\"type\":\"unavailable_error\"}}"));
        CheckPlan p = plan(backend(Dialect.OPENAI, up.url("/v1"), false, Optional.empty()), List.of("qwen"), CpuFallback.WARNING);

        List<Check> found = checks.run(p);

        assertThat(found).hasSize(1);
        assertThat(found.getFirst().status()).isEqualTo(Status.WARNING);
        assertThat(found.getFirst().summary()).isEqualTo("still loading its model (/health: Loading model); it serves once loaded");
    }

    @Test
    void llamaCppReadyIsTimedByItsOwnTimings() {
        up.on("GET", "/health", Reply.json(200, "{\"status\":\"ok\"}"));
        up.on("GET", "/v1/models", Reply.json(200, "{\"object\":\"list\",\"data\":[{\"id\":\"qwen\",\"object\":\"model\"}]}"));
        up.on("POST", "/v1/chat/completions", Reply.sse(
                "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null}}]}",
                "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"1\"}}]}",
                "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\" 2\"}}]}",
                "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"length\"}],\"timings\":{\"predicted_n\":2,\"predicted_per_second\":87.5}}",
                "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":2,\"total_tokens\":14}}",
                "data: [DONE]"));
        CheckPlan p = plan(backend(Dialect.OPENAI, up.url("/v1"), false, Optional.empty()), List.of("qwen"), CpuFallback.WARNING);

        List<Check> found = checks.run(p);

        assertThat(found).extracting(Check::name).containsExactly("service", "models", "inference");
        assertThat(found).allSatisfy(c -> assertThat(c.status()).as(c.toString()).isEqualTo(Status.OK));
        assertThat(named(found, "service").summary()).startsWith("healthy");
        assertThat(named(found, "inference").summary()).startsWith("qwen: 87.5 tokens/s, first token ");
        RecordedRequest chat = up.requests().stream().filter(r -> r.path().equals("/v1/chat/completions")).findFirst().orElseThrow();
        assertThat(chat.bodyJson().path("max_tokens").asInt()).isEqualTo(InferenceProbe.MAX_TOKENS);
    }

    @Test
    void anOpenAiStreamWithoutDoneIsNotAnAnswer() {
        up.on("GET", "/health", Reply.json(200, "{\"status\":\"ok\"}"));
        up.on("GET", "/v1/models", Reply.json(200, "{\"data\":[{\"id\":\"qwen\"}]}"));
        up.on("POST", "/v1/chat/completions", Reply.sse("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"1\"}}]}"));
        CheckPlan p = plan(backend(Dialect.OPENAI, up.url("/v1"), false, Optional.empty()), List.of("qwen"), CpuFallback.WARNING);

        Check inference = named(checks.run(p), "inference");

        assertThat(inference.status()).isEqualTo(Status.CRITICAL);
        assertThat(inference.summary()).isEqualTo("qwen: no answer: the stream ended before the answer was complete (no final [DONE])");
    }

    @Test
    void lmStudioWithoutHealthEndpointIsCheckedThroughItsModelList() {
        up.on("GET", "/health", Reply.json(404, "{\"error\":\"Unexpected endpoint or method. (GET /health)\"}"));
        up.on("GET", "/v1/models", Reply.json(200, "{\"data\":[{\"id\":\"qwen2.5-7b-instruct\"}]}"));
        CheckPlan p = new CheckPlan(backend(Dialect.OPENAI, up.url("/v1"), false, Optional.empty()), List.of("qwen2.5-7b-instruct"),
                Optional.empty(), Thresholds.DEFAULT, CpuFallback.WARNING, Duration.ofSeconds(2));

        List<Check> found = checks.run(p);

        assertThat(found).extracting(Check::status).containsOnly(Status.OK);
        assertThat(named(found, "service").summary()).startsWith("up (");
    }

    @Test
    void ollamaBehindItsOpenAiApiIsRecognisedAndItsGpuChecked() {
        FakeOllama.serving(up, MODEL);
        up.on("GET", "/health", Reply.text(404, "404 page not found"));
        up.on("GET", "/v1/models", Reply.json(200, "{\"object\":\"list\",\"data\":[{\"id\":\"" + MODEL + "\",\"object\":\"model\"}]}"));
        up.on("POST", "/v1/chat/completions", Reply.sse("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"1\"}}]}",
                "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\" 2\"}}]}", "data: [DONE]"));
        up.on("GET", "/api/ps", FakeOllama.ps(MODEL, 6 * GIB, 0));
        CheckPlan p = plan(backend(Dialect.OPENAI, up.url("/v1"), false, Optional.empty()), List.of(MODEL), CpuFallback.WARNING);

        List<Check> found = checks.run(p);

        assertThat(found).extracting(Check::name).containsExactly("service", "models", "inference", "gpu");
        assertThat(named(found, "service").summary()).startsWith("Ollama is running");
        assertThat(named(found, "models").summary()).isEqualTo("llama3.1:8b installed");
        assertThat(named(found, "gpu").status()).isEqualTo(Status.WARNING);
    }

    @Test
    void aCloudKeyThatIsRefusedIsCriticalWithoutSpendingTokens() {
        up.on("GET", "/v1/models", Reply.json(401, "{\"error\":{\"message\":\"Incorrect API key provided\",\"type\":\"invalid_request_error\"}}"));
        CheckPlan p = new CheckPlan(backend(Dialect.OPENAI, up.url("/v1"), true, Optional.of("sk-bad")), List.of("gpt-4o"), Optional.empty(),
                Thresholds.DEFAULT, CpuFallback.WARNING, Duration.ofSeconds(2));

        List<Check> found = checks.run(p);

        assertThat(found).hasSize(1);
        assertThat(found.getFirst().status()).isEqualTo(Status.CRITICAL);
        assertThat(found.getFirst().summary()).isEqualTo("credentials refused (GET /v1/models answered HTTP 401): check api_key");
        assertThat(up.requests()).extracting(RecordedRequest::method).containsOnly("GET");
    }

    @Test
    void claudesDatedModelIdsCountForTheirAliases() {
        up.on("GET", "/v1/models", Reply.json(200, "{\"data\":[{\"type\":\"model\",\"id\":\"claude-sonnet-4-5-20250929\"}],\"has_more\":false}"));
        CheckPlan p = new CheckPlan(backend(Dialect.ANTHROPIC, up.url("/v1"), true, Optional.of("sk-ant")), List.of("claude-sonnet-4-5"),
                Optional.empty(), Thresholds.DEFAULT, CpuFallback.WARNING, Duration.ofSeconds(2));

        List<Check> found = checks.run(p);

        assertThat(found).extracting(Check::status).containsOnly(Status.OK);
        assertThat(named(found, "service").summary()).startsWith("reachable, key accepted");
    }

    @Test
    void anotherServerOnOllamasPortIsAWarning() {
        up.on("GET", "/", Reply.text(200, "<html>nginx</html>"));

        Check service = checks.run(ollama(MODEL)).getFirst();

        assertThat(service.status()).isEqualTo(Status.WARNING);
        assertThat(service.summary()).contains("not as Ollama does").contains("<html>nginx</html>");
    }

    @Test
    void everyBackendIsCheckedAtOnceAndReportedInOrder() {
        FakeOllama.serving(up, MODEL);
        up.on("POST", "/api/chat", FakeOllama.chat(MODEL, 3, 3, 100_000_000L, 0));
        CheckPlan dead = plan(backend(Dialect.OLLAMA, "http://127.0.0.1:" + FakeUpstream.deadPort(), false, Optional.empty()), List.of(),
                CpuFallback.WARNING);

        List<Check> found = checks.runAll(List.of(dead, ollama(MODEL)));

        assertThat(found.getFirst().status()).isEqualTo(Status.CRITICAL);
        assertThat(found.subList(1, found.size())).extracting(Check::name).containsExactly("service", "models", "inference", "gpu");
    }
}
