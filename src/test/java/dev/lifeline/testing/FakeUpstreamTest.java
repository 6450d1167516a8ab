package dev.lifeline.testing;

import static dev.lifeline.testing.OpenAiFixtures.DONE;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.core.ObjectMappers;
import com.openai.models.ErrorObject;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class FakeUpstreamTest {

    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final FakeUpstream up = FakeUpstream.start();
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();

    @AfterEach
    void tearDown() {
        http.close();
        up.close();
    }

    // ---------------------------------------------------------------- plain replies

    @Test
    void servesJsonReplyAndRecordsRequest() throws Exception {
        up.enqueue(Reply.json(200, OpenAiFixtures.chatCompletion("gpt-test", "Hello!")).withHeader("X-Upstream", "a"));

        HttpResponse<String> resp = http.send(post("/v1/chat/completions", "{\"model\":\"gpt-test\"}")
                .header("Authorization", "Bearer sk-test").build(), HttpResponse.BodyHandlers.ofString());

        assertThat(resp.statusCode()).isEqualTo(200);
        assertThat(resp.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(resp.headers().firstValue("x-upstream")).hasValue("a");
        assertThat(JSON.readTree(resp.body()).at("/choices/0/message/content").asText()).isEqualTo("Hello!");

        RecordedRequest req = up.takeRequest(WAIT);
        assertThat(req.method()).isEqualTo("POST");
        assertThat(req.path()).isEqualTo("/v1/chat/completions");
        assertThat(req.header("authorization")).isEqualTo("Bearer sk-test");
        assertThat(req.headers().get("AUTHORIZATION")).containsExactly("Bearer sk-test");
        assertThat(req.bodyText()).isEqualTo("{\"model\":\"gpt-test\"}");
        assertThat(req.bodyJson().get("model").asText()).isEqualTo("gpt-test");
        assertThat(req.connectionIndex()).isZero();
        assertThat(up.url("/v1")).isEqualTo("http://127.0.0.1:" + up.port() + "/v1");
    }

    @Test
    void repliesAreConsumedInOrderThenFallback() throws Exception {
        up.enqueue(Reply.text(201, "first"));
        up.enqueue(Reply.json(429, OpenAiFixtures.errorBody("slow down", "rate_limit_error", null))
                .withHeader("Retry-After", "1"));

        HttpResponse<String> first = http.send(get("/a"), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> second = http.send(get("/b"), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> unscripted = http.send(get("/c"), HttpResponse.BodyHandlers.ofString());
        up.always(Reply.text(200, "always"));
        HttpResponse<String> fallback = http.send(get("/d"), HttpResponse.BodyHandlers.ofString());

        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(first.body()).isEqualTo("first");
        assertThat(second.statusCode()).isEqualTo(429);
        assertThat(second.headers().firstValue("retry-after")).hasValue("1");
        assertThat(unscripted.statusCode()).isEqualTo(500);
        assertThat(JSON.readTree(unscripted.body()).at("/error/message").asText()).isEqualTo("no reply scripted");
        assertThat(fallback.body()).isEqualTo("always");
        assertThat(up.requests()).extracting(RecordedRequest::path).containsExactly("/a", "/b", "/c", "/d");
        assertThat(up.requestCount()).isEqualTo(4);
    }

    @Test
    void headerDelayHoldsBackTheStatusLine() throws Exception {
        up.enqueue(Reply.text(200, "late").withHeaderDelay(Duration.ofMillis(200)));

        long start = System.nanoTime();
        HttpResponse<String> resp = http.send(get("/"), HttpResponse.BodyHandlers.ofString());

        assertThat(resp.body()).isEqualTo("late");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(150));
    }

    // ---------------------------------------------------------------- streaming

    @Test
    void sseEventsArriveSeparatelyAtTheInterval() throws Exception {
        Duration interval = Duration.ofMillis(150);
        up.enqueue(Reply.sse(OpenAiFixtures.streamOf("m", "Hel", "lo")).withEventInterval(interval));

        HttpResponse<InputStream> resp = http.send(get("/v1/chat/completions"),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(resp.headers().firstValue("content-type")).hasValue("text/event-stream");
        assertThat(resp.headers().firstValue("transfer-encoding")).hasValue("chunked");

        List<String> data = new ArrayList<>();
        List<Long> arrivals = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(resp.body(), UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
                if (line.startsWith("data: ")) {
                    data.add(line);
                    arrivals.add(System.nanoTime());
                } else {
                    assertThat(line).isEmpty();
                }
            }
        }

        assertThat(data).hasSize(5).last().isEqualTo(DONE);
        assertThat(JSON.readTree(data.get(1).substring(6)).at("/choices/0/delta/content").asText()).isEqualTo("Hel");
        assertThat(JSON.readTree(data.get(2).substring(6)).at("/choices/0/delta/content").asText()).isEqualTo("lo");
        assertThat(Duration.ofNanos(arrivals.get(1) - arrivals.get(0)))
                .isGreaterThanOrEqualTo(interval.dividedBy(2));
    }

    @Test
    void afterEventsStallKeepsSocketOpenUntilUpstreamCloses() throws Exception {
        up.enqueue(Reply.sse("data: one", "data: two").afterEvents(1, Reply.Fault.STALL));

        try (Socket s = new Socket("127.0.0.1", up.port())) {
            s.setSoTimeout(300);
            send(s, "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
            InputStream in = s.getInputStream();
            assertThat(readHead(in)).containsEntry("transfer-encoding", "chunked");
            assertThat(readChunk(in)).isEqualTo("data: one\n\n");

            assertThatThrownBy(in::read).isInstanceOf(SocketTimeoutException.class); // stalled, not closed
            assertThat(up.openConnections()).isEqualTo(1);

            up.close();
            s.setSoTimeout(2000);
            assertThat(readUntilEndOrError(in)).isEqualTo("end"); // the stall ended with our close
        }
    }

    @Test
    void afterEventsResetDeliversEventsThenConnectionReset() throws Exception {
        // The interval matters for HttpClient: its ofInputStream() drops data it has buffered but not yet handed out
        // once the connection fails, so data and RST arriving together can look like "reset, no data".
        up.enqueue(Reply.sse(OpenAiFixtures.streamOf("m", "a", "b"))
                .withEventInterval(Duration.ofMillis(100))
                .afterEvents(2, Reply.Fault.RESET));

        HttpResponse<InputStream> resp = http.send(get("/v1/chat/completions"),
                HttpResponse.BodyHandlers.ofInputStream());
        List<String> data = new ArrayList<>();
        BufferedReader reader = new BufferedReader(new InputStreamReader(resp.body(), UTF_8));
        assertThatThrownBy(() -> {
            for (String line; (line = reader.readLine()) != null; ) {
                if (!line.isEmpty()) {
                    data.add(line);
                }
            }
        }).isInstanceOf(IOException.class);
        assertThat(data).hasSize(2);
        assertThat(data.get(1)).contains("\"content\":\"a\"");

        // and exactly, on a raw socket with no interval: the chunk, then RST right behind it
        up.enqueue(Reply.sse("data: x", "data: y").afterEvents(1, Reply.Fault.RESET));
        try (Socket s = new Socket("127.0.0.1", up.port())) {
            s.setSoTimeout(2000);
            send(s, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            InputStream in = s.getInputStream();
            readHead(in);
            assertThat(readChunk(in)).isEqualTo("data: x\n\n");
            assertThat(readUntilEndOrError(in)).containsIgnoringCase("reset");
        }
    }

    @Test
    void closeFaultEndsStreamWithoutTerminatingChunk() throws Exception {
        up.enqueue(Reply.sse("data: only").then(Reply.Fault.CLOSE));

        try (Socket s = new Socket("127.0.0.1", up.port())) {
            s.setSoTimeout(2000);
            send(s, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            InputStream in = s.getInputStream();
            readHead(in);
            assertThat(readChunk(in)).isEqualTo("data: only\n\n");
            assertThat(readUntilEndOrError(in)).isEqualTo("end"); // FIN, and no "0\r\n\r\n" before it
        }
    }

    @Test
    void clientDisconnectMidStreamDoesNotHurtTheServer() throws Exception {
        up.enqueue(Reply.sse("data: 1", "data: 2", "data: 3", "data: 4").withEventInterval(Duration.ofMillis(50)));
        try (Socket s = new Socket("127.0.0.1", up.port())) {
            send(s, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            readHead(s.getInputStream());
        } // gone right after the headers, while events are still being written
        await().atMost(WAIT).until(() -> up.openConnections() == 0);

        up.enqueue(Reply.text(200, "still here"));
        assertThat(http.send(get("/"), HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("still here");
    }

    // ---------------------------------------------------------------- fixed body cut short

    @Test
    void afterBytesSendsShortBodyThenCloses() throws Exception {
        up.enqueue(Reply.json(200, "{\"abcdefghij\":1}").afterBytes(5, Reply.Fault.CLOSE));

        try (Socket s = new Socket("127.0.0.1", up.port())) {
            s.setSoTimeout(2000);
            send(s, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            InputStream in = s.getInputStream();
            assertThat(readHead(in)).containsEntry("content-length", "16");
            assertThat(new String(in.readAllBytes(), UTF_8)).isEqualTo("{\"abc");
        }

        up.enqueue(Reply.json(200, "{\"abcdefghij\":1}").afterBytes(5, Reply.Fault.CLOSE));
        assertThatThrownBy(() -> http.send(get("/"), HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(IOException.class);
    }

    // ---------------------------------------------------------------- connection-level faults

    @Test
    void resetImmediatelyResetsAfterRecordingTheRequest() throws Exception {
        up.enqueue(Reply.resetImmediately());
        assertThatThrownBy(() -> http.send(post("/v1/chat/completions", "{}").build(),
                HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(IOException.class);
        assertThat(up.takeRequest(WAIT).bodyText()).isEqualTo("{}");

        up.enqueue(Reply.resetImmediately());
        try (Socket s = new Socket("127.0.0.1", up.port())) {
            s.setSoTimeout(2000);
            send(s, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(readUntilEndOrError(s.getInputStream())).containsIgnoringCase("connection reset");
        }
    }

    @Test
    void closeImmediatelySendsFinBeforeAnyByte() throws Exception {
        up.enqueue(Reply.closeImmediately());
        try (Socket s = new Socket("127.0.0.1", up.port())) {
            s.setSoTimeout(2000);
            send(s, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
        assertThat(up.requestCount()).isEqualTo(1);
    }

    @Test
    void silentNeverAnswersUntilClientGivesUp() throws Exception {
        up.always(Reply.silent());
        HttpRequest request = post("/v1/chat/completions", "{}").timeout(Duration.ofMillis(300)).build();

        assertThatThrownBy(() -> http.send(request, HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(HttpTimeoutException.class);
        assertThat(up.takeRequest(WAIT).path()).isEqualTo("/v1/chat/completions");

        // a raw client that closes ends the server side too
        try (Socket s = new Socket("127.0.0.1", up.port())) {
            s.setSoTimeout(300);
            send(s, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThatThrownBy(() -> s.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
        }
        await().atMost(WAIT).until(() -> up.openConnections() == 0);
    }

    // ---------------------------------------------------------------- HTTP mechanics

    @Test
    void keepAliveServesSeveralRequestsOnOneConnection() throws Exception {
        up.enqueue(Reply.text(200, "one")).enqueue(Reply.text(200, "two")).enqueue(Reply.text(200, "three"));

        try (Socket s = new Socket("127.0.0.1", up.port())) {
            s.setSoTimeout(2000);
            InputStream in = s.getInputStream();
            send(s, "POST /first HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
            assertThat(readFixedResponse(in)).isEqualTo("one");
            send(s, "GET /second HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(readFixedResponse(in)).isEqualTo("two");
            send(s, "GET /third HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            Map<String, String> head = readHead(in);
            assertThat(head).containsEntry("connection", "close");
            assertThat(new String(in.readNBytes(5), UTF_8)).isEqualTo("three");
            assertThat(in.read()).isEqualTo(-1); // server honoured Connection: close
        }
        up.enqueue(Reply.text(200, "other"));
        http.send(get("/other"), HttpResponse.BodyHandlers.ofString());

        List<RecordedRequest> reqs = up.requests();
        assertThat(reqs).extracting(RecordedRequest::connectionIndex).containsExactly(0, 0, 0, 1);
        assertThat(reqs.get(0).bodyText()).isEqualTo("abc");
        assertThat(reqs.get(1).receivedAtNanos()).isGreaterThan(reqs.get(0).receivedAtNanos());
        assertThat(up.connectionCount()).isEqualTo(2);
    }

    @Test
    void chunkedRequestBodyIsDecodedAndRecorded() throws Exception {
        up.always(Reply.text(200, "ok"));
        byte[] payload = "{\"stream\":true,\"text\":\"héllo\"}".getBytes(UTF_8);
        HttpRequest request = HttpRequest.newBuilder(URI.create(up.url("/v1/chat/completions")))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(payload)))
                .build();

        assertThat(http.send(request, HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("ok");
        RecordedRequest recorded = up.takeRequest(WAIT);
        assertThat(recorded.header("Transfer-Encoding")).isEqualTo("chunked");
        assertThat(recorded.bodyText()).isEqualTo("{\"stream\":true,\"text\":\"héllo\"}");

        try (Socket s = new Socket("127.0.0.1", up.port())) {
            s.setSoTimeout(2000);
            send(s, "POST /raw HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n");
            assertThat(readFixedResponse(s.getInputStream())).isEqualTo("ok");
        }
        assertThat(up.takeRequest(WAIT).bodyText()).isEqualTo("hello world");
    }

    @Test
    void deadPortRefusesConnections() {
        int port = FakeUpstream.deadPort();
        assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);
    }

    @Test
    void takeRequestFailsWhenNothingArrives() {
        assertThatThrownBy(() -> up.takeRequest(Duration.ofMillis(50))).isInstanceOf(AssertionError.class);
    }

    // ---------------------------------------------------------------- fixtures

    @Test
    void fixturesParseWithTheOfficialOpenAiSdk() throws Exception {
        var sdk = ObjectMappers.jsonMapper();
        ChatCompletion completion = sdk.readValue(OpenAiFixtures.chatCompletion("m", "a \"quoted\"\nline"),
                ChatCompletion.class).validate();
        assertThat(completion.choices().getFirst().message().content()).hasValue("a \"quoted\"\nline");
        assertThat(completion.usage().orElseThrow().totalTokens()).isEqualTo(13);

        for (String event : OpenAiFixtures.streamOf("m", "x")) {
            if (!event.equals(DONE)) {
                sdk.readValue(event.substring("data: ".length()), ChatCompletionChunk.class).validate();
            }
        }
        ChatCompletionChunk usage = sdk.readValue(OpenAiFixtures.usageChunk("m", 3, 4).substring(6),
                ChatCompletionChunk.class).validate();
        assertThat(usage.choices()).isEmpty();
        assertThat(usage.usage().orElseThrow().totalTokens()).isEqualTo(7);
        assertThat(OpenAiFixtures.finishChunk("m", "length")).contains("\"finish_reason\":\"length\"");

        CreateEmbeddingResponse emb = sdk.readValue(OpenAiFixtures.embeddings("e", 2),
                CreateEmbeddingResponse.class).validate();
        assertThat(emb.data()).hasSize(2);

        JsonNode error = JSON.readTree(OpenAiFixtures.errorBody("bad", "invalid_request_error", null));
        sdk.treeToValue(error.get("error"), ErrorObject.class).validate();
        assertThat(error.at("/error/code").isNull()).isTrue();
        assertThat(error.at("/error/param").isNull()).isTrue();
        assertThat(OpenAiFixtures.errorEvent("boom", "server_error"))
                .isEqualTo("data: {\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}");
    }

    // ---------------------------------------------------------------- helpers

    private HttpRequest get(String path) {
        return HttpRequest.newBuilder(URI.create(up.url(path))).GET().build();
    }

    private HttpRequest.Builder post(String path, String json) {
        return HttpRequest.newBuilder(URI.create(up.url(path)))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
    }

    private static void send(Socket s, String raw) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(raw.getBytes(UTF_8));
        out.flush();
    }

    /** Status line + headers; header names lower-cased, the status line under ":status". */
    private static Map<String, String> readHead(InputStream in) throws IOException {
        Map<String, String> head = new TreeMap<>();
        head.put(":status", readLine(in));
        for (String line; !(line = readLine(in)).isEmpty(); ) {
            int colon = line.indexOf(':');
            head.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        return head;
    }

    private static String readFixedResponse(InputStream in) throws IOException {
        Map<String, String> head = readHead(in);
        return new String(in.readNBytes(Integer.parseInt(head.get("content-length"))), UTF_8);
    }

    private static String readChunk(InputStream in) throws IOException {
        int size = Integer.parseInt(readLine(in), 16);
        String data = new String(in.readNBytes(size), UTF_8);
        assertThat(readLine(in)).isEmpty();
        return data;
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) != '\n'; ) {
            if (b == -1) {
                throw new EOFException("EOF inside line: " + line);
            }
            line.write(b);
        }
        String s = line.toString(UTF_8);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    /** Drains the stream: "end" on a clean EOF with no further bytes, else the exception message. */
    private static String readUntilEndOrError(InputStream in) {
        try {
            byte[] rest = in.readAllBytes();
            return rest.length == 0 ? "end" : "extra bytes: " + new String(rest, UTF_8);
        } catch (SocketException e) {
            return e.getMessage();
        } catch (IOException e) {
            return e.toString();
        }
    }
}
