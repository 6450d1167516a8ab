package dev.lifeline.monitor.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeline.monitor.Notice;
import dev.lifeline.monitor.Notice.Item;
import dev.lifeline.monitor.Notice.Kind;
import dev.lifeline.probe.Check;
import dev.lifeline.probe.Measure;
import dev.lifeline.probe.Status;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The notices the sink tests send, and the settings that keep them fast. */
final class Fixtures {
    static final Instant AT = Instant.parse("2026-01-02T03:04:05Z");

    /**
     * Short waits between attempts, so that a retry costs the tests little; no proxy. The timeouts stay generous: a
     * busy build machine must not fail a test that is not about timeouts (those set their own).
     */
    static final HttpSender.Settings FAST = new HttpSender.Settings(Duration.ofSeconds(10), Duration.ofSeconds(10), 2,
            Duration.ofMillis(20), Duration.ofSeconds(10), Optional.empty());

    private Fixtures() {
    }

    /** One run's changes: a backend down, one slow, one recovered. */
    static Notice mixed() {
        Check down = Check.of("ollama", "service", Status.CRITICAL, "connection refused");
        Check slow = new Check("ollama", "inference", Status.WARNING, "llama3.1:8b: 6.2 tokens/s (warning below 10)", List.of(
                Measure.of("tokens_per_second", 6.2, "").forModel("llama3.1:8b").judgedBy("10:", "3:"),
                Measure.of("ttft", 1.8, "s").forModel("llama3.1:8b"),
                Measure.of("load_time", 0.4, "s")));
        Check back = Check.of("vllm", "models", Status.OK, "2 models served");
        return new Notice("gpu-box", AT, List.of(
                new Item(Kind.PROBLEM, down, Status.OK),
                new Item(Kind.PROBLEM, slow, Status.OK),
                new Item(Kind.RECOVERY, back, Status.WARNING)));
    }

    /** One check that went from OK to {@code status}. */
    static Notice problem(Status status, String summary) {
        return new Notice("gpu-box", AT, List.of(new Item(Kind.PROBLEM, Check.of("ollama", "service", status, summary), Status.OK)));
    }

    static Notice recovery() {
        return new Notice("gpu-box", AT, List.of(
                new Item(Kind.RECOVERY, Check.of("ollama", "service", Status.OK, "reachable (3 models)"), Status.CRITICAL)));
    }

    /** What {@code lifeline monitor test-alert} sends. */
    static Notice test() {
        return new Notice("gpu-box", AT, List.of(new Item(Kind.TEST, Check.of("lifeline", "test", Status.OK, "test alert"), Status.OK)));
    }

    static JsonNode golden(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/monitor/" + name)) {
            if (in == null) {
                throw new IllegalStateException("no test resource /monitor/" + name);
            }
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A loopback port with nothing listening. */
    static int deadPort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
