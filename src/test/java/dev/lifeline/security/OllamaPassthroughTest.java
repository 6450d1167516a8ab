package dev.lifeline.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeline.auth.KeySpec;
import dev.lifeline.auth.KeyStore;
import dev.lifeline.testing.FakeUpstream;
import dev.lifeline.testing.RecordedRequest;
import dev.lifeline.testing.Reply;
import dev.lifeline.testing.TestGateway;
import dev.lifeline.testing.Upstreams;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Ollama's native API through the gateway, over real sockets, with a {@link FakeUpstream} playing Ollama: which
 * endpoints pass and for whom, what non-admins may ask, what goes upstream, and that streams are not buffered.
 */
class OllamaPassthroughTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final Upstreams upstreams = new Upstreams();
    private final FakeUpstream ollama = upstreams.local();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .proxy(HttpClient.Builder.NO_PROXY).build();

    @TempDir
    Path dir;
    private KeyStore keys;
    private String user;
    private String llamaOnly;
    private String admin;
    private TestGateway gw;

    @BeforeEach
    void keys() throws Exception {
        keys = KeyStore.open(dir.resolve("keys.json"));
        user = keys.create(KeySpec.named("user"), Instant.now()).token();
        llamaOnly = keys.create(KeySpec.named("llama-only").withModels(List.of("llama3.1:*")), Instant.now()).token();
        admin = keys.create(KeySpec.named("ops").withAdmin(true), Instant.now()).token();
    }

    private void gateway(String ollamaSection) {
        gw = upstreams.gateway("""
                backends:
                  ollama: { type: openai, url: "%s", cloud: false }
                routes:
                  - model: "*"
                    targets: [ { backend: ollama } ]
                auth: { keys_file: "%s" }
                cors: { origins: [ "https://app.example.com" ] }
                limits: { max_tokens: 512 }
                """.formatted(ollama.url("/v1"), dir.resolve("keys.json")) + ollamaSection);
    }

    private void gateway() {
        gateway("ollama: { backend: ollama, max_keep_alive: 30m, max_num_ctx: 8192 }\n");
    }

    private HttpResponse<String> send(String method, String path, String token, String body) throws Exception {
        return send(method, path, token, body, Map.of());
    }

    private HttpResponse<String> send(String method, String path, String token, String body, Map<String, String> headers)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.url(path)))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("authorization", "Bearer " + token);
        }
        headers.forEach(b::header);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A request written byte for byte, so that no client library tidies its target; returns the status. */
    private int raw(String method, String target, String token) throws IOException {
        try (Socket s = new Socket("127.0.0.1", gw.running().address().getPort())) {
            s.setSoTimeout(5_000);
            String body = "{\"model\":\"llama3.1:8b\"}";
            String req = method + " " + target + " HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer " + token
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body;
            s.getOutputStream().write(req.getBytes(StandardCharsets.ISO_8859_1));
            String status = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1)).readLine();
            return Integer.parseInt(status.split(" ")[1]);
        }
    }

    private static String error(HttpResponse<String> r) throws IOException {
        JsonNode n = JSON.readTree(r.body());
        assertThat(n.size()).as("Ollama's error shape: %s", r.body()).isEqualTo(1);
        return n.get("error").asText();
    }

    private static String chatLine(String content, boolean done) {
        return done
                ? "{\"model\":\"llama3.1:8b\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,"
                  + "\"done_reason\":\"stop\",\"prompt_eval_count\":12,\"eval_count\":4}"
                : "{\"model\":\"llama3.1:8b\",\"message\":{\"role\":\"assistant\",\"content\":\"" + content + "\"},\"done\":false}";
    }

    @Test
    void aChatStreamsThroughUnchangedLineByLine() throws Exception {
        List<String> lines = List.of(chatLine("Hel", false), chatLine("lo", false), chatLine(" the", false), chatLine("re", false),
                chatLine("", true));
        ollama.enqueue(Reply.ndjson(lines.toArray(String[]::new)).withEventInterval(Duration.ofMillis(200)));
        gateway();

        HttpRequest req = HttpRequest.newBuilder(URI.create(gw.url("/api/chat")))
                .header("authorization", "Bearer " + user)
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"llama3.1:8b\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                .build();
        long start = System.nanoTime();
        HttpResponse<InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        List<String> got = new ArrayList<>();
        List<Long> at = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                got.add(line);
                at.add((System.nanoTime() - start) / 1_000_000);
            }
        }

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/x-ndjson");
        assertThat(got).isEqualTo(lines);
        for (int i = 1; i < at.size(); i++) {
            assertThat(at.get(i) - at.get(i - 1)).as("gap before line %d of %s", i, at).isGreaterThanOrEqualTo(120);
        }
        assertThat(at.getLast() - at.getFirst()).as("not held back until the end").isGreaterThanOrEqualTo(650);
    }

    @Test
    void onlyHarmlessHeadersGoUpstreamWithHostLocalhost() throws Exception {
        ollama.always(Reply.json(200, "{\"version\":\"0.12.0\"}"));
        gateway();

        HttpResponse<String> r = send("GET", "/api/version", user, null, Map.of("origin", "https://app.example.com",
                "cookie", "session=secret-cookie", "accept", "application/json", "x-request-id", "req-ollama-1"));

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"version\":\"0.12.0\"}");
        assertThat(r.headers().firstValue("access-control-allow-origin")).hasValue("https://app.example.com");
        RecordedRequest seen = ollama.takeRequest(Duration.ofSeconds(5));
        assertThat(seen.method()).isEqualTo("GET");
        assertThat(seen.path()).isEqualTo("/api/version");
        assertThat(seen.header("host")).isEqualTo("localhost:" + ollama.port());
        assertThat(seen.header("authorization")).isNull();
        assertThat(seen.header("origin")).isNull();
        assertThat(seen.header("cookie")).isNull();
        assertThat(seen.header("accept")).isEqualTo("application/json");
        assertThat(seen.header("user-agent")).isEqualTo("lifeline/test");
        assertThat(seen.header("x-request-id")).isEqualTo("req-ollama-1");
        assertThat(seen.headers().keySet()).allSatisfy(h -> assertThat(h.toLowerCase()).isIn(
                "host", "content-length", "content-type", "accept", "user-agent", "x-request-id"));
        assertThat(seen.toString()).doesNotContain(user.substring(12));
    }

    @Test
    void theModelListShowsOnlyTheKeysModels() throws Exception {
        String tags = """
                {"models":[
                  {"name":"llama3.1:8b","model":"llama3.1:8b","size":4920753328},
                  {"name":"llama3.1:70b","model":"llama3.1:70b","size":42520413916},
                  {"name":"qwen2.5:7b","model":"qwen2.5:7b","size":4683087332},
                  {"name":"llama3.1:cloud","model":"llama3.1:cloud","remote_host":"https://ollama.com:443"},
                  {"name":"gpt-oss:120b-cloud","model":"gpt-oss:120b-cloud","remote_host":"https://ollama.com:443"}]}""";
        ollama.always(Reply.json(200, tags));
        gateway();

        JsonNode narrow = JSON.readTree(send("GET", "/api/tags", llamaOnly, null).body());
        JsonNode plain = JSON.readTree(send("GET", "/api/tags", user, null).body());
        HttpResponse<String> all = send("GET", "/api/tags", admin, null);

        assertThat(narrow.get("models").findValuesAsText("name")).containsExactly("llama3.1:8b", "llama3.1:70b");
        assertThat(narrow.get("models").get(0).get("size").asLong()).isEqualTo(4920753328L);
        assertThat(plain.get("models").findValuesAsText("name")).as("no cloud models for non-admins")
                .containsExactly("llama3.1:8b", "llama3.1:70b", "qwen2.5:7b");
        assertThat(all.body()).as("admins get Ollama's answer unchanged").isEqualTo(tags);
    }

    @Test
    void modelManagementNeedsAnAdminKey() throws Exception {
        ollama.always(Reply.ndjson("{\"status\":\"pulling manifest\"}", "{\"status\":\"success\"}"));
        gateway();

        HttpResponse<String> refused = send("POST", "/api/pull", user, "{\"model\":\"llama3.1:8b\"}");
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(error(refused)).isEqualTo("this key may not use admin endpoints");
        assertThat(send("DELETE", "/api/delete", llamaOnly, "{\"model\":\"llama3.1:8b\"}").statusCode()).isEqualTo(403);
        assertThat(send("POST", "/api/show", user, "{\"model\":\"llama3.1:8b\"}").statusCode()).isEqualTo(403);
        assertThat(send("GET", "/api/ps", user, null).statusCode()).isEqualTo(403);
        assertThat(ollama.requestCount()).as("the fake Ollama saw nothing").isZero();

        HttpResponse<String> pulled = send("POST", "/api/pull", admin, "{\"model\":\"registry.example.com/team/model:1\"}");

        assertThat(pulled.statusCode()).isEqualTo(200);
        assertThat(pulled.body()).isEqualTo("{\"status\":\"pulling manifest\"}\n{\"status\":\"success\"}\n");
        RecordedRequest seen = ollama.takeRequest(Duration.ofSeconds(5));
        assertThat(seen.path()).isEqualTo("/api/pull");
        assertThat(seen.bodyText()).as("an admin's body goes as sent").isEqualTo("{\"model\":\"registry.example.com/team/model:1\"}");
    }

    @Test
    void accountAndExperimentalEndpointsAreClosedEvenToAdmins() throws Exception {
        ollama.always(Reply.json(200, "{}"));
        gateway();

        for (String path : List.of("/api/me", "/api/signout", "/api/user/keys", "/api/experimental/web_search",
                "/api/experimental/web_fetch")) {
            HttpResponse<String> r = send("POST", path, admin, "{\"query\":\"x\"}");
            assertThat(r.statusCode()).as(path).isEqualTo(403);
            assertThat(error(r)).as(path).contains("is closed");
        }
        assertThat(send("GET", "/api/unknown", admin, null).statusCode()).isEqualTo(404);
        HttpResponse<String> wrongMethod = send("GET", "/api/chat", user, null);
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(wrongMethod.headers().firstValue("allow")).hasValue("POST");
        assertThat(ollama.requestCount()).isZero();
    }

    @Test
    void pathTricksNeverReachAClosedOrAdminEndpoint() throws Exception {
        ollama.always(Reply.json(200, "{}"));
        gateway();

        for (String target : List.of("/api/../api/pull", "/api/%2e%2e/pull", "/api/%2E%2E/pull", "//api/pull", "/API/PULL",
                "/api/chat/../pull", "/api/pull/", "/api/%70ull", "/api/chat/..%2fpull", "/api/chat%2f..%2fpull",
                "/api/./pull", "/api/chat/../me", "/api/%6de", "/Api/Me", "/api//me", "/api/me/", "/api/experimental/../me",
                "/api/chat?x=1#/../../pull", "/api/chat\\..\\pull")) {
            int status = raw("POST", target, user);
            assertThat(status).as(target).isIn(400, 403, 404);
        }
        assertThat(raw("POST", "/api/pull/", admin)).as("even an admin must spell it plainly").isEqualTo(400);
        assertThat(raw("POST", "//api/pull", admin)).isEqualTo(404);
        assertThat(ollama.requestCount()).as("the fake Ollama saw nothing").isZero();
    }

    @Test
    void nonAdminRequestsAreClampedAndStripped() throws Exception {
        ollama.always(Reply.json(200, "{\"model\":\"llama3.1:8b\",\"done\":true,\"prompt_eval_count\":3,\"eval_count\":2}"));
        gateway();

        HttpResponse<String> r = send("POST", "/api/chat", user, """
                {"model":"llama3.1:8b","messages":[{"role":"user","content":"hi"}],"stream":false,
                 "_debug_render_only":true,"keep_alive":-1,
                 "options":{"num_ctx":1000000,"num_gpu":99,"temperature":0.25,"num_predict":-1}}""");

        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode seen = ollama.takeRequest(Duration.ofSeconds(5)).bodyJson();
        assertThat(seen.has("_debug_render_only")).isFalse();
        assertThat(seen.get("keep_alive").asText()).isEqualTo("30m");
        assertThat(seen.at("/options/num_ctx").asInt()).isEqualTo(8192);
        assertThat(seen.at("/options/num_predict").asInt()).isEqualTo(512);
        assertThat(seen.at("/options/num_gpu").isMissingNode()).as("runner options are dropped").isTrue();
        assertThat(seen.at("/options/temperature").decimalValue()).isEqualByComparingTo("0.25");
        assertThat(seen.at("/messages/0/content").asText()).isEqualTo("hi");
        assertThat(seen.get("stream").asBoolean(true)).isFalse();

        send("POST", "/api/generate", user, "{\"model\":\"llama3.1:8b\",\"prompt\":\"x\",\"keep_alive\":0,\"options\":{\"num_ctx\":4096}}");
        JsonNode generate = ollama.takeRequest(Duration.ofSeconds(5)).bodyJson();
        assertThat(generate.has("keep_alive")).as("no unloading a model others use").isFalse();
        assertThat(generate.at("/options/num_ctx").asInt()).isEqualTo(4096);
        assertThat(generate.at("/options/num_predict").asInt()).as("set when absent").isEqualTo(512);

        send("POST", "/api/embed", user, "{\"model\":\"llama3.1:8b\",\"input\":\"x\",\"keep_alive\":\"10m\",\"Options\":{\"num_ctx\":99999}}");
        JsonNode embed = ollama.takeRequest(Duration.ofSeconds(5)).bodyJson();
        assertThat(embed.get("keep_alive").asText()).isEqualTo("10m");
        assertThat(embed.at("/options/num_ctx").asInt()).isEqualTo(8192);
        assertThat(embed.at("/options/num_predict").isMissingNode()).isTrue();
    }

    @Test
    void anAdminsRequestGoesAsSent() throws Exception {
        ollama.always(Reply.json(200, "{\"done\":true}"));
        gateway();
        String body = "{\"model\":\"qwen3:480b-cloud\",\"prompt\":\"x\",\"keep_alive\":-1,\"_debug_render_only\":true}";

        assertThat(send("POST", "/api/generate", admin, body).statusCode()).isEqualTo(200);
        assertThat(ollama.takeRequest(Duration.ofSeconds(5)).bodyText()).isEqualTo(body);
    }

    @Test
    void registryAndCloudModelsAndOtherKeysModelsAreRefused() throws Exception {
        ollama.always(Reply.json(200, "{\"done\":true}"));
        gateway();

        Map<String, String> refusals = new LinkedHashMap<>();
        refusals.put("registry.evil.com/x/y", "registry host");
        refusals.put("qwen3:480b-cloud", "cloud models");
        refusals.put("gpt-oss:cloud", "cloud models");
        for (Map.Entry<String, String> e : refusals.entrySet()) {
            HttpResponse<String> r = send("POST", "/api/chat", user, "{\"model\":\"" + e.getKey() + "\",\"messages\":[]}");
            assertThat(r.statusCode()).as(e.getKey()).isEqualTo(403);
            assertThat(error(r)).as(e.getKey()).contains(e.getValue());
        }
        HttpResponse<String> sneaky = send("POST", "/api/chat", user, "{\"Model\":\"qwen3:480b-cloud\",\"messages\":[]}");
        assertThat(sneaky.statusCode()).as("Go matches field names regardless of case").isEqualTo(403);
        HttpResponse<String> twice = send("POST", "/api/chat", user, "{\"model\":\"llama3.1:8b\",\"MODEL\":\"qwen3:480b-cloud\"}");
        assertThat(twice.statusCode()).isEqualTo(400);
        HttpResponse<String> other = send("POST", "/api/chat", llamaOnly, "{\"model\":\"qwen2.5:7b\",\"messages\":[]}");
        assertThat(other.statusCode()).isEqualTo(403);
        assertThat(error(other)).isEqualTo("this key may not use model 'qwen2.5:7b'");
        assertThat(ollama.requestCount()).isZero();

        assertThat(send("POST", "/api/chat", llamaOnly, "{\"model\":\"llama3.1\",\"messages\":[]}").statusCode())
                .as("llama3.1 is llama3.1:latest").isEqualTo(200);
    }

    @Test
    void aBodyThatIsNotJsonIsRefusedInOllamasShape() throws Exception {
        gateway();

        HttpResponse<String> r = send("POST", "/api/chat", user, "model=llama3.1");
        HttpResponse<String> empty = send("POST", "/api/generate", user, "");

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(error(r)).isEqualTo("the request body is not valid JSON");
        assertThat(error(empty)).isEqualTo("missing request body");
        assertThat(ollama.requestCount()).isZero();
    }

    @Test
    void withoutAnOllamaSectionTheNativeApiIsNotThere() throws Exception {
        gateway("");

        for (String path : List.of("/api/pull", "/api/ps", "/api/show")) {
            HttpResponse<String> r = send("GET", path, user, null);
            assertThat(r.statusCode()).as(path).isEqualTo(404);
            assertThat(error(r)).isEqualTo("Ollama's native API is not enabled on this gateway (set ollama.backend)");
        }
        // what Ollama clients check before they chat through the routes: answered by the gateway itself
        assertThat(send("GET", "/", user, null).body()).isEqualTo("Lifeline is running (Ollama API)");
        assertThat(send("GET", "/api/version", user, null).body()).contains("\"version\"");
        // the gateway itself lists the models its routes serve, as /v1/models does
        HttpResponse<String> tags = send("GET", "/api/tags", user, null);
        assertThat(tags.statusCode()).isEqualTo(200);
        assertThat(tags.body()).contains("\"models\"");
        assertThat(ollama.requestCount()).isZero();
    }

    @Test
    void withAuthenticationOnAKeyIsNeeded() throws Exception {
        gateway();

        HttpResponse<String> r = send("GET", "/api/tags", null, null);
        HttpResponse<String> wrong = send("POST", "/api/chat", "ll_aaaaaaaa_" + "x".repeat(43), "{\"model\":\"m\"}");

        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("www-authenticate")).hasValue("Bearer");
        assertThat(error(r)).startsWith("missing API key");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(error(wrong)).isEqualTo("incorrect API key provided");
        assertThat(ollama.requestCount()).isZero();
    }

    @Test
    void livenessAnswersForAnyKey() throws Exception {
        ollama.always(Reply.text(200, "Ollama is running"));
        gateway();

        HttpResponse<String> r = send("GET", "/", user, null);

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("Ollama is running");
        assertThat(r.headers().firstValue("content-length")).hasValue("17");
        assertThat(send("HEAD", "/", user, null).statusCode()).isEqualTo(200);
    }

    @Test
    void anUnreachableOllamaIsA502() throws Exception {
        gw = upstreams.gateway("""
                backends:
                  ollama: { type: openai, url: "http://127.0.0.1:%d/v1", cloud: false }
                routes:
                  - model: "*"
                    targets: [ { backend: ollama } ]
                auth: { keys_file: "%s" }
                ollama: { backend: ollama }
                """.formatted(FakeUpstream.deadPort(), dir.resolve("keys.json")));

        HttpResponse<String> r = send("GET", "/api/version", user, null);

        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(error(r)).isEqualTo("the Ollama server is unreachable: connection refused");
    }

    @Test
    void ollamasOwnErrorsPassThrough() throws Exception {
        ollama.always(Reply.json(404, "{\"error\":\"model \\\"nope\\\" not found, try pulling it first\"}"));
        gateway();

        HttpResponse<String> r = send("POST", "/api/chat", user, "{\"model\":\"nope\",\"messages\":[]}");

        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(error(r)).isEqualTo("model \"nope\" not found, try pulling it first");
    }

    @Test
    void aClientThatLeavesCancelsTheUpstreamCall() throws Exception {
        ollama.enqueue(Reply.ndjson(chatLine("a", false), chatLine("b", false), chatLine("", true)).afterEvents(1, Reply.Fault.STALL));
        ollama.always(Reply.json(200, "{\"version\":\"0.12.0\"}"));
        gateway();

        try (Socket s = new Socket("127.0.0.1", gw.running().address().getPort())) {
            s.setSoTimeout(5_000);
            String body = "{\"model\":\"llama3.1:8b\",\"messages\":[]}";
            s.getOutputStream().write(("POST /api/chat HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer " + user
                    + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.ISO_8859_1));
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
            List<String> seen = new ArrayList<>();
            String line;
            do {
                line = in.readLine();
                seen.add(line);
            } while (line != null && !line.contains("\"content\":\"a\""));
            assertThat(line).as("%s", seen).isNotNull();
            assertThat(ollama.openConnections()).isEqualTo(1);
        }

        await().atMost(Duration.ofSeconds(5)).until(() -> ollama.openConnections() == 0);
        assertThat(send("GET", "/api/version", user, null).statusCode()).as("the gateway is fine").isEqualTo(200);
    }

    @Test
    void aSlowReaderGetsALargeStreamIntact() throws Exception {
        String[] lines = new String[120];
        for (int i = 0; i < lines.length; i++) {
            lines[i] = "{\"i\":" + i + ",\"pad\":\"" + "x".repeat(32 * 1024) + "\"}";
        }
        ollama.enqueue(Reply.ndjson(lines));
        gateway();

        HttpRequest req = HttpRequest.newBuilder(URI.create(gw.url("/api/generate")))
                .header("authorization", "Bearer " + user)
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"llama3.1:8b\",\"prompt\":\"x\"}")).build();
        HttpResponse<InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        Thread.sleep(500); // the gateway's writes back up: it must pause Ollama rather than buffer or drop
        List<String> got = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                got.add(line);
            }
        }

        assertThat(got).containsExactly(lines);
    }

    @Test
    void aClientThatStopsReadingIsLetGo() throws Exception {
        String[] lines = new String[400];
        for (int i = 0; i < lines.length; i++) {
            lines[i] = "{\"i\":" + i + ",\"pad\":\"" + "x".repeat(32 * 1024) + "\"}";
        }
        ollama.enqueue(Reply.ndjson(lines));
        gw = upstreams.gateway("""
                backends:
                  ollama: { type: openai, url: "%s", cloud: false }
                routes:
                  - model: "*"
                    targets: [ { backend: ollama } ]
                auth: { keys_file: "%s" }
                limits: { idle_timeout: 1s }
                ollama: { backend: ollama }
                """.formatted(ollama.url("/v1"), dir.resolve("keys.json")));

        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(4096);
            s.connect(gw.running().address());
            String body = "{\"model\":\"llama3.1:8b\",\"prompt\":\"x\"}";
            s.getOutputStream().write(("POST /api/generate HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer " + user
                    + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.ISO_8859_1));
            await().atMost(Duration.ofSeconds(2)).until(() -> ollama.openConnections() == 1);

            await().atMost(Duration.ofSeconds(8)).until(() -> ollama.openConnections() == 0);
            s.setSoTimeout(5_000);
            InputStream in = s.getInputStream();
            long read = 0;
            try {
                for (int n = in.read(new byte[65536]); n >= 0; n = in.read(new byte[65536])) {
                    read += n;
                }
            } catch (java.net.SocketException reset) {
                // closed by the gateway: as good as EOF here
            }
            assertThat(read).as("the client was let go before the whole answer").isLessThan(400L * 32 * 1024);
        }
    }

    @Test
    void aKeysRateLimitCoversTheNativeApi() throws Exception {
        String metered = keys.create(KeySpec.named("metered").withRpm(1), Instant.now()).token();
        ollama.always(Reply.json(200, "{\"done\":true}"));
        gateway();

        assertThat(send("POST", "/api/generate", metered, "{\"model\":\"m\",\"prompt\":\"x\"}").statusCode()).isEqualTo(200);
        HttpResponse<String> limited = send("POST", "/api/generate", metered, "{\"model\":\"m\",\"prompt\":\"x\"}");

        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("retry-after")).isPresent();
        assertThat(error(limited)).isEqualTo("rate limit reached for this key: requests per minute (1)");
        assertThat(ollama.requestCount()).isEqualTo(1);
    }
}
