package dev.lifeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeline.testing.FakeUpstream;
import dev.lifeline.testing.OpenAiFixtures;
import dev.lifeline.testing.RecordedRequest;
import dev.lifeline.testing.Reply;
import dev.lifeline.testing.TestGateway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The packaged jar as a user runs it: {@code java -jar target/lifeline.jar ...} in its own process, talking to fake
 * upstreams over real sockets. Runs after {@code package} (maven-failsafe-plugin).
 */
class LauncherIT {
    private static final Pattern LISTENING = Pattern.compile("lifeline (\\S+) listening on (http://127\\.0\\.0\\.1:(\\d+)) \\(config: .*\\)");
    private static final Duration STARTUP = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private FakeUpstream local;
    private Process process;

    @BeforeEach
    void upstream() {
        local = FakeUpstream.start();
        local.always(Reply.json(200, OpenAiFixtures.chatCompletion("llama3.1:8b", "local answer")));
    }

    @AfterEach
    void stop() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
        }
        local.close();
    }

    private static Path jar() {
        Path base = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
        Path jar = base.resolve("target/lifeline.jar");
        assertThat(jar).as("run `mvn package` first").isRegularFile();
        return jar;
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static List<String> command(String... args) {
        List<String> cmd = new ArrayList<>(List.of(java(), "-jar", jar().toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Lines a process prints, collected by a reader thread as they come. */
    static final class Lines {
        final BlockingQueue<String> queue = new LinkedBlockingQueue<>();
        final List<String> all = new ArrayList<>();

        Lines(InputStream in) {
            Thread.ofVirtual().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                    for (String line = r.readLine(); line != null; line = r.readLine()) {
                        synchronized (all) {
                            all.add(line);
                        }
                        queue.add(line);
                    }
                } catch (IOException e) {
                    // the process went away
                }
            });
        }

        String await(Predicate<String> wanted, Duration timeout, String what) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                long left = deadline - System.nanoTime();
                String line = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : null;
                if (line == null) {
                    throw new AssertionError("no " + what + " within " + timeout + "; output so far:\n" + text());
                }
                if (wanted.test(line)) {
                    return line;
                }
            }
        }

        String text() {
            synchronized (all) {
                return String.join("\n", all);
            }
        }
    }

    @Test
    void servesThroughTheJarAndStopsOnSigterm() throws Exception {
        Path config = Files.writeString(dir.resolve("lifeline.yaml"), """
                backends:
                  cloud: { type: openai, url: "http://127.0.0.1:%d/v1", api_key: "sk-it-secret", cloud: true }
                  local: { type: openai, url: "%s", cloud: false }
                routes:
                  - model: gpt-4o
                    targets:
                      - { backend: cloud }
                      - { backend: local, model: "llama3.1:8b" }
                """.formatted(FakeUpstream.deadPort(), local.url("/v1")));

        ProcessBuilder serve = new ProcessBuilder(command("serve", "--config", config.toString(), "--listen", "127.0.0.1:0"))
                .directory(dir.toFile());
        serve.environment().put("LIFELINE_KEYS_FILE", dir.resolve("keys.json").toString()); // not the user's own keys
        process = serve.start();
        Lines out = new Lines(process.getInputStream());
        Lines err = new Lines(process.getErrorStream());

        String listening = out.await(l -> LISTENING.matcher(l).matches(), STARTUP, "listening line");
        Matcher m = LISTENING.matcher(listening);
        assertThat(m.matches()).isTrue();
        assertThat(m.group(1)).as("the jar knows its version").isNotEqualTo("dev");
        assertThat(Integer.parseInt(m.group(3))).isPositive();
        String base = m.group(2);

        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).proxy(HttpClient.Builder.NO_PROXY)
                .connectTimeout(Duration.ofSeconds(5)).build();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(10))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(TestGateway.chatBody("gpt-4o", "hi", false))).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("local answer");
        assertThat(r.headers().firstValue("x-lifeline-backend")).hasValue("local");
        String requestId = r.headers().firstValue("x-request-id").orElseThrow();
        RecordedRequest seen = local.requests().stream().filter(q -> q.path().endsWith("/chat/completions")).findFirst().orElseThrow();
        assertThat(seen.bodyJson().path("model").asText()).isEqualTo("llama3.1:8b");

        String logLine = out.await(l -> l.startsWith("{") && l.contains(requestId), Duration.ofSeconds(5), "access-log line for " + requestId);
        JsonNode log = new ObjectMapper().readTree(logLine);
        assertThat(log.path("request_id").asText()).isEqualTo(requestId);
        assertThat(log.path("status").asInt()).isEqualTo(200);
        assertThat(log.path("backend").asText()).isEqualTo("local");
        assertThat(log.path("model").asText()).isEqualTo("gpt-4o");
        assertThat(out.text() + err.text()).as("the cloud key never reaches the logs").doesNotContain("sk-it-secret");

        long start = System.nanoTime();
        process.destroy(); // SIGTERM
        boolean exited = process.waitFor(5, TimeUnit.SECONDS);
        long tookMs = (System.nanoTime() - start) / 1_000_000;

        assertThat(exited).as("exited within 5 s of SIGTERM; stderr:\n%s", err.text()).isTrue();
        assertThat(process.exitValue()).isIn(0, 143);
        assertThat(tookMs).isLessThan(5_000);
        assertThat(err.text()).doesNotContain("Exception in thread");
    }

    @Test
    void configCheckOfABadFileExitsOne() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.yaml"), """
                backends:
                  local: { url: "http://127.0.0.1:11434/v1" }
                routes:
                  - model: gpt-4o
                    targets: []
                """);

        Process p = new ProcessBuilder(command("config", "check", bad.toString())).start();
        Lines out = new Lines(p.getInputStream());
        Lines err = new Lines(p.getErrorStream());

        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(1);
        Thread.sleep(50); // let the readers drain
        assertThat(err.text()).contains("routes[0].targets: [] (expected: at least one target)");
        assertThat(out.text()).doesNotContain("OK");
    }

    @Test
    void versionFromTheJar() throws Exception {
        Process p = new ProcessBuilder(command("--version")).redirectErrorStream(true).start();
        Lines out = new Lines(p.getInputStream());

        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        String line = out.await(l -> l.startsWith("lifeline "), Duration.ofSeconds(2), "version line");
        assertThat(line).doesNotStartWith("lifeline dev");
    }

    /**
     * The launcher records a JDK AOT cache the first time a build runs and starts later commands from it. Checked
     * through the JVM's own log: the cache must be opened and mapped, not silently rejected (a training run whose
     * flags differ from the launcher's makes the JVM refuse the cache and start as slowly as without it).
     */
    @Test
    void launcherStartsCommandsFromTheAotCache() throws Exception {
        assumeTrue(Runtime.version().feature() >= 25, "the AOT cache needs JDK 25");
        Path root = jar().getParent().getParent();
        Path runDir = root.resolve("target/run");
        try (var old = Files.exists(runDir) ? Files.list(runDir) : Stream.<Path>empty()) {
            for (Path p : old.filter(p -> p.getFileName().toString().contains(".aot")).toList()) {
                Files.delete(p);
            }
        }

        Result first = launch(root, Map.of(), "--version");
        assertThat(first.code()).as(first.err()).isZero();
        assertThat(first.out()).startsWith("lifeline ");
        assertThat(first.err()).contains("preparing the fast-start cache");
        try (var files = Files.list(runDir)) {
            assertThat(files.map(p -> p.getFileName().toString())).anyMatch(n -> n.matches("lifeline-jdk.*\\.aot"));
        }

        Result second = launch(root, Map.of("JAVA_OPTS", "-Xlog:aot=info"), "config", "default");
        assertThat(second.code()).as(second.err()).isZero();
        assertThat(second.err()).as("recorded once per build").doesNotContain("preparing the fast-start cache");
        assertThat(second.out()).contains("Opened AOT cache").doesNotContain("Unable to map").contains("routes:");

        Result off = launch(root, Map.of("LIFELINE_AOT", "0", "JAVA_OPTS", "-Xlog:aot=info"), "--version");
        assertThat(off.out()).doesNotContain("Opened AOT cache").contains("lifeline ");

        // The launcher picks the serial collector only when JAVA_OPTS names none: two would stop the JVM.
        Result g1 = launch(root, Map.of("JAVA_OPTS", "-XX:+UseG1GC"), "--version");
        assertThat(g1.code()).as(g1.err()).isZero();
        assertThat(g1.out()).startsWith("lifeline ");
        Result tool = launch(root, Map.of("JAVA_TOOL_OPTIONS", "-XX:+UseParallelGC"), "--version");
        assertThat(tool.code()).as(tool.err()).isZero();
    }

    record Result(int code, String out, String err) {
    }

    private static Result launch(Path root, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(root.resolve("lifeline").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder b = new ProcessBuilder(cmd);
        b.environment().put("JAVA_HOME", System.getProperty("java.home"));
        b.environment().putAll(env);
        Process p = b.start();
        Lines out = new Lines(p.getInputStream());
        Lines err = new Lines(p.getErrorStream());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("launcher finished").isTrue();
        Thread.sleep(50); // let the readers drain
        return new Result(p.exitValue(), out.text(), err.text());
    }
}
