package dev.lifeline.server;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeline.testing.FakeUpstream;
import dev.lifeline.testing.Reply;
import dev.lifeline.testing.TestGateway;
import dev.lifeline.testing.Upstreams;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import static dev.lifeline.testing.OpenAiFixtures.chatCompletion;
import static dev.lifeline.testing.OpenAiFixtures.streamOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code /admin/drill}: the failover drill's fault, over real sockets, with a fake cloud and a fake local upstream.
 * What a user of the gateway sees during and after a drill, and that the cloud never hears from it meanwhile.
 */
class DrillEndpointTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final Upstreams upstreams = new Upstreams();
    private final FakeUpstream cloud = upstreams.cloud();
    private final FakeUpstream local = upstreams.local();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private TestGateway gw;

    @TempDir
    Path dir;

    @BeforeEach
    void upstreamsAnswer() {
        cloud.always(Reply.json(200, chatCompletion("gpt-4o", "cloud answer")));
        local.always(Reply.json(200, chatCompletion("llama3.1:8b", "local answer")));
    }

    /** Cloud first, local second; a short connect timeout and a breaker that opens after two failures for 500 ms. */
    private void gateway(String extra) {
        gw = upstreams.gateway("""
                backends:
                  cloud: { type: openai, url: "%s", api_key: "sk-cloud", cloud: true,
                           timeouts: { connect: 800ms, first_token: 5s, response: 5s } }
                  local: { type: openai, url: "%s", cloud: false }
                routes:
                  - model: gpt-4o
                    targets:
                      - { backend: cloud, model: gpt-4o }
                      - { backend: local, model: "llama3.1:8b" }
                breaker: { minimum_calls: 2, window: 4, open_for: 500ms }
                """.formatted(cloud.url("/v1"), local.url("/v1")) + extra);
    }

    @Test
    void refusedDrillSendsEverythingLocalUntilLiftedAndTheCloudHearsNothing() {
        gateway("");
        ListAppender<ILoggingEvent> access = listen("lifeline.access");
        try {
            HttpResponse<String> started = gw.post("/admin/drill", "{\"fault\":\"refused\",\"for\":\"15m\"}");

            assertThat(started.statusCode()).isEqualTo(200);
            JsonNode body = json(started);
            assertThat(body.path("fault").asText()).isEqualTo("refused");
            assertThat(body.path("backends").toString()).isEqualTo("[\"cloud\"]");
            Duration length = Duration.between(Instant.parse(body.path("started").asText()), Instant.parse(body.path("until").asText()));
            assertThat(length).isEqualTo(Duration.ofMinutes(15));

            HttpResponse<String> r = gw.chat("gpt-4o", "hi");

            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("local answer");
            assertThat(r.headers().firstValue("x-lifeline-backend")).hasValue("local");
            assertThat(r.headers().firstValue("x-lifeline-failover")).hasValue("cloud gpt-4o: connection refused (drill)");
            assertThat(r.headers().firstValue("x-lifeline-attempts")).as("refused, retried at once as for a real refusal, then local")
                    .hasValue("3");
            String requestId = r.headers().firstValue("x-request-id").orElseThrow();
            await().atMost(Duration.ofSeconds(5)).until(() -> text(access).contains(requestId));
            assertThat(text(access)).contains("\"failover\":\"cloud gpt-4o: connection refused (drill)\"");

            HttpResponse<String> skipped = gw.chat("gpt-4o", "again");
            assertThat(skipped.body()).contains("local answer");
            assertThat(skipped.headers().firstValue("x-lifeline-failover")).as("the breaker opened as in a real outage")
                    .hasValue("cloud gpt-4o: circuit open after connection refused (drill)");
            assertThat(gw.get("/admin/breakers").body()).contains("\"cloud/gpt-4o\":{\"state\":\"open\",\"last_failure\":\"connection refused (drill)\"");
            String metrics = gw.get("/metrics").body();
            assertThat(metrics).contains("lifeline_drill_active 1.0")
                    .contains("lifeline_failovers_total{backend=\"cloud\",reason=\"connection refused\"} 1.0");
            assertThat(cloud.requestCount()).isZero();
            assertThat(cloud.connectionCount()).as("not even a connection").isZero();

            HttpResponse<String> lifted = http("DELETE", "/admin/drill", "", Map.of());
            assertThat(lifted.statusCode()).isEqualTo(200);
            assertThat(lifted.body()).isEqualTo("{\"fault\":\"none\",\"lifted\":true}");
            assertThat(http("DELETE", "/admin/drill", "", Map.of()).body()).isEqualTo("{\"fault\":\"none\",\"lifted\":false}");
            assertThat(gw.get("/metrics").body()).contains("lifeline_drill_active 0.0");

            // the circuit lets a probe through after open_for, and closes on its success: no one has to reset it
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                    .until(() -> gw.chat("gpt-4o", "probe").headers().firstValue("x-lifeline-backend").orElse("").equals("cloud"));
            HttpResponse<String> after = gw.chat("gpt-4o", "after");
            assertThat(after.body()).contains("cloud answer");
            assertThat(after.headers().firstValue("x-lifeline-failover")).isEmpty();
            assertThat(gw.get("/admin/breakers").body()).contains("\"cloud/gpt-4o\":{\"state\":\"closed\"");
        } finally {
            detach("lifeline.access", access);
        }
    }

    @Test
    void silentDrillFailsOverAfterTheConnectTimeoutWithoutAConnection() {
        gateway("");
        assertThat(gw.post("/admin/drill", "{\"fault\":\"silent\",\"for\":\"15m\"}").statusCode()).isEqualTo(200);

        long start = System.nanoTime();
        HttpResponse<String> r = gw.chat("gpt-4o", "hi");
        long tookMs = (System.nanoTime() - start) / 1_000_000;

        assertThat(r.body()).contains("local answer");
        assertThat(r.headers().firstValue("x-lifeline-failover")).hasValue("cloud gpt-4o: connect timeout (drill)");
        assertThat(r.headers().firstValue("x-lifeline-attempts")).as("a silent target is never retried").hasValue("2");
        assertThat(tookMs).as("the cloud's connect timeout (800 ms), not at once").isBetween(750L, 3_000L);
        assertThat(cloud.connectionCount()).isZero();
    }

    @Test
    void streamsFailOverUnderTheDrillAndStreamsAlreadyRunningAreLeftAlone() throws Exception {
        gateway("");
        cloud.always(Reply.sse(streamOf("gpt-4o", "cloud", " keeps", " talking")).withEventInterval(Duration.ofMillis(200)));
        local.always(Reply.sse(streamOf("llama3.1:8b", "local", " stream")));

        CompletableFuture<TestGateway.StreamResult> running = CompletableFuture.supplyAsync(() -> gw.stream("gpt-4o", "long answer"));
        cloud.takeRequest(Duration.ofSeconds(5));
        assertThat(gw.post("/admin/drill", "{\"fault\":\"refused\",\"for\":\"15m\"}").statusCode()).isEqualTo(200);

        TestGateway.StreamResult drilled = gw.stream("gpt-4o", "hi");
        assertThat(drilled.status()).isEqualTo(200);
        assertThat(drilled.header("x-lifeline-backend")).isEqualTo("local");
        assertThat(drilled.header("x-lifeline-failover")).isEqualTo("cloud gpt-4o: connection refused (drill)");
        assertThat(drilled.text()).isEqualTo("local stream");
        assertThat(drilled.endedWithDone()).isTrue();

        TestGateway.StreamResult untouched = running.get();
        assertThat(untouched.header("x-lifeline-backend")).isEqualTo("cloud");
        assertThat(untouched.text()).isEqualTo("cloud keeps talking");
        assertThat(untouched.endedWithDone()).isTrue();
        assertThat(untouched.hasErrorEvent()).isFalse();
        assertThat(cloud.requestCount()).as("only the stream started before the drill").isEqualTo(1);
    }

    @Test
    void theFaultLiftsItselfWhenItsTimeIsUp() {
        gateway("");
        assertThat(gw.post("/admin/drill", "{\"fault\":\"refused\",\"for\":\"1s\"}").statusCode()).isEqualTo(200);
        assertThat(gw.chat("gpt-4o", "during").headers().firstValue("x-lifeline-backend")).hasValue("local");

        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                .until(() -> gw.chat("gpt-4o", "after").headers().firstValue("x-lifeline-backend").orElse("").equals("cloud"));
        assertThat(gw.get("/admin/drill").body()).isEqualTo("{\"fault\":\"none\"}");
        assertThat(gw.get("/metrics").body()).contains("lifeline_drill_active 0.0");
    }

    @Test
    void getShowsTheFaultAndASecondPostReplacesIt() {
        gateway("");
        assertThat(gw.get("/admin/drill").body()).isEqualTo("{\"fault\":\"none\"}");

        gw.post("/admin/drill", "{\"fault\":\"refused\",\"for\":\"15m\"}");
        JsonNode shown = json(gw.get("/admin/drill"));
        assertThat(shown.path("fault").asText()).isEqualTo("refused");
        assertThat(shown.path("backends").toString()).isEqualTo("[\"cloud\"]");
        assertThat(shown.path("remaining_ms").asLong()).isBetween(Duration.ofMinutes(14).toMillis(), Duration.ofMinutes(15).toMillis());

        HttpResponse<String> replaced = gw.post("/admin/drill", "{\"fault\":\"silent\",\"for\":\"1h\"}");
        assertThat(json(replaced).path("fault").asText()).isEqualTo("silent");
        JsonNode now = json(gw.get("/admin/drill"));
        assertThat(now.path("fault").asText()).isEqualTo("silent");
        assertThat(now.path("remaining_ms").asLong()).isGreaterThan(Duration.ofMinutes(59).toMillis());
        assertThat(now.path("until").asText()).isEqualTo(json(replaced).path("until").asText());

        assertThat(http("PUT", "/admin/drill", "{}", Map.of()).statusCode()).isEqualTo(405);
    }

    @Test
    void badRequestsAreRefusedWithAReason() {
        gateway("");

        assertBadRequest("not json", null);
        assertBadRequest("[1,2]", null);
        assertBadRequest("{\"for\":\"15m\"}", "fault");
        assertBadRequest("{\"fault\":\"flaky\",\"for\":\"15m\"}", "fault");
        assertBadRequest("{\"fault\":\"refused\"}", "for");
        assertBadRequest("{\"fault\":\"refused\",\"for\":\"soon\"}", "for");
        assertBadRequest("{\"fault\":\"refused\",\"for\":900}", "for");
        assertBadRequest("{\"fault\":\"refused\",\"for\":\"0s\"}", "for");
        assertBadRequest("{\"fault\":\"refused\",\"for\":\"25h\"}", "for");

        assertThat(gw.post("/admin/drill", "{\"fault\":\"refused\",\"for\":\"24h\"}").statusCode()).as("the longest allowed").isEqualTo(200);
    }

    private void assertBadRequest(String body, String param) {
        HttpResponse<String> r = gw.post("/admin/drill", body);
        assertThat(r.statusCode()).as(body).isEqualTo(400);
        JsonNode error = json(r).path("error");
        assertThat(error.path("code").asText()).isEqualTo("invalid_request");
        assertThat(error.path("message").asText()).as(body).isNotEmpty();
        if (param != null) {
            assertThat(error.path("param").asText()).as(body).isEqualTo(param);
        }
        assertThat(gw.get("/admin/drill").body()).isEqualTo("{\"fault\":\"none\"}");
    }

    @Test
    void withoutACloudBackendThereIsNothingToDrill() {
        gw = upstreams.gateway("""
                backends:
                  local: { type: openai, url: "%s", cloud: false }
                routes:
                  - model: "*"
                    targets: [ { backend: local } ]
                """.formatted(local.url("/v1")));

        HttpResponse<String> r = gw.post("/admin/drill", "{\"fault\":\"refused\",\"for\":\"15m\"}");

        assertThat(r.statusCode()).isEqualTo(409);
        JsonNode error = json(r).path("error");
        assertThat(error.path("code").asText()).isEqualTo("nothing_to_drill");
        assertThat(error.path("message").asText()).contains("cloud: true");
        assertThat(gw.get("/admin/drill").body()).isEqualTo("{\"fault\":\"none\"}");
    }

    @Test
    void onlyAdminsMayDrillAndEveryStartAndLiftIsAudited() {
        String adminKey = "an-admin-secret-of-32-characters";
        gateway("auth: { keys_file: \"%s\", admin_key: \"%s\" }\n".formatted(dir.resolve("keys.json"), adminKey));
        ListAppender<ILoggingEvent> audit = listen("lifeline.audit");
        try {
            String start = "{\"fault\":\"refused\",\"for\":\"15m\"}";
            for (Map<String, String> who : java.util.List.of(Map.<String, String>of(), Map.of("authorization", "Bearer not-the-admin-key"))) {
                HttpResponse<String> drill = http("POST", "/admin/drill", start, who);
                HttpResponse<String> contingency = http("POST", "/admin/contingency", "{\"enabled\":true}", who);
                assertThat(drill.statusCode()).as("as /admin/contingency answers").isEqualTo(contingency.statusCode()).isEqualTo(401);
                assertThat(drill.body()).isEqualTo(contingency.body());
                assertThat(http("DELETE", "/admin/drill", "", who).statusCode()).isEqualTo(401);
                assertThat(http("GET", "/admin/drill", "", who).statusCode()).isEqualTo(401);
            }
            Map<String, String> admin = Map.of("authorization", "Bearer " + adminKey);
            assertThat(http("GET", "/admin/drill", "", admin).body()).as("nothing was started").isEqualTo("{\"fault\":\"none\"}");

            assertThat(http("POST", "/admin/drill", start, admin).statusCode()).isEqualTo(200);
            assertThat(http("DELETE", "/admin/drill", "", admin).body()).isEqualTo("{\"fault\":\"none\",\"lifted\":true}");

            await().atMost(Duration.ofSeconds(5)).until(() -> text(audit).contains("\"action\":\"lift\""));
            assertThat(text(audit)).contains("\"audit\":\"drill\"")
                    .contains("\"action\":\"start\",\"fault\":\"refused\"")
                    .contains("\"backends\":\"cloud\"")
                    .contains("\"lifted\":true")
                    .doesNotContain(adminKey);
        } finally {
            detach("lifeline.audit", audit);
        }
    }

    // ------------------------------------------------------------------ helpers

    private HttpResponse<String> http(String method, String path, String body, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.url(path)))
                .method(method, body.isEmpty() ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (!body.isEmpty()) {
            b.header("content-type", "application/json");
        }
        headers.forEach(b::header);
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode json(HttpResponse<String> r) {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ListAppender<ILoggingEvent> listen(String logger) {
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        ((Logger) LoggerFactory.getLogger(logger)).addAppender(lines);
        return lines;
    }

    private static void detach(String logger, ListAppender<ILoggingEvent> lines) {
        ((Logger) LoggerFactory.getLogger(logger)).detachAppender(lines);
    }

    private static String text(ListAppender<ILoggingEvent> lines) {
        synchronized (lines) {
            return lines.list.stream().map(ILoggingEvent::getFormattedMessage).collect(Collectors.joining("\n"));
        }
    }
}
