package dev.lifeline.probe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeline.config.BackendConfig;
import dev.lifeline.config.BackendConfig.Dialect;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Asks a backend what it serves ({@code GET <url>/models}; Ollama's native API {@code GET <url>/api/tags}) without spending tokens: is it there, do our credentials
 * work, which models does it have. Plain blocking code, meant for virtual threads, off the request path.
 */
public final class BackendProbe {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What one probe found. {@code models} is empty when the backend could not be asked. */
    public record Result(String backend, boolean reachable, String summary, List<String> models, Duration took) {
        public Result {
            models = List.copyOf(models);
        }
    }

    private final ProbeHttp http;
    private final Duration timeout;

    public BackendProbe(Duration timeout) {
        this.timeout = timeout;
        this.http = new ProbeHttp(timeout);
    }

    public Result probe(BackendConfig b) {
        long start = System.nanoTime();
        // each dialect's model list: OpenAI and Anthropic GET /models, Ollama's native API GET /api/tags
        URI uri = ProbeHttp.under(b, b.dialect() == Dialect.OLLAMA ? "/api/tags" : "/models");
        try {
            HttpResponse<byte[]> r = http.get(b, uri, timeout);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            int s = r.statusCode();
            if (s == 401 || s == 403) {
                return new Result(b.name(), true, "reachable, but credentials refused (HTTP " + s + "): check api_key", List.of(), took);
            }
            if (s != 200) {
                return new Result(b.name(), true, "reachable, but " + uri.getPath() + " answered HTTP " + s, List.of(), took);
            }
            List<String> models = models(r.body(), b.dialect());
            return new Result(b.name(), true, "reachable (" + models.size() + " model" + (models.size() == 1 ? "" : "s") + ")", models, took);
        } catch (IOException e) {
            return down(b, "unreachable: " + ProbeHttp.unreachable(e, timeout), start);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return down(b, "probe interrupted", start);
        }
    }

    /** Probes every backend at once, each on its own virtual thread; results in the given order. */
    public List<Result> probeAll(List<BackendConfig> backends) {
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Result>> futures = backends.stream().map(b -> pool.submit(() -> probe(b))).toList();
            return futures.stream().map(f -> {
                try {
                    return f.get();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }).toList();
        }
    }

    private static Result down(BackendConfig b, String summary, long start) {
        return new Result(b.name(), false, summary, List.of(), Duration.ofNanos(System.nanoTime() - start));
    }

    /** The model names in a model list: Ollama's {@code models[].name}, OpenAI's and Anthropic's {@code data[].id}. */
    static List<String> models(byte[] body, Dialect dialect) {
        try {
            JsonNode n = JSON.readTree(body);
            return dialect == Dialect.OLLAMA ? n.path("models").findValuesAsText("name") : n.path("data").findValuesAsText("id");
        } catch (IOException e) {
            return List.of();
        }
    }
}
