package dev.lifeline.security;

import dev.lifeline.testing.FakeUpstream;
import dev.lifeline.testing.Reply;
import dev.lifeline.testing.TestGateway;
import dev.lifeline.testing.Upstreams;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static dev.lifeline.testing.OpenAiFixtures.chatCompletion;
import static org.assertj.core.api.Assertions.assertThat;

/** Hostile clients over raw sockets: each gets a clear error (or a closed door) and costs the models nothing. */
class HostileInputTest {
    @RegisterExtension
    final Upstreams upstreams = new Upstreams();
    private final FakeUpstream local = upstreams.local();
    private TestGateway gw;

    @BeforeEach
    void start() {
        local.always(Reply.json(200, chatCompletion("llama3.1:8b", "local answer")));
        gw = upstreams.gateway("""
                backends:
                  local: { type: openai, url: "%s", cloud: false }
                routes:
                  - model: "*"
                    targets: [ { backend: local } ]
                limits: { header_timeout: 300ms, body_timeout: 300ms, idle_timeout: 2s, max_connections: 4 }
                cors: { origins: [ "https://app.example.com" ] }
                """.formatted(local.url("/v1")));
    }

    private int port() {
        return gw.running().address().getPort();
    }

    /** Sends raw bytes and returns what came back until the server closed or {@code wait} passed. */
    private String raw(byte[] request, Duration wait) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port())) {
            s.setSoTimeout((int) wait.toMillis());
            s.getOutputStream().write(request);
            s.getOutputStream().flush();
            try {
                return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (java.net.SocketTimeoutException e) {
                return "(no answer)";
            }
        }
    }

    @Test
    void slowlorisGets408AndIsClosed() throws Exception {
        try (Socket s = new Socket("127.0.0.1", port())) {
            s.setSoTimeout(3_000);
            OutputStream out = s.getOutputStream();
            long start = System.nanoTime();
            out.write("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n".getBytes());
            out.flush();
            String answer;
            try {
                for (int i = 0; i < 20; i++) { // one header line every 100 ms, never finishing
                    Thread.sleep(100);
                    out.write(("X-Slow-" + i + ": y\r\n").getBytes());
                    out.flush();
                }
            } catch (java.io.IOException closed) {
                // the server gave up on us: expected
            }
            answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertThat(answer).startsWith("HTTP/1.1 408").contains("request_timeout");
            assertThat(tookMs).isLessThan(1_800);
        }
        assertThat(local.requestCount()).isZero();
    }

    @Test
    void aBodyThatNeverArrivesGets408() throws Exception {
        String answer = raw(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: 100\r\n\r\n{\"model\":").getBytes(), Duration.ofSeconds(3));

        assertThat(answer).startsWith("HTTP/1.1 408");
        assertThat(local.requestCount()).isZero();
    }

    @Test
    void tooManyConnectionsAreRefused() throws Exception {
        Socket[] held = new Socket[4];
        try {
            for (int i = 0; i < held.length; i++) {
                held[i] = new Socket("127.0.0.1", port());
            }
            Thread.sleep(200);
            try (Socket fifth = new Socket("127.0.0.1", port())) {
                fifth.setSoTimeout(2_000);
                String answer = new String(fifth.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(answer).as("told why, then closed").startsWith("HTTP/1.1 503").contains("too many connections");
            }
        } finally {
            for (Socket s : held) {
                if (s != null) {
                    s.close();
                }
            }
        }
        Thread.sleep(200);
        assertThat(gw.get("/healthz").statusCode()).as("room again once they close").isEqualTo(200);
    }

    @Test
    void invalidUtf8AndDeepNestingAreRefusedWithoutInternals() throws Exception {
        byte[] bad = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"\u0000\"}]}".getBytes(StandardCharsets.UTF_8);
        bad[bad.length - 6] = (byte) 0xC3; // a lone lead byte: not UTF-8
        String invalid = raw(http("POST", "/v1/chat/completions", bad), Duration.ofSeconds(3));
        assertThat(invalid).startsWith("HTTP/1.1 400").contains("not valid JSON").doesNotContain("Exception").doesNotContain("jackson");

        String deep = "{\"model\":\"m\",\"x\":" + "[".repeat(5_000) + "]".repeat(5_000) + "}";
        String nested = raw(http("POST", "/v1/chat/completions", deep.getBytes()), Duration.ofSeconds(3));
        assertThat(nested).startsWith("HTTP/1.1 400").doesNotContain("Exception").doesNotContain("StreamConstraints");
        assertThat(local.requestCount()).isZero();
    }

    @Test
    void unknownMethodsAndHeaderInjectionGoNowhere() throws Exception {
        assertThat(raw(http("BREW", "/v1/chat/completions", new byte[0]), Duration.ofSeconds(3))).startsWith("HTTP/1.1 405");

        String injected = raw(("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: abc\r\n Set-Cookie: pwned=1\r\n\r\n").getBytes(),
                Duration.ofSeconds(3));
        assertThat(injected).doesNotContain("Set-Cookie").doesNotContain("pwned");
    }

    @Test
    void browsersFromOtherOriginsAreRefused() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> preflight = http.send(HttpRequest.newBuilder(URI.create(gw.url("/v1/chat/completions")))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("origin", "https://app.example.com").header("access-control-request-method", "POST")
                .header("access-control-request-headers", "authorization, content-type").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(preflight.statusCode()).isEqualTo(204);
        assertThat(preflight.headers().firstValue("access-control-allow-origin")).hasValue("https://app.example.com");

        HttpResponse<String> allowed = http.send(HttpRequest.newBuilder(URI.create(gw.url("/v1/chat/completions")))
                .header("origin", "https://app.example.com").header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(TestGateway.chatBody("m", "hi", false))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(allowed.statusCode()).isEqualTo(200);
        assertThat(allowed.headers().firstValue("access-control-allow-origin")).hasValue("https://app.example.com");

        HttpResponse<String> evil = http.send(HttpRequest.newBuilder(URI.create(gw.url("/v1/chat/completions")))
                .header("origin", "https://evil.example").header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(TestGateway.chatBody("m", "hi", false))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(evil.statusCode()).isEqualTo(403);
        assertThat(evil.headers().firstValue("access-control-allow-origin")).isEmpty();
        assertThat(local.requestCount()).as("only the allowed origin's request").isEqualTo(1);
    }

    private static byte[] http(String method, String path, byte[] body) {
        byte[] head = (method + " " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[head.length + body.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(body, 0, all, head.length, body.length);
        return all;
    }

    @Test
    void withoutKeysOnlyIpAddressesAndLocalNamesAreServed() throws Exception {
        String rebound = raw("GET /v1/models HTTP/1.1\r\nHost: attacker.example:8470\r\nConnection: close\r\n\r\n".getBytes(), Duration.ofSeconds(3));
        String local = raw("GET /v1/models HTTP/1.1\r\nHost: localhost:8470\r\nConnection: close\r\n\r\n".getBytes(), Duration.ofSeconds(3));
        String ip = raw("GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".getBytes(), Duration.ofSeconds(3));

        assertThat(rebound).startsWith("HTTP/1.1 403").contains("host_not_allowed");
        assertThat(local).startsWith("HTTP/1.1 200");
        assertThat(ip).startsWith("HTTP/1.1 200");
    }
}
