package dev.lifeline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code lifeline doctor} as a user runs it: what it prints, and the exit code scripts read. */
class DoctorCommandTest {
    private static final boolean ROOT = System.getProperty("user.name").equals("root");

    @TempDir
    Path dir;

    private HttpServer ollama;

    @BeforeEach
    void fakeOllama() throws IOException {
        ollama = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        ollama.createContext("/", x -> {
            String path = x.getRequestURI().getPath();
            String body = switch (path) {
                case "/" -> "Ollama is running";
                case "/api/version" -> "{\"version\":\"0.12.3\"}";
                case "/api/tags" -> "{\"models\":[]}";
                case "/v1/models" -> "{\"object\":\"list\",\"data\":[]}";
                default -> null;
            };
            byte[] b = (body == null ? "404 page not found" : body).getBytes(StandardCharsets.UTF_8);
            boolean foreign = x.getRequestHeaders().containsKey("Origin");
            x.sendResponseHeaders(foreign ? 403 : body == null ? 404 : 200, foreign ? -1 : b.length);
            if (!foreign) {
                x.getResponseBody().write(b);
            }
            x.close();
        });
        ollama.start();
    }

    @AfterEach
    void stop() {
        ollama.stop(0);
    }

    private int port() {
        return ollama.getAddress().getPort();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void aHealthyServerPrintsWhatAnswersAndASummary() {
        CliTest.Run r = CliTest.run("doctor", "--url", "127.0.0.1:" + port());

        assertThat(r.out()).contains("127.0.0.1:" + port() + " (http://127.0.0.1:" + port() + ")")
                .contains("ok    answers as Ollama 0.12.3")
                .containsPattern("0 fail, " + (ROOT ? 1 : 0) + " warn, \\d+ ok \\(\\d+ ms\\)");
        assertThat(r.exit()).isEqualTo(ROOT ? 1 : 0);
    }

    @Test
    void aDeadServerFailsWithExitTwoAndJsonForScripts() throws Exception {
        int port = freePort();
        CliTest.Run r = CliTest.run("doctor", "--url", "http://127.0.0.1:" + port, "--json");

        assertThat(r.exit()).isEqualTo(2);
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertThat(json.path("status").asText()).isEqualTo("fail");
        assertThat(json.path("exit_code").asInt()).isEqualTo(2);
        assertThat(json.path("findings").findValuesAsText("code")).contains("connect.refused", "port.free");
        JsonNode refused = json.path("findings").get(0);
        assertThat(refused.path("evidence").get(0).asText()).startsWith("127.0.0.1:" + port + ": connection refused");
        assertThat(refused.path("fix").isArray()).isTrue();
    }

    @Test
    void theConfigurationsBackendsAreExaminedAndAMissingV1IsFixed() throws IOException {
        Path f = dir.resolve("lifeline.yaml");
        Files.writeString(f, """
                backends:
                  local: { type: openai, url: "http://127.0.0.1:%d" }
                routes:
                  - model: "*"
                    targets: [{ backend: local, model: llama3.2 }]
                """.formatted(port()));
        CliTest.Run r = CliTest.run("doctor", "-c", f.toString());

        assertThat(r.out()).contains("local (http://127.0.0.1:" + port() + ")")
                .contains("fail  the base URL lacks /v1")
                .contains("fix: url: http://127.0.0.1:" + port() + "/v1");
        assertThat(r.exit()).isEqualTo(2);
    }

    @Test
    void badOptionsExitThreeWithTheReason() {
        for (List<String> args : List.of(
                List.of("--timeout", "soon"),
                List.of("--from-outside", "no-port-here"),
                List.of("--host", "127.0.0.1"),
                List.of("--port", "70000"),
                List.of("--url", "ftp://x"))) {
            String[] argv = java.util.stream.Stream.concat(java.util.stream.Stream.of("doctor"), args.stream()).toArray(String[]::new);
            CliTest.Run r = CliTest.run(argv);
            assertThat(r.exit()).as(String.join(" ", args)).isEqualTo(3);
            assertThat(r.err()).as(String.join(" ", args)).startsWith("lifeline: " + args.getFirst());
        }
    }

    @Test
    void aBrokenConfigurationIsUnknownNotAFinding() throws IOException {
        Path f = dir.resolve("broken.yaml");
        Files.writeString(f, "backends: [");
        CliTest.Run r = CliTest.run(Map.of(), "doctor", "-c", f.toString());

        assertThat(r.exit()).isEqualTo(3);
        assertThat(r.err()).contains(f.toString());
    }
}
