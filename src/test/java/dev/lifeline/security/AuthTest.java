package dev.lifeline.security;

import dev.lifeline.auth.KeySpec;
import dev.lifeline.auth.KeyStore;
import dev.lifeline.config.ConfigLoader;
import dev.lifeline.server.RunningGateway;
import dev.lifeline.testing.FakeUpstream;
import dev.lifeline.testing.RecordedRequest;
import dev.lifeline.testing.Reply;
import dev.lifeline.testing.TestGateway;
import dev.lifeline.testing.Upstreams;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.lifeline.testing.OpenAiFixtures.chatCompletion;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * API keys attacked over real sockets: a gateway with a key file, a fake cloud and a fake local server, and clients
 * presenting no key, bad keys, revoked, expired and restricted keys.
 */
class AuthTest {
    @RegisterExtension
    final Upstreams upstreams = new Upstreams();
    private final FakeUpstream cloud = upstreams.cloud();
    private final FakeUpstream local = upstreams.local();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    Path dir;
    private KeyStore keys;
    private TestGateway gw;

    @BeforeEach
    void start() throws Exception {
        cloud.always(Reply.json(200, chatCompletion("gpt-4o", "cloud answer")));
        local.always(Reply.json(200, chatCompletion("llama3.1:8b", "local answer")));
        keys = KeyStore.open(dir.resolve("keys.json"));
        keys.create(KeySpec.named("first"), Instant.now()); // auth is on as soon as the file holds a key
    }

    private void gateway(String extra) {
        gw = upstreams.gateway("""
                backends:
                  cloud: { type: openai, url: "%s", api_key: "sk-cloud", cloud: true }
                  local: { type: openai, url: "%s", cloud: false }
                routes:
                  - model: gpt-4o
                    targets: [ { backend: cloud }, { backend: local, model: "llama3.1:8b" } ]
                  - model: cloud-only
                    targets: [ { backend: cloud } ]
                auth: { keys_file: "%s" }
                """.formatted(cloud.url("/v1"), local.url("/v1"), dir.resolve("keys.json")) + extra);
    }

    private String key(KeySpec spec) throws Exception {
        return keys.create(spec, Instant.now()).token();
    }

    private HttpResponse<String> chat(String model, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.url("/v1/chat/completions")))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(TestGateway.chatBody(model, "hi", false)));
        headers.forEach(b::header);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.url(path)));
        headers.forEach(b::header);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A configuration listening on every interface, with its keys in {@code keysFile}. */
    private dev.lifeline.config.Config listeningEverywhere(Path keysFile) throws Exception {
        return ConfigLoader.parse("""
                listen: 0.0.0.0:0
                health: { interval: off }
                backends:
                  local: { type: openai, url: "%s", cloud: false }
                routes:
                  - model: "*"
                    targets: [ { backend: local } ]
                auth: { keys_file: "%s" }
                """.formatted(local.url("/v1"), keysFile), "test", Map.of());
    }

    private static Map<String, String> bearer(String token) {
        return Map.of("authorization", "Bearer " + token);
    }

    @Test
    void aValidKeyIsAcceptedInEitherHeaderAndNeverForwarded() throws Exception {
        String token = key(KeySpec.named("app"));
        gateway("");

        assertThat(chat("gpt-4o", bearer(token)).statusCode()).isEqualTo(200);
        assertThat(chat("gpt-4o", Map.of("x-api-key", token)).statusCode()).isEqualTo(200);

        for (RecordedRequest r : cloud.requests()) {
            assertThat(r.header("authorization")).isEqualTo("Bearer sk-cloud");
            assertThat(r.header("x-api-key")).isNull();
            assertThat(r.bodyText()).doesNotContain(token);
        }
    }

    @Test
    void missingWrongRevokedAndExpiredKeysGet401AndReachNoUpstream() throws Exception {
        String revoked = key(KeySpec.named("old"));
        keys.revoke("old", Instant.now());
        String expiring = key(KeySpec.named("short").withExpires(Instant.now().plusSeconds(1)));
        String valid = key(KeySpec.named("good"));
        String wrongSecret = valid.substring(0, valid.length() - 4) + (valid.endsWith("AAAA") ? "BBBB" : "AAAA");
        gateway("");
        assertThat(chat("gpt-4o", bearer(valid)).statusCode()).isEqualTo(200);
        Thread.sleep(1_100); // "short" has expired
        int before = cloud.requestCount() + local.requestCount();

        for (Map<String, String> h : List.of(Map.<String, String>of(), bearer("nonsense"), bearer(wrongSecret), bearer(revoked),
                bearer(expiring), Map.of("authorization", "Basic " + valid))) {
            HttpResponse<String> r = chat("gpt-4o", h);
            assertThat(r.statusCode()).as("%s", h.keySet()).isEqualTo(401);
            assertThat(r.headers().firstValue("www-authenticate")).hasValue("Bearer");
            assertThat(r.body()).contains("\"type\":\"authentication_error\"").doesNotContain(valid.substring(12));
        }
        assertThat(cloud.requestCount() + local.requestCount()).isEqualTo(before);
    }

    @Test
    void aKeyMayOnlyUseItsModels() throws Exception {
        String token = key(KeySpec.named("narrow").withModels(List.of("gpt-4o")));
        gateway("");

        HttpResponse<String> refused = chat("cloud-only", bearer(token));

        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.body()).contains("may not use model 'cloud-only'").contains("model_not_allowed");
        assertThat(get("/v1/models", bearer(token)).body()).contains("\"gpt-4o\"").doesNotContain("cloud-only");
        HttpResponse<String> unknown = chat("no-such-model", bearer(token));
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).as("only the names this key may use").contains("available: gpt-4o").doesNotContain("cloud-only");
    }

    @Test
    void aLocalOnlyKeyNeverReachesTheCloud() throws Exception {
        String token = key(KeySpec.named("private-data").withLocalOnly(true));
        gateway("");

        HttpResponse<String> r = chat("gpt-4o", bearer(token));
        HttpResponse<String> none = chat("cloud-only", bearer(token));

        assertThat(r.body()).contains("local answer");
        assertThat(r.headers().firstValue("x-lifeline-failover")).as("by design, not a failover").isEmpty();
        assertThat(none.statusCode()).isEqualTo(503);
        assertThat(none.body()).contains("this key is local-only and route 'cloud-only' has no local target");
        assertThat(cloud.requestCount()).as("the fake cloud saw nothing").isZero();
    }

    @Test
    void requestsPerMinuteHoldUnderConcurrency() throws Exception {
        String token = key(KeySpec.named("metered").withRpm(5));
        gateway("");

        int clients = 40;
        CountDownLatch go = new CountDownLatch(1);
        List<Future<HttpResponse<String>>> answers = new ArrayList<>();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < clients; i++) {
                answers.add(pool.submit(() -> {
                    go.await();
                    return chat("gpt-4o", bearer(token));
                }));
            }
            go.countDown();
        }
        List<HttpResponse<String>> limited = new ArrayList<>();
        int ok = 0;
        for (Future<HttpResponse<String>> a : answers) {
            HttpResponse<String> r = a.get();
            if (r.statusCode() == 200) {
                ok++;
            } else {
                assertThat(r.statusCode()).isEqualTo(429);
                limited.add(r);
            }
        }
        assertThat(ok).isEqualTo(5);
        assertThat(limited).hasSize(clients - 5);
        HttpResponse<String> one = limited.get(0);
        assertThat(one.headers().firstValue("retry-after")).hasValueSatisfying(v -> assertThat(Integer.parseInt(v)).isBetween(1, 60));
        assertThat(one.headers().firstValue("x-ratelimit-limit-requests")).hasValue("5");
        assertThat(one.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("0");
        assertThat(one.body()).contains("\"type\":\"rate_limit_error\"").contains("requests per minute (5)");
        assertThat(cloud.requestCount()).isEqualTo(5);
    }

    @Test
    void concurrentRequestsPerKeyAreCapped() throws Exception {
        cloud.always(Reply.json(200, chatCompletion("gpt-4o", "slow")).withHeaderDelay(Duration.ofMillis(500)));
        String token = key(KeySpec.named("one-at-a-time").withConcurrency(1));
        gateway("");

        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<HttpResponse<String>> first = pool.submit(() -> chat("gpt-4o", bearer(token)));
            Thread.sleep(150);
            HttpResponse<String> second = chat("gpt-4o", bearer(token));
            assertThat(second.statusCode()).isEqualTo(429);
            assertThat(first.get().statusCode()).isEqualTo(200);
        }
        assertThat(chat("gpt-4o", bearer(token)).statusCode()).as("the slot was given back").isEqualTo(200);
    }

    @Test
    void guessingKeysGetsAnAddressRefused() throws Exception {
        String valid = key(KeySpec.named("real"));
        gateway("");

        for (int i = 0; i < 20; i++) {
            assertThat(chat("gpt-4o", bearer("ll_aaaaaaaa_" + "x".repeat(43))).statusCode()).isEqualTo(401);
        }
        HttpResponse<String> braked = chat("gpt-4o", bearer(valid));

        assertThat(braked.statusCode()).isEqualTo(429);
        assertThat(braked.body()).contains("too many failed authentications");
        assertThat(braked.headers().firstValue("retry-after")).isPresent();
    }

    @Test
    void adminEndpointsNeedAdminRights() throws Exception {
        String user = key(KeySpec.named("user"));
        String admin = key(KeySpec.named("ops").withAdmin(true));
        gateway("");

        assertThat(get("/admin/contingency", Map.of()).statusCode()).as("even from loopback").isEqualTo(401);
        assertThat(get("/admin/contingency", bearer(user)).statusCode()).isEqualTo(403);
        assertThat(get("/admin/contingency", bearer(admin)).body()).isEqualTo("{\"contingency\":false}");
    }

    @Test
    void theConfiguredAdminKeyWorksForAdminEndpointsOnly() throws Exception {
        gw = upstreams.gateway("""
                backends:
                  local: { type: openai, url: "%s", cloud: false }
                routes:
                  - model: "*"
                    targets: [ { backend: local } ]
                auth: { keys_file: "%s", admin_key: "an-admin-secret-of-32-characters" }
                """.formatted(local.url("/v1"), dir.resolve("none.json")));

        assertThat(get("/admin/breakers", bearer("an-admin-secret-of-32-characters")).statusCode()).isEqualTo(200);
        assertThat(get("/admin/breakers", bearer("an-admin-secret-of-32-characterX")).statusCode()).isEqualTo(401);
        assertThat(chat("m", bearer("an-admin-secret-of-32-characters")).statusCode()).as("not a client key").isEqualTo(401);
    }

    @Test
    void readinessAndMetricsTellStrangersNothing() throws Exception {
        String token = key(KeySpec.named("monitor"));
        gateway("");

        assertThat(get("/healthz", Map.of()).statusCode()).isEqualTo(200);
        assertThat(get("/readyz", Map.of()).body()).isEqualTo("{\"status\":\"ready\"}");
        assertThat(get("/readyz", bearer(token)).body()).contains("\"routes\"");
        assertThat(get("/metrics", Map.of()).statusCode()).isEqualTo(401);
    }

    @Test
    void aKeyCreatedWhileRunningIsAcceptedWithinSeconds() throws Exception {
        gateway("");
        String later = key(KeySpec.named("later"));

        await().atMost(Duration.ofSeconds(5)).until(() -> chat("gpt-4o", bearer(later)).statusCode() == 200);
        keys.revoke("later", Instant.now());
        await().atMost(Duration.ofSeconds(5)).until(() -> chat("gpt-4o", bearer(later)).statusCode() == 401);
    }

    @Test
    void refusesToListenBeyondLoopbackWithoutAuthentication() throws Exception {
        var config = listeningEverywhere(dir.resolve("empty.json"));

        assertThatThrownBy(() -> RunningGateway.start(config, "test"))
                .isInstanceOf(RunningGateway.UnsafeListenException.class)
                .hasMessageContaining("refusing to listen on 0.0.0.0 without authentication")
                .hasMessageContaining("lifeline keys create");
        try (RunningGateway insecure = RunningGateway.start(config, "test", true)) {
            assertThat(insecure.address().getPort()).isPositive();
        }
        var withKeys = listeningEverywhere(dir.resolve("keys.json"));
        try (RunningGateway guarded = RunningGateway.start(withKeys, "test")) {
            assertThat(guarded.authSummary()).startsWith("on (1 active key");
        }
    }

    @Test
    void securityEventsReachTheAuditLogWithoutSecrets() throws Exception {
        ch.qos.logback.classic.Logger audit = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("lifeline.audit");
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> lines = new ch.qos.logback.core.read.ListAppender<>();
        lines.start();
        audit.addAppender(lines);
        try {
            gateway("");
            String token = key(KeySpec.named("audited").withAdmin(true));
            await().atMost(Duration.ofSeconds(5)).until(() -> text(lines).contains("\"audit\":\"key_created\""));

            HttpResponse<String> bad = chat("gpt-4o", bearer("ll_zzzzzzzz_" + "y".repeat(43)));
            get("/admin/contingency", bearer(token));

            String all = text(lines);
            assertThat(all).contains("\"audit\":\"auth_failure\"").contains("\"reason\":\"unknown\"")
                    .contains("\"request_id\":\"" + bad.headers().firstValue("x-request-id").orElseThrow() + "\"")
                    .contains("\"client\":\"127.0.0.1\"")
                    .contains("\"audit\":\"admin_access\"")
                    .contains("\"name\":\"audited\"");
            assertThat(all).doesNotContain(token).doesNotContain("y".repeat(43)).doesNotContain("sha256:");
        } finally {
            audit.detachAppender(lines);
        }
    }

    private static String text(ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> lines) {
        return String.join("\n", lines.list.stream().map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage).toList());
    }

    @Test
    void theContingencyCommandUsesAnAdminKey() throws Exception {
        String admin = key(KeySpec.named("ops").withAdmin(true));
        gateway("");
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();

        int refused = dev.lifeline.cli.Main.run(new String[] {"contingency", "on", "--gateway", gw.url("")},
                new java.io.PrintWriter(out), new java.io.PrintWriter(err), Map.of());
        int done = dev.lifeline.cli.Main.run(new String[] {"contingency", "on", "--gateway", gw.url("")},
                new java.io.PrintWriter(out), new java.io.PrintWriter(err), Map.of("LIFELINE_ADMIN_KEY", admin));

        assertThat(refused).isEqualTo(1);
        assertThat(err.toString()).contains("--admin-key");
        assertThat(done).isZero();
        assertThat(out.toString()).contains("contingency mode: ON");
        assertThat(get("/admin/contingency", bearer(admin)).body()).isEqualTo("{\"contingency\":true}");
    }

    @Test
    void emptyingTheKeyFileDoesNotOpenTheDoor() throws Exception {
        String token = key(KeySpec.named("app"));
        gateway("");
        assertThat(chat("gpt-4o", bearer(token)).statusCode()).isEqualTo(200);

        java.nio.file.Files.writeString(dir.resolve("keys.json"), "{\"version\":1,\"keys\":[]}");
        Thread.sleep(1_500);

        assertThat(chat("gpt-4o", Map.of()).statusCode()).isEqualTo(401);
    }

    @Test
    void streamsAreChargedToTheTokenBudgetToo() throws Exception {
        cloud.always(Reply.sse(dev.lifeline.testing.OpenAiFixtures.roleChunk("gpt-4o"),
                dev.lifeline.testing.OpenAiFixtures.chunk("gpt-4o", "hello"),
                dev.lifeline.testing.OpenAiFixtures.finishChunk("gpt-4o", "stop"),
                dev.lifeline.testing.OpenAiFixtures.usageChunk("gpt-4o", 600, 500),
                dev.lifeline.testing.OpenAiFixtures.DONE));
        String token = key(KeySpec.named("budget").withTpm(1000));
        gateway("");

        HttpResponse<String> first = http.send(HttpRequest.newBuilder(URI.create(gw.url("/v1/chat/completions")))
                .header("content-type", "application/json").header("authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString(TestGateway.chatBody("gpt-4o", "hi", true))).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> second = chat("gpt-4o", bearer(token));

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.body()).as("the client did not ask for usage").doesNotContain("\"usage\"").contains("data: [DONE]");
        assertThat(cloud.requests().get(0).bodyJson().path("stream_options").path("include_usage").asBoolean()).isTrue();
        assertThat(second.statusCode()).as("1,100 tokens spent of 1,000 per minute").isEqualTo(429);
        assertThat(second.body()).contains("tokens per minute (1000)");
    }

    @Test
    void adminsManageKeysOverHttp() throws Exception {
        String admin = key(KeySpec.named("ops").withAdmin(true));
        String user = key(KeySpec.named("user"));
        gateway("");

        HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(gw.url("/admin/keys")))
                .header("authorization", "Bearer " + admin).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"robot\",\"models\":[\"gpt-4o\"],\"rpm\":60}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).isEqualTo(201);
        String token = new com.fasterxml.jackson.databind.ObjectMapper().readTree(created.body()).path("token").asText();
        assertThat(token).startsWith("ll_");
        await().atMost(Duration.ofSeconds(5)).until(() -> chat("gpt-4o", bearer(token)).statusCode() == 200);

        String listed = get("/admin/keys", bearer(admin)).body();
        assertThat(listed).contains("\"name\":\"robot\"").contains("\"rpm\":60").doesNotContain(token).doesNotContain("sha256");
        assertThat(get("/admin/keys", bearer(user)).statusCode()).isEqualTo(403);

        HttpResponse<String> revoked = http.send(HttpRequest.newBuilder(URI.create(gw.url("/admin/keys/robot")))
                .header("authorization", "Bearer " + admin).DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(revoked.statusCode()).isEqualTo(200);
        assertThat(revoked.body()).contains("\"status\":\"revoked\"");
        await().atMost(Duration.ofSeconds(5)).until(() -> chat("gpt-4o", bearer(token)).statusCode() == 401);

        HttpResponse<String> bad = http.send(HttpRequest.newBuilder(URI.create(gw.url("/admin/keys")))
                .header("authorization", "Bearer " + admin).POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"x\",\"rpm\":0}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("rpm");
    }
}
