package dev.lifeline.config;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** What a user sees when they write a configuration: a working gateway, or every mistake named precisely. */
class ConfigLoaderTest {

    /** The example configuration from the documentation. */
    static final String EXAMPLE = """
            listen: 127.0.0.1:8470
            backends:
              openai:
                type: openai
                url: https://api.openai.com/v1
                api_key: ${OPENAI_API_KEY}
                headers: { OpenAI-Organization: org-lifeline }
                timeouts: { connect: 2s, first_token: 10s }
                max_retry_after: 3s
              ollama:
                type: openai
                url: http://127.0.0.1:11434/v1
                retries: 0
            routes:
              - model: gpt-4o
                targets:
                  - { backend: openai }
                  - { backend: ollama, model: "llama3.1:8b", context_window: 131072, continuation: true,
                      system_prompt: "You are a helpful assistant.", system_prompt_mode: replace }
              - model: "*"
                targets:
                  - { backend: ollama }
            breaker: { failure_rate: 50, minimum_calls: 5, window: 20, open_for: 45s }
            limits: { max_body: 32MiB }
            """;

    private static final Map<String, String> ENV = Map.of("OPENAI_API_KEY", "sk-live-0123456789abcdef");

    static Config parse(String yaml, Map<String, String> env) throws ConfigException {
        return ConfigLoader.parse(yaml, "lifeline.yaml", env);
    }

    static List<String> problems(String yaml) {
        return problems(yaml, Map.of());
    }

    static List<String> problems(String yaml, Map<String, String> env) {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> parse(yaml, env));
        assertThat(e).as("expected the configuration to be refused").isNotNull();
        return e.problems();
    }

    private static final String BACKENDS = """
            backends:
              openai: { url: "https://api.openai.com/v1" }
              ollama: { url: "http://127.0.0.1:11434/v1" }
            """;

    @Test
    void documentedExampleParses() throws Exception {
        Config c = parse(EXAMPLE, ENV);

        assertThat(c.listen()).isEqualTo(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 8470));
        assertThat(c.backends()).containsOnlyKeys("openai", "ollama");
        assertThat(c.backends().keySet()).containsExactly("openai", "ollama");

        BackendConfig openai = c.backend("openai");
        assertThat(openai.url()).isEqualTo(URI.create("https://api.openai.com/v1"));
        assertThat(openai.apiKey()).map(Secret::value).hasValue("sk-live-0123456789abcdef");
        assertThat(openai.cloud()).isTrue();
        assertThat(openai.headers()).containsExactly(Map.entry("OpenAI-Organization", "org-lifeline"));
        assertThat(openai.timeouts().connect()).isEqualTo(Duration.ofSeconds(2));
        assertThat(openai.timeouts().firstToken()).isEqualTo(Duration.ofSeconds(10));
        assertThat(openai.timeouts().idle()).as("unset phases keep the cloud defaults").isEqualTo(Timeouts.CLOUD.idle());
        assertThat(openai.retries()).isEqualTo(1);
        assertThat(openai.maxRetryAfter()).isEqualTo(Duration.ofSeconds(3));

        BackendConfig ollama = c.backend("ollama");
        assertThat(ollama.cloud()).isFalse();
        assertThat(ollama.apiKey()).isEmpty();
        assertThat(ollama.timeouts()).isEqualTo(Timeouts.LOCAL);
        assertThat(ollama.retries()).isZero();

        assertThat(c.routes()).extracting(RouteConfig::model).containsExactly("gpt-4o", "*");
        List<TargetConfig> gpt = c.routes().get(0).targets();
        assertThat(gpt).extracting(TargetConfig::backend).containsExactly("openai", "ollama");
        assertThat(gpt.get(0).model()).as("no model: keep the client's").isEmpty();
        TargetConfig local = gpt.get(1);
        assertThat(local.model()).hasValue("llama3.1:8b");
        assertThat(local.contextWindow()).hasValue(131072);
        assertThat(local.continuation()).isTrue();
        assertThat(local.systemPrompt()).hasValue("You are a helpful assistant.");
        assertThat(local.systemMode()).isEqualTo(TargetConfig.SystemPromptMode.REPLACE);
        assertThat(c.routes().get(1).isGlob()).isTrue();

        assertThat(c.breaker()).isEqualTo(new BreakerConfig(50, 5, 20, Duration.ofSeconds(45)));
        assertThat(c.maxBodyBytes()).isEqualTo(32L * 1024 * 1024);
        assertThat(c.contingency()).isFalse();
        assertThat(c.source()).isEqualTo("lifeline.yaml");
    }

    @Test
    void loadReadsAFileAndNamesAMissingOne(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("lifeline.yaml");
        Files.writeString(file, EXAMPLE);

        assertThat(ConfigLoader.load(file, ENV).routes()).hasSize(2);

        ConfigException e = catchThrowableOfType(ConfigException.class, () -> ConfigLoader.load(dir.resolve("nope.yaml"), ENV));
        assertThat(e.problems()).containsExactly("file not found");
        assertThat(e.getMessage()).contains("nope.yaml");
    }

    // ------------------------------------------------------------------ errors

    @Nested
    class Errors {
        @Test
        void emptyTargets() {
            assertThat(problems(BACKENDS + """
                    routes:
                      - model: gpt-4o
                        targets: []
                    """)).containsExactly("routes[0].targets: [] (expected: at least one target)");
        }

        @Test
        void missingPieces() {
            assertThat(problems("listen: 127.0.0.1:8470\n")).containsExactly(
                    "backends: missing (expected: at least one backend)",
                    "routes: missing (expected: at least one route)");
            assertThat(problems(BACKENDS + "routes:\n  - targets: [{ backend: ollama }]\n")).containsExactly(
                    "routes[0].model: missing (expected: the model name clients ask for, or a glob such as \"gpt-*\" or \"*\")");
            assertThat(problems("backends:\n  local: { type: openai }\nroutes:\n  - { model: m, targets: [{ backend: local }] }\n"))
                    .containsExactly("backends.local.url: missing (expected: the base URL, e.g. http://127.0.0.1:11434/v1)");
        }

        @Test
        void emptyOrBrokenFile() {
            assertThat(problems("")).containsExactly("the file is empty (expected: backends and routes)");
            assertThat(problems("backends: [\n")).singleElement().asString().startsWith("not valid YAML: ").contains("(line ");
            assertThat(problems("- a\n- b\n")).containsExactly("(top level): a list (expected: a mapping with backends and routes)");
        }

        @Test
        void unknownKeysNameTheAllowedOnes() {
            List<String> p = problems("""
                    lisen: 127.0.0.1:1
                    backends:
                      ollama: { urll: "http://127.0.0.1:11434/v1", url: "http://127.0.0.1:11434/v1" }
                    routes:
                      - model: m
                        target: []
                        targets: [{ backend: ollama, modle: x }]
                    """);

            assertThat(p).hasSize(4);
            assertUnknownKey(p.get(0), "lisen", "backends", "breaker", "contingency", "library", "limits", "listen", "routes");
            assertUnknownKey(p.get(1), "backends.ollama.urll", "api_key", "cloud", "headers", "max_retry_after", "retries", "timeouts", "type", "url");
            assertThat(p.get(2)).isEqualTo("routes[0].target: unknown key (expected one of: model, targets)");
            assertUnknownKey(p.get(3), "routes[0].targets[0].modle", "backend", "context_window", "continuation", "model", "retries",
                    "system_prompt", "system_prompt_mode", "task", "timeouts");
        }

        /** {@code path: unknown key (expected one of: a, b, c)}: sorted, with at least the keys documented today. */
        private void assertUnknownKey(String problem, String path, String... documented) {
            String prefix = path + ": unknown key (expected one of: ";
            assertThat(problem).startsWith(prefix).endsWith(")");
            List<String> listed = List.of(problem.substring(prefix.length(), problem.length() - 1).split(", "));
            assertThat(listed).contains(documented).isSorted().doesNotContain(path.substring(path.lastIndexOf('.') + 1));
        }

        @Test
        void unknownBackendListsTheKnownOnes() {
            assertThat(problems(BACKENDS + """
                    routes:
                      - model: gpt-4o
                        targets: [{ backend: openai }, { backend: olama, model: "llama3.1:8b" }]
                    """)).containsExactly("routes[0].targets[1].backend: \"olama\" (expected: one of openai, ollama)");
        }

        @Test
        void unknownBackendType() {
            assertThat(problems("backends:\n  a: { type: cohere, url: \"https://api.cohere.com/v2\" }\n"
                    + "routes:\n  - { model: m, targets: [{ backend: a }] }\n"))
                    .containsExactly("backends.a.type: \"cohere\" (expected: openai, anthropic or ollama)");
        }

        @Test
        void optionsAreForOllamasNativeApiOnlyAndScalar() {
            assertThat(problems("backends:\n  o: { type: openai, url: \"http://127.0.0.1:11434/v1\", options: { num_ctx: 8192 } }\n"
                    + "  n: { type: ollama, url: \"http://127.0.0.1:11434\", options: { num_ctx: [1], NumGpu: 1 } }\n"
                    + "routes:\n  - { model: m, targets: [{ backend: o }, { backend: n }] }\n"))
                    .containsExactly("backends.o.options: set on a type: openai backend (expected: only on type: ollama backends)",
                            "backends.n.options.num_ctx: a list (expected: a number, true or false, or text)",
                            "backends.n.options.NumGpu: not an Ollama option name (expected: lower-case letters and _, e.g. num_ctx)");
        }

        @Test
        void keepAliveIsForOllamasNativeApiOnly() {
            assertThat(problems("backends:\n  o: { type: openai, url: \"http://127.0.0.1:11434/v1\", keep_alive: 10m }\n"
                    + "  n: { type: ollama, url: \"http://127.0.0.1:11434\", keep_alive: soon }\n"
                    + "routes:\n  - { model: m, targets: [{ backend: o }, { backend: n }] }\n"))
                    .containsExactly("backends.o.keep_alive: set on a type: openai backend (expected: only on type: ollama backends,"
                                    + " which send it to Ollama's native API)",
                            "backends.n.keep_alive: \"soon\" (expected: a duration such as 10m or 2h, 0s to unload after each request, or forever)");
        }

        @Test
        void anOllamaBackendWithTheOpenAiPathIsCaught() {
            assertThat(problems("backends:\n  o: { type: ollama, url: \"http://127.0.0.1:11434/v1\" }\n"
                    + "routes:\n  - { model: m, targets: [{ backend: o }] }\n"))
                    .containsExactly("backends.o.url: \"http://127.0.0.1:11434/v1\" is Ollama's OpenAI-compatible API (expected: for"
                            + " type: ollama, the server's root, e.g. http://127.0.0.1:11434; or type: openai with this url)");
        }

        @ParameterizedTest
        @CsvSource(delimiter = '|', value = {
                "2 minutes | \"2 minutes\"",
                "0s        | \"0s\"",
                "-5s       | \"-5s\"",
                "15        | \"15\"",
                "1d        | \"1d\""})
        void badDurations(String value, String quoted) {
            assertThat(problems("backends:\n  ollama: { url: \"http://127.0.0.1:11434/v1\", timeouts: { first_token: \"" + value + "\" } }\n"
                    + "routes:\n  - { model: m, targets: [{ backend: ollama }] }\n"))
                    .containsExactly("backends.ollama.timeouts.first_token: " + quoted
                            + " (expected: a positive duration such as 500ms, 15s, 2m)");
        }

        @Test
        void goodDurations() throws Exception {
            Config c = parse("backends:\n  o: { url: \"http://127.0.0.1:1/v1\", timeouts: { connect: 500ms, first_token: 1.5s, idle: 2m, response: 1h } }\n"
                    + "routes:\n  - { model: m, targets: [{ backend: o }] }\n", Map.of());

            assertThat(c.backend("o").timeouts()).isEqualTo(new Timeouts(
                    Duration.ofMillis(500), Duration.ofMillis(1500), Duration.ofMinutes(2), Duration.ofHours(1)));
        }

        @ParameterizedTest
        @CsvSource(delimiter = '|', value = {
                "localhost         | host:port, e.g. 127.0.0.1:8470",
                "127.0.0.1:99999   | a port from 0 to 65535",
                "127.0.0.1:http    | a port from 0 to 65535",
                "[::1              | [ipv6]:port, e.g. [::1]:8470",
                "::1:8470          | host:port, e.g. 127.0.0.1:8470"})
        void badListen(String listen, String expected) {
            assertThat(problems("listen: \"" + listen + "\"\n" + BACKENDS + "routes:\n  - { model: m, targets: [{ backend: ollama }] }\n"))
                    .containsExactly("listen: \"" + listen + "\" (expected: " + expected + ")");
        }

        @ParameterizedTest
        @CsvSource(delimiter = '|', value = {
                "8080          | 127.0.0.1 | 8080",
                ":8080         | 0.0.0.0   | 8080",
                "0.0.0.0:0     | 0.0.0.0   | 0",
                "[::1]:8470    | ::1       | 8470"})
        void goodListen(String listen, String host, int port) throws Exception {
            Config c = parse("listen: \"" + listen + "\"\n" + BACKENDS + "routes:\n  - { model: m, targets: [{ backend: ollama }] }\n", Map.of());

            assertThat(c.listen()).isEqualTo(new InetSocketAddress(InetAddress.getByName(host), port));
        }

        @Test
        void unsetVariableSaysHowToFixIt() {
            List<String> p = problems(EXAMPLE, Map.of());

            assertThat(p).containsExactly("backends.openai.api_key: ${OPENAI_API_KEY} is not set "
                    + "(expected: export OPENAI_API_KEY, or write ${OPENAI_API_KEY:-default})");
        }

        @Test
        void variableDefaultsApplyOnlyWhenUnset() throws Exception {
            String yaml = """
                    backends:
                      ollama: { url: "${OLLAMA_URL:-http://127.0.0.1:11434}/v1", api_key: "${OLLAMA_KEY:-}" }
                    routes:
                      - { model: "${DEFAULT_MODEL:-llama3.1:8b}", targets: [{ backend: ollama }] }
                    """;

            Config unset = parse(yaml, Map.of());
            Config set = parse(yaml, Map.of("OLLAMA_URL", "http://10.0.0.5:11434", "DEFAULT_MODEL", "qwen2.5:7b"));

            assertThat(unset.backend("ollama").url()).isEqualTo(URI.create("http://127.0.0.1:11434/v1"));
            assertThat(unset.backend("ollama").apiKey()).as("an empty key is no key").isEmpty();
            assertThat(unset.routes().get(0).model()).isEqualTo("llama3.1:8b");
            assertThat(set.backend("ollama").url()).isEqualTo(URI.create("http://10.0.0.5:11434/v1"));
            assertThat(set.routes().get(0).model()).isEqualTo("qwen2.5:7b");
        }

        @Test
        void otherScalarsAreCheckedToo() {
            assertThat(problems("""
                    contingency: maybe
                    backends:
                      a: { url: "ftp://example.com/v1", retries: 9, cloud: perhaps }
                      b: { url: "http://127.0.0.1:1/v1", headers: { "Bad Header": x } }
                    routes:
                      - { model: m, targets: [{ backend: b, context_window: lots, system_prompt_mode: append }] }
                    breaker: { failure_rate: 150 }
                    limits: { max_body: 16 megabytes }
                    """)).containsExactlyInAnyOrder(
                    "contingency: \"maybe\" (expected: true or false)",
                    "backends.a.url: \"ftp://example.com/v1\" (expected: an http:// or https:// URL)",
                    "backends.a.cloud: \"perhaps\" (expected: true or false)",
                    "backends.a.retries: 9 (expected: 0 to 5)",
                    "backends.b.headers.Bad Header: not a valid header (expected: letters, digits and '-' in the name, one line of value)",
                    "routes[0].targets[0].system_prompt_mode: \"append\" (expected: prepend or replace)",
                    "routes[0].targets[0].context_window: \"lots\" (expected: a whole number)",
                    "breaker.failure_rate: 150 (expected: 1 to 100)",
                    "limits.max_body: \"16 megabytes\" (expected: a size such as 16MiB or 1048576)");
        }

        @Test
        void everyProblemIsReportedAtOnce() {
            ConfigException e = catchThrowableOfType(ConfigException.class, () -> parse("""
                    listen: nowhere
                    backends:
                      ollama: { url: "http://127.0.0.1:11434/v1", timeouts: { idle: forever } }
                    routes:
                      - model: gpt-4o
                        targets: []
                      - model: "*"
                        targets: [{ backend: local }]
                    """, Map.of()));

            assertThat(e.problems()).containsExactly(
                    "listen: \"nowhere\" (expected: host:port, e.g. 127.0.0.1:8470)",
                    "backends.ollama.timeouts.idle: \"forever\" (expected: a positive duration such as 500ms, 15s, 2m)",
                    "routes[0].targets: [] (expected: at least one target)",
                    "routes[1].targets[0].backend: \"local\" (expected: one of ollama)");
            assertThat(e.getMessage()).startsWith("lifeline.yaml: ").contains(e.problems());
        }
    }

    // ------------------------------------------------------------------ secrets

    @Test
    void secretsNeverShowInToString() throws Exception {
        String key = ENV.get("OPENAI_API_KEY");
        Config c = parse(EXAMPLE, ENV);
        BackendConfig openai = c.backend("openai");

        assertThat(new Secret(key).toString()).doesNotContain(key).isEqualTo("(secret)");
        assertThat(new Secret("").toString()).isEqualTo("(empty)");
        assertThat(openai.toString()).doesNotContain(key).doesNotContain("0123456789abcdef");
        assertThat(c.toString()).doesNotContain(key);
        assertThat(openai.apiKey().orElseThrow().value()).as("the value is still there for the upstream call").isEqualTo(key);
    }

    @Test
    void aProblemReportNeverEchoesTheKey() {
        String key = "sk-live-shouldnotleak";
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> parse("""
                backends:
                  openai: { url: "https://api.openai.com/v1", api_key: "${OPENAI_API_KEY}", retries: many }
                routes:
                  - { model: m, targets: [] }
                """, Map.of("OPENAI_API_KEY", key)));

        assertThat(e.getMessage()).doesNotContain(key);
        assertThat(e.problems()).noneMatch(p -> p.contains(key));
    }

    // ------------------------------------------------------------------ cloud inference

    @ParameterizedTest(name = "{0} -> cloud={1}")
    @CsvSource({
            "http://127.0.0.1:11434/v1, false",
            "http://localhost:11434/v1, false",
            "http://10.1.2.3:8000/v1, false",
            "http://192.168.1.20:11434/v1, false",
            "http://172.16.0.9:8080/v1, false",
            "http://gpu-box.local:11434/v1, false",
            "http://host.docker.internal:11434/v1, false",
            "http://[::1]:11434/v1, false",
            "http://[fd12:3456::1]:8000/v1, false",
            "https://api.openai.com/v1, true",
            "https://openrouter.ai/api/v1, true",
            "http://8.8.8.8/v1, true"})
    void cloudIsInferredFromTheUrl(String url, boolean cloud) throws Exception {
        Config c = parse("backends:\n  b: { url: \"" + url + "\" }\nroutes:\n  - { model: m, targets: [{ backend: b }] }\n", Map.of());

        assertThat(c.backend("b").cloud()).isEqualTo(cloud);
        assertThat(c.backend("b").timeouts()).isEqualTo(Timeouts.defaultsFor(cloud));
    }

    @Test
    void explicitCloudWins() throws Exception {
        Config c = parse("""
                backends:
                  proxy: { url: "http://127.0.0.1:4000/v1", cloud: true }
                  lan: { url: "https://llm.example.com/v1", cloud: false }
                routes:
                  - { model: m, targets: [{ backend: proxy }, { backend: lan }] }
                """, Map.of());

        assertThat(c.backend("proxy").cloud()).isTrue();
        assertThat(c.backend("lan").cloud()).isFalse();
    }

    // ------------------------------------------------------------------ library

    @Test
    void libraryMakesTaskRoutesAndTaskTargets() throws Exception {
        Config c = parse("""
                backends:
                  openai: { url: "https://api.openai.com/v1" }
                  ollama: { url: "http://127.0.0.1:11434/v1" }
                library:
                  backend: ollama
                  models: { general: "llama3.1:8b", code: "qwen2.5-coder:7b" }
                routes:
                  - model: "gpt-*"
                    targets: [{ backend: openai }, { task: general }]
                  - model: code
                    targets: [{ backend: openai, model: gpt-4o }]
                """, Map.of());

        assertThat(c.routes()).extracting(RouteConfig::model).containsExactly("gpt-*", "code", "general", "code");
        TargetConfig fallback = c.routes().get(0).targets().get(1);
        assertThat(fallback.backend()).isEqualTo("ollama");
        assertThat(fallback.model()).hasValue("llama3.1:8b");
        RouteConfig general = c.routes().get(2);
        assertThat(general.targets()).singleElement().satisfies(t -> {
            assertThat(t.backend()).isEqualTo("ollama");
            assertThat(t.model()).hasValue("llama3.1:8b");
        });
        assertThat(c.routes().get(3).targets().get(0).model()).hasValue("qwen2.5-coder:7b");
    }

    @Test
    void libraryAloneNeedsNoRoutes() throws Exception {
        Config c = parse("""
                backends:
                  ollama: { url: "http://127.0.0.1:11434/v1" }
                library: { backend: ollama, models: { fast: "mistral:7b" } }
                """, Map.of());

        assertThat(c.routes()).singleElement().satisfies(r -> {
            assertThat(r.model()).isEqualTo("fast");
            assertThat(r.targets().get(0).model()).hasValue("mistral:7b");
        });
    }

    @Test
    void libraryMistakes() {
        assertThat(problems("""
                backends:
                  ollama: { url: "http://127.0.0.1:11434/v1" }
                library: { backend: olama, models: { general: "llama3.1:8b" } }
                routes:
                  - model: m
                    targets: [{ task: poetry }, { task: general, model: "x" }]
                """)).contains(
                "library.backend: \"olama\" (expected: one of ollama)",
                "routes[0].targets[0].task: \"poetry\" (expected: a task from library.models: general)",
                "routes[0].targets[1].task: given together with model (expected: one of them)");
    }

    // ------------------------------------------------------------------ default configuration

    @Nested
    class Default {
        @Test
        void withoutAnOpenAiKeyEverythingGoesToOllama() {
            Config c = DefaultConfig.load(Map.of());

            assertThat(c.listen().getPort()).isEqualTo(ConfigLoader.DEFAULT_PORT);
            assertThat(c.listen().getAddress().isLoopbackAddress()).isTrue();
            assertThat(c.backends()).containsOnlyKeys("ollama");
            assertThat(c.backend("ollama").cloud()).isFalse();
            assertThat(c.routes()).allSatisfy(r -> assertThat(r.targets()).allMatch(t -> t.backend().equals("ollama")));
            RouteConfig gpt = c.routes().stream().filter(r -> r.model().equals("gpt-*")).findFirst().orElseThrow();
            assertThat(gpt.targets()).singleElement().satisfies(t -> assertThat(t.model()).hasValue("llama3.1:8b"));
            assertThat(c.routes()).extracting(RouteConfig::model).contains("general", "code", "reasoning", "fast", "*");
            assertThat(DefaultConfig.yaml(Map.of())).contains("OPENAI_API_KEY is not set");
        }

        @Test
        void withAnOpenAiKeyTheCloudComesFirst() {
            Config c = DefaultConfig.load(Map.of("OPENAI_API_KEY", "sk-proj-abc"));

            assertThat(c.backends().keySet()).containsExactly("openai", "ollama");
            BackendConfig openai = c.backend("openai");
            assertThat(openai.cloud()).isTrue();
            assertThat(openai.url()).isEqualTo(URI.create("https://api.openai.com/v1"));
            assertThat(openai.apiKey()).map(Secret::value).hasValue("sk-proj-abc");
            RouteConfig gpt = c.routes().stream().filter(r -> r.model().equals("gpt-*")).findFirst().orElseThrow();
            assertThat(gpt.targets()).extracting(TargetConfig::backend).containsExactly("openai", "ollama");
            assertThat(DefaultConfig.yaml(Map.of("OPENAI_API_KEY", "sk-proj-abc")))
                    .as("the printed default refers to the variable, never the key").doesNotContain("sk-proj-abc");
        }

        @Test
        void anEmptyOpenAiKeyCountsAsUnset() {
            assertThat(DefaultConfig.load(Map.of("OPENAI_API_KEY", "")).backends()).containsOnlyKeys("ollama");
        }

        @ParameterizedTest(name = "OLLAMA_HOST={0}")
        @CsvSource(delimiter = '|', value = {
                "0.0.0.0                | http://127.0.0.1:11434/v1",
                "0.0.0.0:11500          | http://127.0.0.1:11500/v1",
                "http://10.0.0.5:11434  | http://10.0.0.5:11434/v1",
                "[::]:11434             | http://[::1]:11434/v1",
                "[::1]                  | http://[::1]:11434/v1",
                "gpu-box:11434          | http://gpu-box:11434/v1",
                "127.0.0.1              | http://127.0.0.1:11434/v1",
                ":11500                 | http://127.0.0.1:11500/v1",
                "https://ollama.lan:8443/ | https://ollama.lan:8443/v1"})
        void ollamaHostForms(String ollamaHost, String expected) {
            Config c = DefaultConfig.load(Map.of("OLLAMA_HOST", ollamaHost));

            assertThat(c.backend("ollama").url()).isEqualTo(URI.create(expected));
            assertThat(c.backend("ollama").cloud()).isFalse();
        }

        @Test
        void ollamaHostUnset() {
            Map<String, String> env = new HashMap<>();
            env.put("PATH", "/usr/bin");

            assertThat(DefaultConfig.load(env).backend("ollama").url()).isEqualTo(URI.create("http://127.0.0.1:11434/v1"));
        }

        /**
         * Ollama's own client ({@code envconfig.Host}) uses port 80 for {@code http://host} and 443 for
         * {@code https://host}; 11434 only when no scheme is given.
         */
        @ParameterizedTest(name = "OLLAMA_HOST={0}")
        @CsvSource(delimiter = '|', value = {
                "https://ollama.example.com | 443",
                "http://ollama.example.com  | 80"})
        void schemeWithoutPortUsesTheSchemesPortAsOllamasClientDoes(String ollamaHost, int port) {
            URI url = DefaultConfig.load(Map.of("OLLAMA_HOST", ollamaHost)).backend("ollama").url();

            int effective = url.getPort() == -1 ? (url.getScheme().equals("https") ? 443 : 80) : url.getPort();
            assertThat(effective).as("port of %s", url).isEqualTo(port);
        }

        @Test
        void printedDefaultIsAValidConfiguration() throws Exception {
            for (Map<String, String> env : List.of(Map.<String, String>of(), Map.of("OPENAI_API_KEY", "sk-x", "OLLAMA_HOST", "0.0.0.0:11500"))) {
                Config c = ConfigLoader.parse(DefaultConfig.yaml(env), "printed", env);
                assertThat(c.backends()).containsKey("ollama");
                assertThat(Optional.ofNullable(c.backends().get("openai")).isPresent()).isEqualTo(env.containsKey("OPENAI_API_KEY"));
            }
        }
    }
}
