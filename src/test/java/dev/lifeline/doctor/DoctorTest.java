package dev.lifeline.doctor;

import dev.lifeline.doctor.Target.Api;
import dev.lifeline.doctor.Target.Source;
import dev.lifeline.doctor.listen.Listeners;
import dev.lifeline.firewall.FirewallDetector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/** The runbook against real listeners on this machine: each test sets up one way a model server goes wrong. */
class DoctorTest {
    private static final Duration TIMEOUT = Duration.ofMillis(700);

    @TempDir
    Path root;

    private Report run(Map<String, String> env, Target... targets) {
        Doctor doctor = new Doctor(env, root, Listeners.forThisMachine(), FirewallDetector.forThisMachine());
        return doctor.run(new Doctor.Plan(List.of(targets), false, Optional.empty(), TIMEOUT));
    }

    private Report run(Target... targets) {
        return run(Map.of(), targets);
    }

    private static Target ollama(String url) {
        return new Target("ollama", Source.CONFIGURED, URI.create(url), Optional.of(ServerKind.OLLAMA), Optional.of(Api.OLLAMA), Map.of());
    }

    private static Target openai(String url) {
        return new Target("local", Source.CONFIGURED, URI.create(url), Optional.empty(), Optional.of(Api.OPENAI), Map.of());
    }

    private static Finding finding(Report r, String code) {
        return r.findings().stream().filter(f -> f.code().equals(code)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + code + " in " + codes(r)));
    }

    private static List<String> codes(Report r) {
        return r.findings().stream().map(f -> f.severity().word() + " " + f.code()).toList();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static boolean ipv6Loopback() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("::1"))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void nothingListeningIsRefusedAndTheReportSaysNoServerRuns() throws IOException {
        int port = freePort();
        Report r = run(ollama("http://127.0.0.1:" + port));

        assertThat(finding(r, "connect.refused").severity()).isEqualTo(Severity.FAIL);
        Finding free = finding(r, "port.free");
        assertThat(free.title()).contains("nothing listens on port " + port);
        assertThat(free.evidence()).anyMatch(e -> e.contains("no Ollama process runs"));
        assertThat(free.fix()).anyMatch(f -> f.contains("systemctl start ollama"));
        assertThat(r.exitCode()).isEqualTo(2);
    }

    @Test
    void aWorkingOllamaOnLoopbackIsFine() {
        try (ModelServer s = ModelServer.ollama("127.0.0.1")) {
            Report r = run(ollama("http://127.0.0.1:" + s.port()));

            assertThat(finding(r, "server.identified").title()).isEqualTo("answers as Ollama 0.12.3");
            Finding listening = finding(r, "port.listening");
            assertThat(listening.title()).isEqualTo("listening on 127.0.0.1:" + s.port() + " java (pid " + ProcessHandle.current().pid()
                    + ", user " + System.getProperty("user.name") + ")");
            assertThat(finding(r, "url.ok").severity()).isEqualTo(Severity.OK);
            assertThat(finding(r, "cors.foreign-refused").severity()).isEqualTo(Severity.OK);
            assertThat(finding(r, "exposure.loopback").severity()).isEqualTo(Severity.OK);
            // the only warning a healthy server may draw is that this test runs it as root
            boolean root = System.getProperty("user.name").equals("root");
            assertThat(r.findings()).filteredOn(f -> f.severity().compareTo(Severity.WARN) >= 0)
                    .extracting(Finding::code).containsExactlyElementsOf(root ? List.of("harden.root") : List.of());
            assertThat(r.exitCode()).isEqualTo(root ? 1 : 0);
        }
    }

    @Test
    void aProgramSquattingOnTheOllamaPortIsNamed() {
        try (ModelServer s = ModelServer.on("127.0.0.1")) {
            s.route("/", x -> ModelServer.Answer.text(200, "<html><title>Grafana</title></html>"));
            Report r = run(ollama("http://127.0.0.1:" + s.port()));

            Finding squatter = finding(r, "server.squatter");
            assertThat(squatter.severity()).isEqualTo(Severity.FAIL);
            assertThat(squatter.title()).isEqualTo("port " + s.port() + " is held by another program, not Ollama");
            assertThat(squatter.evidence()).anyMatch(e -> e.contains("Grafana"));
            assertThat(finding(r, "port.listening").title()).contains("java (pid " + ProcessHandle.current().pid());
        }
    }

    @Test
    void aNonHttpProgramOnThePortIsToldApart() throws Exception {
        try (ServerSocket banner = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                while (!banner.isClosed()) {
                    try (Socket c = banner.accept()) {
                        c.getOutputStream().write("SSH-2.0-OpenSSH_9.2\r\n".getBytes(StandardCharsets.US_ASCII));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            Report r = run(ollama("http://127.0.0.1:" + banner.getLocalPort()));

            assertThat(codes(r)).anyMatch(c -> c.equals("fail http.not-http") || c.equals("fail http.reset"));
        }
    }

    @Test
    void localhostResolvingToIpv6WhileTheServerListensOnIpv4OnlyIsTheClassicTrap() {
        assumeThat(ipv6Loopback()).as("IPv6 loopback available").isTrue();
        try (ModelServer s = ModelServer.ollama("127.0.0.1")) {
            Report viaName = run(ollama("http://localhost:" + s.port()));
            Finding partial = finding(viaName, "connect.partial");
            assertThat(partial.severity()).isEqualTo(Severity.INFO);
            assertThat(partial.evidence()).anyMatch(e -> e.startsWith("[::1]:" + s.port() + ": connection refused"));
            assertThat(partial.fix().getFirst()).contains("point it at http://127.0.0.1:" + s.port() + " instead of localhost");

            Report viaV6 = run(ollama("http://[::1]:" + s.port()));
            Finding other = finding(viaV6, "port.other-address");
            assertThat(other.severity()).isEqualTo(Severity.FAIL);
            assertThat(other.title()).isEqualTo("the port is open on 127.0.0.1:" + s.port() + ", not on [::1]:" + s.port());
        }
    }

    @Test
    void aForeignOriginRefusedByOllamaIsExplainedAndAWildcardIsFlagged() {
        try (ModelServer strict = ModelServer.ollama("127.0.0.1")) {
            Finding f = finding(run(ollama("http://127.0.0.1:" + strict.port())), "cors.foreign-refused");
            assertThat(f.evidence()).anyMatch(e -> e.contains("OLLAMA_ORIGINS"));
        }
        try (ModelServer open = ModelServer.on("127.0.0.1")) {
            open.route("/", x -> ModelServer.Answer.text(200, "Ollama is running"));
            open.route("/api/tags", x -> ModelServer.Answer.json(200, "{\"models\":[]}"));
            open.route("/api/version", x -> new ModelServer.Answer(200, "application/json", "{\"version\":\"0.12.3\"}",
                    Map.of("Access-Control-Allow-Origin", "*")));
            Finding f = finding(run(ollama("http://127.0.0.1:" + open.port())), "cors.any-origin");
            assertThat(f.severity()).isEqualTo(Severity.WARN);
            assertThat(f.fix().getFirst()).contains("OLLAMA_ORIGINS=https://");
        }
    }

    @Test
    void ollamaOnAllInterfacesWithNoFirewallIsExposed() {
        try (ModelServer s = ModelServer.ollama("0.0.0.0")) {
            Report r = run(ollama("http://127.0.0.1:" + s.port()));
            assumeThat(r.findings()).as("no firewall filters this machine's ports").noneMatch(f -> f.code().equals("exposure.unknown"));

            Finding exposed = finding(r, "exposure.open");
            assertThat(exposed.severity()).isEqualTo(Severity.FAIL);
            assertThat(exposed.title()).containsAnyOf("0.0.0.0:" + s.port(), "*:" + s.port());
            assertThat(exposed.fix()).anyMatch(f -> f.contains("OLLAMA_HOST=127.0.0.1:" + s.port()));
            assertThat(exposed.fix()).anyMatch(f -> f.contains("lifeline firewall apply --port " + s.port() + " --allow "));
        }
    }

    @Test
    void aServerThatAcceptsButNeverAnswersIsReportedWithinTheTimeout() throws IOException {
        try (ServerSocket silent = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            List<Socket> held = new ArrayList<>();
            Thread.ofVirtual().start(() -> {
                while (!silent.isClosed()) {
                    try {
                        held.add(silent.accept());
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            long start = System.nanoTime();
            Report r = run(ollama("http://127.0.0.1:" + silent.getLocalPort()));
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            Finding f = finding(r, "http.no-answer");
            assertThat(f.title()).contains("sends no HTTP answer within 700 ms");
            assertThat(took).isLessThan(TIMEOUT.multipliedBy(4));
        }
    }

    @Test
    void aLlamaCppServerStillLoadingIsAWarningNotAFailure() {
        try (ModelServer s = ModelServer.on("127.0.0.1")) {
            s.route("/health", x -> ModelServer.Answer.json(503,
                    "{\"error\":{\"code\":503,\"message\":\"Loading model\",\"type\":\"unavailable_error\"}}"));
            s.route("/v1/models", x -> ModelServer.Answer.json(503,
                    "{\"error\":{\"code\":503,\"message\":\"Loading model\",\"type\":\"unavailable_error\"}}"));
            Report r = run(new Target("llama", Source.COMMAND_LINE, URI.create("http://127.0.0.1:" + s.port()),
                    Optional.of(ServerKind.LLAMA_CPP), Optional.empty(), Map.of()));

            Finding f = finding(r, "server.loading");
            assertThat(f.severity()).isEqualTo(Severity.WARN);
            assertThat(f.title()).isEqualTo("llama.cpp is up but still loading its model");
        }
    }

    @Test
    void anOpenAiBaseUrlWithoutV1IsCaughtWithTheCorrectedUrl() {
        try (ModelServer s = ModelServer.on("127.0.0.1")) {
            s.route("/health", x -> ModelServer.Answer.json(200, "{\"status\":\"ok\"}"));
            s.route("/v1/models", x -> ModelServer.Answer.json(200, "{\"object\":\"list\",\"data\":[{\"id\":\"qwen\",\"owned_by\":\"llamacpp\"}]}"));
            Report r = run(openai("http://127.0.0.1:" + s.port()));

            Finding f = finding(r, "url.missing-v1");
            assertThat(f.severity()).isEqualTo(Severity.FAIL);
            assertThat(f.fix()).containsExactly("url: http://127.0.0.1:" + s.port() + "/v1");

            assertThat(finding(run(openai("http://127.0.0.1:" + s.port() + "/v1")), "url.ok").title())
                    .isEqualTo("the base URL leads to the OpenAI-compatible API");
        }
    }

    @Test
    void aServerThatWantsAKeyIsNotASquatterAndTheMissingKeyIsNamed() {
        try (ModelServer s = ModelServer.on("127.0.0.1")) {
            s.route("/v1/models", x -> ModelServer.Answer.json(401, "{\"error\":\"Unauthorized\"}"));
            Report r = run(openai("http://127.0.0.1:" + s.port() + "/v1"));

            assertThat(codes(r)).contains("info server.locked").doesNotContain("fail server.squatter");
            Finding key = finding(r, "url.needs-key");
            assertThat(key.severity()).isEqualTo(Severity.FAIL);
            assertThat(key.fix().getFirst()).startsWith("set api_key for this backend");
        }
    }

    @Test
    void anHttpsUrlToAPlainServerIsATlsMismatch() {
        try (ModelServer s = ModelServer.ollama("127.0.0.1")) {
            Report r = run(ollama("https://127.0.0.1:" + s.port()));

            Finding f = finding(r, "tls.not-tls");
            assertThat(f.fix()).containsExactly("use http://127.0.0.1:" + s.port());
        }
    }

    @Test
    void aProxyThatWouldSwallowLocalhostCallsIsFlaggedUntilNoProxyNamesLoopback() throws IOException {
        int port = freePort();
        Report proxied = run(Map.of("HTTP_PROXY", "http://proxy.corp:3128"), ollama("http://127.0.0.1:" + port));
        Finding f = finding(proxied, "env.proxy");
        assertThat(f.severity()).isEqualTo(Severity.WARN);
        assertThat(f.fix().getFirst()).startsWith("export NO_PROXY=localhost,127.0.0.1,::1");

        Report exempt = run(Map.of("HTTP_PROXY", "http://proxy.corp:3128", "NO_PROXY", "localhost,127.0.0.1,::1"),
                ollama("http://127.0.0.1:" + port));
        assertThat(finding(exempt, "env.proxy-ok").severity()).isEqualTo(Severity.OK);
    }

    @Test
    void fromOutsideShowsWhatAScannerGets() {
        try (ModelServer s = ModelServer.ollama("127.0.0.1")) {
            Doctor doctor = new Doctor(Map.of(), root, Listeners.forThisMachine(), FirewallDetector.forThisMachine());
            Report r = doctor.run(new Doctor.Plan(List.of(), false, Optional.of(new Doctor.Outsider("127.0.0.1", s.port())), TIMEOUT));

            Finding f = finding(r, "outside.open");
            assertThat(f.title()).startsWith("answers /api/tags, /api/version, /api/ps, /v1/models without a key");
        }
    }

    @Test
    void wellKnownPortsWithNothingOnThemAreNotReportedOneByOne() {
        Doctor doctor = new Doctor(Map.of(), root, Listeners.forThisMachine(), FirewallDetector.forThisMachine());
        Report r = doctor.run(new Doctor.Plan(List.of(), true, Optional.empty(), TIMEOUT));
        assumeThat(r.findings()).as("no model server runs on this machine").anyMatch(f -> f.code().equals("discover.none"));

        assertThat(r.findings()).filteredOn(f -> f.severity() == Severity.FAIL).hasSize(1);
        assertThat(finding(r, "discover.none").evidence().getFirst()).contains("11434").contains("1234").contains("9931");
    }
}
