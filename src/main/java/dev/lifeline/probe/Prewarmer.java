package dev.lifeline.probe;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeline.config.BackendConfig;
import dev.lifeline.config.BackendConfig.Dialect;
import dev.lifeline.config.Config;
import dev.lifeline.config.RouteConfig;
import dev.lifeline.config.TargetConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Loads the models of targets marked {@code prewarm: true} at start-up and keeps them loaded, so that the first
 * failover does not wait for a cold model load: a one-token request now and every four minutes (Ollama unloads an
 * idle model after five by default).
 */
public final class Prewarmer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Prewarmer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final Duration INTERVAL = Duration.ofMinutes(4);
    static final Duration LOAD_TIMEOUT = Duration.ofMinutes(5);

    private final ScheduledExecutorService timer;
    private final HttpClient http = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY)
            .connectTimeout(Duration.ofSeconds(5)).executor(Executors.newVirtualThreadPerTaskExecutor()).build();

    private Prewarmer(ScheduledExecutorService timer) {
        this.timer = timer;
    }

    /** Starts warming every target that asks for it; returns an idle prewarmer when none does. */
    public static Prewarmer start(Config config, String userAgent) {
        Map<String, TargetToWarm> targets = new LinkedHashMap<>();
        for (RouteConfig r : config.routes()) {
            for (TargetConfig t : r.targets()) {
                BackendConfig b = config.backend(t.backend());
                // a cloud API has nothing to load; Claude's has no OpenAI-style endpoint to load it with anyway
                if (t.prewarm() && t.model().isPresent() && b.dialect() != Dialect.ANTHROPIC) {
                    targets.putIfAbsent(b.name() + "/" + t.model().get(), new TargetToWarm(b, t.model().get()));
                }
            }
        }
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("lifeline-prewarm").factory());
        Prewarmer p = new Prewarmer(timer);
        for (TargetToWarm t : targets.values()) {
            timer.scheduleWithFixedDelay(() -> p.warm(t, userAgent), 0, INTERVAL.toSeconds(), TimeUnit.SECONDS);
        }
        return p;
    }

    private record TargetToWarm(BackendConfig backend, String model) {
    }

    private void warm(TargetToWarm t, String userAgent) {
        String base = t.backend().url().toString().replaceAll("/+$", "");
        String model = "\"" + t.model().replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        boolean nativeOllama = t.backend().dialect() == Dialect.OLLAMA;
        // Ollama's native API loads a model for a chat without messages, spending no tokens
        // Ollama reads a number as seconds (-1: for ever) and a string as a Go duration
        String keepAlive = t.backend().keepAlive().map(k -> ",\"keep_alive\":" + (k.matches("-?\\d+") ? k : "\"" + k + "\"")).orElse("");
        // the backend's options too: a runner loaded with other options (num_ctx...) would be loaded again
        String options = t.backend().options().isEmpty() ? "" : ",\"options\":" + json(t.backend().options());
        String body = nativeOllama ? "{\"model\":" + model + ",\"messages\":[],\"stream\":false" + keepAlive + options + "}"
                : "{\"model\":" + model + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":1,\"stream\":false}";
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(base + (nativeOllama ? "/api/chat" : "/chat/completions")))
                .timeout(LOAD_TIMEOUT).header("content-type", "application/json").header("user-agent", userAgent)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        t.backend().apiKey().ifPresent(k -> req.header("authorization", "Bearer " + k.value()));
        t.backend().headers().forEach(req::header);
        long start = System.nanoTime();
        http.sendAsync(req.build(), HttpResponse.BodyHandlers.discarding()).whenComplete((r, e) -> {
            long ms = (System.nanoTime() - start) / 1_000_000;
            if (e != null) {
                LOG.warn("prewarm {} {}: failed ({})", t.backend().name(), t.model(), e.getClass().getSimpleName());
            } else if (r.statusCode() != 200) {
                LOG.warn("prewarm {} {}: HTTP {} (is the model installed?)", t.backend().name(), t.model(), r.statusCode());
            } else {
                LOG.info("prewarm {} {}: loaded in {} ms", t.backend().name(), t.model(), ms);
            }
        });
    }

    @Override
    public void close() {
        timer.shutdownNow();
        http.close();
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
