package dev.lifeline.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeline.testing.FakeUpstream;
import dev.lifeline.testing.TestGateway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The command line as a user types it: exit codes and what is printed where. */
class CliTest {

    /** One run of {@code lifeline ARGS}. */
    record Run(int exit, String out, String err) {
    }

    static Run run(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        try (PrintWriter o = new PrintWriter(out, true); PrintWriter e = new PrintWriter(err, true)) {
            int code = Main.run(args, o, e, env);
            o.flush();
            e.flush();
            return new Run(code, out.toString(), err.toString());
        }
    }

    static Run run(String... args) {
        return run(Map.of(), args);
    }

    @TempDir
    Path dir;

    @Test
    void versionNamesTheProgram() {
        Run r = run("--version");

        assertThat(r.exit()).isZero();
        assertThat(r.out()).startsWith("lifeline ").contains("Java");
    }

    @Test
    void helpListsTheCommands() {
        Run r = run("--help");

        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("serve", "config", "contingency");
    }

    @Test
    void noArgumentsPrintsUsage() {
        Run r = run();

        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("Usage: lifeline", "serve", "contingency");
    }

    @Test
    void unknownCommandIsAUsageError() {
        Run r = run("srve");

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("srve");
    }

    // ------------------------------------------------------------------ config

    @Nested
    class ConfigCheck {
        @Test
        void goodFileIsOk() throws Exception {
            Path file = dir.resolve("good.yaml");
            Files.writeString(file, """
                    listen: 127.0.0.1:9000
                    backends:
                      openai: { url: "https://api.openai.com/v1", api_key: "${OPENAI_API_KEY}" }
                      ollama: { url: "http://127.0.0.1:11434/v1" }
                    routes:
                      - model: gpt-4o
                        targets: [{ backend: openai }, { backend: ollama, model: "llama3.1:8b" }]
                    """);

            Run r = run(Map.of("OPENAI_API_KEY", "sk-test"), "config", "check", file.toString());

            assertThat(r.exit()).isZero();
            assertThat(r.out()).contains(file.toString(), "OK", "2 backends", "1 route", "127.0.0.1:9000");
            assertThat(r.err()).isEmpty();
        }

        @Test
        void badFileListsEveryProblem() throws Exception {
            Path file = dir.resolve("bad.yaml");
            Files.writeString(file, """
                    listen: somewhere
                    backends:
                      ollama: { url: "http://127.0.0.1:11434/v1" }
                    routes:
                      - model: gpt-4o
                        targets: []
                      - model: "*"
                        targets: [{ backend: olama }]
                    """);

            Run r = run("config", "check", file.toString());

            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.err()).contains(file + ": 3 problems",
                    "  listen: \"somewhere\" (expected: host:port, e.g. 127.0.0.1:8470)",
                    "  routes[0].targets: [] (expected: at least one target)",
                    "  routes[1].targets[0].backend: \"olama\" (expected: one of ollama)");
            assertThat(r.out()).doesNotContain("OK");
        }

        @Test
        void unsetVariableIsAProblem() throws Exception {
            Path file = dir.resolve("env.yaml");
            Files.writeString(file, """
                    backends:
                      openai: { url: "https://api.openai.com/v1", api_key: "${OPENAI_API_KEY}" }
                    routes:
                      - { model: "*", targets: [{ backend: openai }] }
                    """);

            Run r = run(Map.of(), "config", "check", file.toString());

            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.err()).contains("backends.openai.api_key: ${OPENAI_API_KEY} is not set");
        }

        @Test
        void missingFile() {
            Path file = dir.resolve("nope.yaml");

            Run r = run("config", "check", file.toString());

            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.err()).contains(file.toString()).contains("file not found");
        }

        @Test
        void printedDefaultPassesTheCheck() throws Exception {
            for (Map<String, String> env : List.of(Map.<String, String>of(), Map.of("OPENAI_API_KEY", "sk-proj-xyz", "OLLAMA_HOST", "0.0.0.0:11500"))) {
                Run printed = run(env, "config", "default");
                assertThat(printed.exit()).isZero();
                assertThat(printed.out()).contains("backends:", "routes:", "ollama").doesNotContain("sk-proj-xyz");
                Path file = Files.writeString(dir.resolve("default-" + env.size() + ".yaml"), printed.out());

                Run check = run(env, "config", "check", file.toString());

                assertThat(check.exit()).as(check.err()).isZero();
                assertThat(check.out()).contains("OK", env.isEmpty() ? "1 backend," : "2 backends");
            }
        }
    }

    // ------------------------------------------------------------------ contingency

    @Nested
    class Contingency {
        private TestGateway gw;

        @AfterEach
        void stop() {
            if (gw != null) {
                gw.close();
            }
        }

        private boolean gatewaySays() throws Exception {
            var r = gw.get("/admin/contingency");
            assertThat(r.statusCode()).isEqualTo(200);
            return new ObjectMapper().readTree(r.body()).path("contingency").asBoolean();
        }

        @Test
        void switchesARunningGatewayOnAndOff() throws Exception {
            gw = TestGateway.start("""
                    backends:
                      local: { url: "http://127.0.0.1:%d/v1" }
                    routes:
                      - { model: "*", targets: [{ backend: local }] }
                    """.formatted(FakeUpstream.deadPort()));
            String url = gw.url("");

            Run status = run("contingency", "status", "--gateway", url);
            assertThat(status.exit()).isZero();
            assertThat(status.out()).contains("contingency mode: off");
            assertThat(gatewaySays()).isFalse();

            Run on = run("contingency", "on", "--gateway", url + "/");
            assertThat(on.exit()).as(on.err()).isZero();
            assertThat(on.out()).contains("contingency mode: ON");
            assertThat(gatewaySays()).isTrue();

            Run stillOn = run("contingency", "--gateway", url);
            assertThat(stillOn.out()).as("status is the default action").contains("contingency mode: ON");

            Run off = run("contingency", "OFF", "--gateway", url);
            assertThat(off.exit()).isZero();
            assertThat(off.out()).contains("contingency mode: off");
            assertThat(gatewaySays()).isFalse();
        }

        @Test
        void gatewayFromTheEnvironment() throws Exception {
            gw = TestGateway.start("""
                    backends:
                      local: { url: "http://127.0.0.1:%d/v1" }
                    routes:
                      - { model: "*", targets: [{ backend: local }] }
                    """.formatted(FakeUpstream.deadPort()));

            Run on = run(Map.of("LIFELINE_GATEWAY", gw.url("")), "contingency", "on");

            assertThat(on.exit()).isZero();
            assertThat(gatewaySays()).isTrue();
        }

        @Test
        void deadGatewayIsExplained() {
            String url = "http://127.0.0.1:" + FakeUpstream.deadPort();

            Run r = run("contingency", "on", "--gateway", url);

            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.err()).contains("no gateway at " + url, "connection refused", "lifeline serve", "--gateway");
            assertThat(r.out()).isEmpty();
        }

        @Test
        void badActionIsAUsageError() {
            Run r = run("contingency", "maybe", "--gateway", "http://127.0.0.1:1");

            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err()).contains("maybe");
        }
    }
}
