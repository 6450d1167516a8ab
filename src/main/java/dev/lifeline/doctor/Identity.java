package dev.lifeline.doctor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeline.doctor.Http.Answer;
import dev.lifeline.doctor.Http.Result;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Which server answers on a port, told by the shape of its answers (reference: Ollama's root says "Ollama is running",
 * llama.cpp's {@code /health} says {@code {"status":"ok"}} or 503 "Loading model", TGI has {@code /info}, LM Studio
 * {@code /api/v0/models}, vLLM's models are {@code owned_by: vllm}), never by the port alone.
 *
 * @param kind     the server, or {@link ServerKind#OTHER}
 * @param version  its version when it tells
 * @param loading  still loading its model (llama.cpp, TGI): it will answer, just not yet
 * @param locked   an OpenAI-compatible server that asks for an API key before it says more (401 or 403 to
 *                 {@code /v1/models}): a model server, not a squatter
 * @param evidence what gave it away, for the report
 */
record Identity(ServerKind kind, Optional<String> version, boolean loading, boolean locked, List<String> evidence) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> PATHS = List.of("/api/version", "/health", "/v1/models", "/api/v0/models", "/info", "/healthz");

    /** Asks the server the questions above at once; {@code first} is its answer to {@code GET /}, already in hand. */
    static Identity of(Http http, URI root, Answer first, Map<String, String> headers) {
        Map<String, Result> answers = new LinkedHashMap<>();
        answers.put("/", first);
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Map<String, Future<Result>> pending = new LinkedHashMap<>();
            for (String p : PATHS) {
                pending.put(p, pool.submit(() -> http.get(root.resolve(p), headers)));
            }
            for (var e : pending.entrySet()) {
                answers.put(e.getKey(), e.getValue().get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
        return judge(answers);
    }

    static Identity judge(Map<String, Result> answers) {
        Answer root = answer(answers, "/").orElseThrow();
        String rootText = root.text().strip();
        if (root.status() == 200 && rootText.startsWith("Ollama is running")) {
            Optional<String> version = json(answers, "/api/version", 200).map(j -> j.path("version").asText("")).filter(v -> !v.isEmpty());
            return new Identity(ServerKind.OLLAMA, version, false, false, List.of("GET / answered \"" + rootText + "\""));
        }
        if (rootText.startsWith("Lifeline is running") || root.header("x-request-id").isPresent()
                && json(answers, "/healthz", 200).map(j -> j.path("status").asText().equals("ok")).orElse(false)) {
            Optional<String> version = json(answers, "/api/version", 200).map(j -> j.path("version").asText("")).filter(v -> !v.isEmpty());
            return new Identity(ServerKind.LIFELINE, version, false, false, List.of("answers with an x-request-id header and /healthz"));
        }
        Optional<Answer> health = answer(answers, "/health");
        String server = root.header("server").orElse("");
        if (health.isPresent()) {
            Answer h = health.get();
            String text = h.text();
            if (h.status() == 503 && text.contains("Loading model")) {
                return new Identity(ServerKind.LLAMA_CPP, Optional.empty(), true, false, List.of("GET /health answered 503 " + h.excerpt()));
            }
            if (h.status() == 200 && jsonOf(h).map(j -> j.path("status").asText().equals("ok")).orElse(false)
                    || server.toLowerCase(Locale.ROOT).contains("llama.cpp")) {
                return new Identity(ServerKind.LLAMA_CPP, Optional.empty(), false, false, List.of("GET /health answered " + h.status() + " " + h.excerpt()));
            }
        }
        Optional<JsonNode> info = json(answers, "/info", 200).filter(j -> j.has("model_id"));
        if (info.isPresent()) {
            boolean unhealthy = health.map(h -> h.status() == 503).orElse(false);
            return new Identity(ServerKind.TGI, Optional.of(info.get().path("version").asText("")).filter(v -> !v.isEmpty()), unhealthy, false,
                    List.of("GET /info names model " + info.get().path("model_id").asText()));
        }
        if (json(answers, "/api/v0/models", 200).map(j -> j.has("data")).orElse(false)) {
            return new Identity(ServerKind.LM_STUDIO, Optional.empty(), false, false, List.of("GET /api/v0/models answered (LM Studio's own API)"));
        }
        Optional<JsonNode> models = json(answers, "/v1/models", 200);
        List<String> owners = new ArrayList<>();
        models.ifPresent(j -> j.path("data").forEach(m -> owners.add(m.path("owned_by").asText(""))));
        if (owners.contains("vllm")) {
            return new Identity(ServerKind.VLLM, Optional.empty(), false, false, List.of("GET /v1/models lists models owned_by \"vllm\""));
        }
        if (owners.contains("llamacpp")) {
            return new Identity(ServerKind.LLAMA_CPP, Optional.empty(), false, false, List.of("GET /v1/models lists models owned_by \"llamacpp\""));
        }
        if (answer(answers, "/healthz").map(a -> a.status() == 200).orElse(false) && models.isPresent()) {
            return new Identity(ServerKind.LOCAL_AI, Optional.empty(), false, false, List.of("answers /healthz and /v1/models"));
        }
        List<String> evidence = new ArrayList<>();
        evidence.add("GET / answered " + root.status() + ": " + root.excerpt());
        if (!server.isEmpty()) {
            evidence.add("Server: " + server);
        }
        answer(answers, "/v1/models").ifPresent(a -> evidence.add("GET /v1/models answered " + a.status()
                + (a.status() == 200 ? " (an OpenAI-compatible server)" : a.status() == 401 ? " (asks for an API key)" : "")));
        boolean locked = answer(answers, "/v1/models").map(a -> a.status() == 401 || a.status() == 403).orElse(false);
        return new Identity(ServerKind.OTHER, Optional.empty(), false, locked, evidence);
    }

    private static Optional<Answer> answer(Map<String, Result> answers, String path) {
        return answers.get(path) instanceof Answer a ? Optional.of(a) : Optional.empty();
    }

    private static Optional<JsonNode> json(Map<String, Result> answers, String path, int status) {
        return answer(answers, path).filter(a -> a.status() == status).flatMap(Identity::jsonOf);
    }

    private static Optional<JsonNode> jsonOf(Answer a) {
        try {
            JsonNode n = JSON.readTree(a.body());
            return n == null || n.isMissingNode() ? Optional.empty() : Optional.of(n);
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
