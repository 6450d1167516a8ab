package dev.lifeline.testing;

import dev.lifeline.config.Config;
import dev.lifeline.config.ConfigException;
import dev.lifeline.config.ConfigLoader;
import dev.lifeline.server.RunningGateway;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A real gateway on {@code 127.0.0.1:0} built from a YAML snippet, and a plain HTTP/1.1 client to talk to it.
 * {@code listen} is added by the helper; the YAML names backends and routes as a user's file would. Health checks
 * are off unless the YAML sets {@code health:}.
 */
public final class TestGateway implements AutoCloseable {
    private final RunningGateway gateway;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .proxy(HttpClient.Builder.NO_PROXY).connectTimeout(Duration.ofSeconds(5)).build();

    private TestGateway(RunningGateway gateway) {
        this.gateway = gateway;
    }

    public static TestGateway start(String yaml) {
        return start(yaml, Map.of());
    }

    public static TestGateway start(String yaml, Map<String, String> env) {
        try {
            // Health checks are off unless a test asks for them: their probes would count as upstream requests.
            String health = yaml.contains("health:") ? "" : "health: { interval: off }\n";
            // A key file of its own, empty unless the test writes one: never the user's ~/.config/lifeline/keys.json.
            Map<String, String> isolated = new java.util.HashMap<>(env);
            isolated.putIfAbsent("LIFELINE_KEYS_FILE", java.nio.file.Files.createTempDirectory("lifeline-test").resolve("keys.json").toString());
            Config c = ConfigLoader.parse("listen: 127.0.0.1:0\n" + health + yaml, "test", isolated);
            return new TestGateway(RunningGateway.start(c, "test"));
        } catch (ConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    public RunningGateway running() {
        return gateway;
    }

    public String url(String path) {
        return gateway.url() + path;
    }

    public HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(URI.create(url(path))).GET().build());
    }

    public HttpResponse<String> post(String path, String json) {
        return send(HttpRequest.newBuilder(URI.create(url(path)))
                .header("content-type", "application/json")
                .header("authorization", "Bearer client-secret-key")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    public HttpResponse<String> chat(String model, String content) {
        return post("/v1/chat/completions", chatBody(model, content, false));
    }

    public static String chatBody(String model, String content, boolean stream) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + content + "\"}]"
                + (stream ? ",\"stream\":true" : "") + "}";
    }

    /** A streamed chat call, read event by event as the client would, each event with its arrival time. */
    public StreamResult stream(String model, String content) {
        HttpRequest req = HttpRequest.newBuilder(URI.create(url("/v1/chat/completions")))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(chatBody(model, content, true))).build();
        long start = System.nanoTime();
        try {
            HttpResponse<InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
            List<String> events = new ArrayList<>();
            List<Long> arrivals = new ArrayList<>();
            String error = null;
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                StringBuilder data = new StringBuilder();
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    if (line.isEmpty()) {
                        if (!data.isEmpty()) {
                            events.add(data.toString());
                            arrivals.add((System.nanoTime() - start) / 1_000_000);
                            data.setLength(0);
                        }
                    } else if (line.startsWith("data: ")) {
                        data.append(line.substring(6));
                    }
                }
            } catch (IOException e) {
                error = e.toString();
            }
            return new StreamResult(r.statusCode(), r.headers().map(), events, arrivals, error,
                    (System.nanoTime() - start) / 1_000_000);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * What a streaming client saw.
     *
     * @param transportError set when the connection broke instead of ending the response properly
     */
    public record StreamResult(int status, Map<String, List<String>> headers, List<String> events, List<Long> arrivalsMillis,
                               String transportError, long totalMillis) {
        public String header(String name) {
            List<String> v = headers.get(name.toLowerCase());
            return v == null || v.isEmpty() ? null : v.get(0);
        }

        public boolean endedWithDone() {
            return !events.isEmpty() && events.get(events.size() - 1).equals("[DONE]");
        }

        /** The answer text: every delta.content, concatenated. */
        public String text() {
            StringBuilder sb = new StringBuilder();
            for (String e : events) {
                if (e.equals("[DONE]")) {
                    continue;
                }
                try {
                    var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(e);
                    for (var c : node.path("choices")) {
                        sb.append(c.path("delta").path("content").asText(""));
                    }
                } catch (IOException ex) {
                    throw new UncheckedIOException(ex);
                }
            }
            return sb.toString();
        }

        public boolean hasErrorEvent() {
            return events.stream().anyMatch(e -> e.startsWith("{\"error\""));
        }
    }

    private HttpResponse<String> send(HttpRequest req) {
        try {
            return http.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        gateway.close();
    }
}
