package dev.lifeline.server;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lifeline.auth.ApiKey;
import dev.lifeline.codec.Ascii;
import dev.lifeline.config.Durations;
import dev.lifeline.config.OllamaConfig;

import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a non-admin may ask of Ollama's model endpoints, and which of its models they may see (reference §4.3). Pure
 * functions of bodies: a request body becomes the body to forward (always re-serialized, so that Ollama reads exactly
 * what was checked), or the reason it is refused.
 *
 * <ul>
 *   <li>{@code model}: no registry host, no cloud model ({@link OllamaPathPolicy#refusedModelName}), and one of the
 *       key's models ({@code llama3.1} and {@code llama3.1:latest} are the same model);</li>
 *   <li>{@code _debug_*} fields are dropped ({@code _debug_render_only} returns the rendered system prompt);</li>
 *   <li>{@code keep_alive}: negative ("forever") or above {@code ollama.max_keep_alive} becomes the maximum; {@code 0}
 *       ("unload now", which would evict a model others use) is dropped, so the server's default applies;</li>
 *   <li>{@code options.num_ctx} is at most {@code ollama.max_num_ctx}; {@code options.num_predict} of chat and generate
 *       is at most {@code limits.max_tokens} when that is set, and set to it when absent or negative (unlimited);</li>
 *   <li>runner options that make Ollama reload a model for everyone ({@link #RUNNER_OPTIONS}) are dropped.</li>
 * </ul>
 * Go's JSON decoder matches field names without regard to case (and folds some non-ASCII letters), so field names of
 * the request and of its options are lower-cased, and a name with a non-ASCII character or given twice is refused.
 */
final class OllamaRequestRules {
    /** The endpoints that run a model; their bodies are checked. */
    static final Set<String> MODEL_CALLS = Set.of("/api/chat", "/api/generate", "/api/embed", "/api/embeddings");
    /** Runner options: a value other than the loaded one makes Ollama reload the model, for everyone. */
    static final Set<String> RUNNER_OPTIONS = Set.of("num_gpu", "main_gpu", "num_thread", "num_batch", "use_mmap", "use_mlock",
            "numa", "low_vram");
    private static final Set<String> GENERATING = Set.of("/api/chat", "/api/generate");
    private static final ObjectMapper JSON = JsonMapper.builder()
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    /** One component of a Go duration ({@code time.ParseDuration}): a decimal number and a unit. */
    private static final Pattern GO_DURATION_PART = Pattern.compile("(\\d+\\.?\\d*|\\.\\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)");
    private static final Map<String, Double> GO_UNIT_SECONDS = Map.of("ns", 1e-9, "us", 1e-6, "\u00b5s", 1e-6, "\u03bcs", 1e-6,
            "ms", 1e-3, "s", 1.0, "m", 60.0, "h", 3600.0);

    /** What to do with a request. */
    sealed interface Outcome {
    }

    /** Forward this body; {@code model} is the model it names. */
    record Forward(byte[] body, String model) implements Outcome {
    }

    /** Refuse with this status and message. */
    record Refuse(int status, String message) implements Outcome {
    }

    private final OllamaConfig config;
    private final OptionalInt maxTokens;

    OllamaRequestRules(OllamaConfig config, OptionalInt maxTokens) {
        this.config = config;
        this.maxTokens = maxTokens;
    }

    /** Checks and rewrites a non-admin's request to one of {@link #MODEL_CALLS}. */
    Outcome apply(String path, byte[] body, Optional<ApiKey> key) {
        if (body.length == 0) {
            return new Refuse(400, "missing request body");
        }
        ObjectNode req;
        try {
            if (!(JSON.readTree(body) instanceof ObjectNode o)) {
                return new Refuse(400, "the request body must be a JSON object");
            }
            req = lowerCaseNames(o, "");
            if (req.get("options") instanceof ObjectNode options) {
                req.set("options", lowerCaseNames(options, "options."));
            }
        } catch (BadField e) {
            return new Refuse(400, e.getMessage());
        } catch (IOException e) {
            return new Refuse(400, "the request body is not valid JSON");
        }
        JsonNode m = req.get("model");
        if (m == null || m.isNull() || (m.isTextual() && m.asText().isBlank())) {
            return new Refuse(400, "model is required");
        }
        if (!m.isTextual()) {
            return new Refuse(400, "model must be a string");
        }
        String model = m.asText();
        Optional<String> refused = OllamaPathPolicy.refusedModelName(model, false);
        if (refused.isPresent()) {
            return new Refuse(403, refused.get());
        }
        if (key.isPresent() && !mayUse(key.get(), model)) {
            return new Refuse(403, "this key may not use model '" + printable(model) + "'");
        }
        req.properties().removeIf(e -> e.getKey().startsWith("_debug"));
        Optional<Refuse> problem = keepAlive(req).or(() -> options(req, GENERATING.contains(path)));
        if (problem.isPresent()) {
            return problem.get();
        }
        try {
            return new Forward(JSON.writeValueAsBytes(req), model);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private Optional<Refuse> keepAlive(ObjectNode req) {
        JsonNode v = req.get("keep_alive");
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        OptionalDouble seconds = v.isNumber() ? OptionalDouble.of(v.doubleValue())
                : v.isTextual() ? goDurationSeconds(v.asText()) : OptionalDouble.empty();
        if (seconds.isEmpty()) {
            return Optional.of(new Refuse(400, "keep_alive must be a duration such as \"5m\" or a number of seconds"));
        }
        double s = seconds.getAsDouble();
        if (s == 0) {
            req.remove("keep_alive");
        } else if (s < 0 || s > config.maxKeepAlive().toMillis() / 1000.0) {
            req.put("keep_alive", Durations.format(config.maxKeepAlive()));
        }
        return Optional.empty();
    }

    private Optional<Refuse> options(ObjectNode req, boolean generating) {
        JsonNode o = req.get("options");
        if (o != null && !o.isNull() && !o.isObject()) {
            return Optional.of(new Refuse(400, "options must be an object"));
        }
        boolean capTokens = generating && maxTokens.isPresent();
        if ((o == null || o.isNull()) && !capTokens) {
            return Optional.empty();
        }
        ObjectNode options = o instanceof ObjectNode given ? given : req.putObject("options");
        RUNNER_OPTIONS.forEach(options::remove);
        Optional<Refuse> bad = number(options, "num_ctx");
        if (bad.isPresent()) {
            return bad;
        }
        JsonNode ctx = options.get("num_ctx");
        if (ctx != null && !ctx.isNull() && ctx.doubleValue() > config.maxNumCtx()) {
            options.put("num_ctx", config.maxNumCtx());
        }
        if (capTokens) {
            bad = number(options, "num_predict");
            if (bad.isPresent()) {
                return bad;
            }
            int max = maxTokens.getAsInt();
            JsonNode predict = options.get("num_predict");
            if (predict == null || predict.isNull() || predict.doubleValue() < 0 || predict.doubleValue() > max) {
                options.put("num_predict", max);
            }
        }
        return Optional.empty();
    }

    private static Optional<Refuse> number(ObjectNode options, String name) {
        JsonNode v = options.get(name);
        return v == null || v.isNull() || v.isNumber() ? Optional.empty()
                : Optional.of(new Refuse(400, "options." + name + " must be a number"));
    }

    /**
     * Ollama's {@code GET /api/tags} answer with only the models this caller may use: no cloud model or registry host,
     * and, for a key with a model list, one of its models (by {@code name} or {@code model}).
     *
     * @throws IOException when the answer is not a model list
     */
    static byte[] filterTags(byte[] answer, Optional<ApiKey> key) throws IOException {
        if (!(JSON.readTree(answer) instanceof ObjectNode root) || !(root.get("models") instanceof ArrayNode models)) {
            throw new IOException("not a model list");
        }
        ArrayNode kept = root.arrayNode();
        for (JsonNode entry : models) {
            String name = entry.path("name").asText("");
            String model = entry.path("model").asText("");
            boolean clean = OllamaPathPolicy.refusedModelName(name, false).isEmpty()
                    && OllamaPathPolicy.refusedModelName(model, false).isEmpty()
                    && !(name.isEmpty() && model.isEmpty());
            boolean allowed = key.isEmpty() || (!name.isEmpty() && mayUse(key.get(), name)) || (!model.isEmpty() && mayUse(key.get(), model));
            if (clean && allowed) {
                kept.add(entry);
            }
        }
        root.set("models", kept);
        return JSON.writeValueAsBytes(root);
    }

    /** The key's models, where a name without a tag is the same model as its {@code :latest}. */
    static boolean mayUse(ApiKey key, String model) {
        if (key.allowsModel(model)) {
            return true;
        }
        int colon = model.indexOf(':', model.lastIndexOf('/') + 1);
        if (colon < 0) {
            return key.allowsModel(model + ":latest");
        }
        return model.endsWith(":latest") && key.allowsModel(model.substring(0, colon));
    }

    /**
     * Seconds of a Go duration ({@code 5m}, {@code 1h30m}, {@code -1s}, {@code 0}), as {@code time.ParseDuration} reads
     * it; empty when Go would not accept it.
     */
    static OptionalDouble goDurationSeconds(String text) {
        String t = text;
        double sign = 1;
        if (t.startsWith("-") || t.startsWith("+")) {
            sign = t.startsWith("-") ? -1 : 1;
            t = t.substring(1);
        }
        if (t.equals("0")) {
            return OptionalDouble.of(0);
        }
        Matcher m = GO_DURATION_PART.matcher(t);
        double total = 0;
        int at = 0;
        while (at < t.length() && m.find(at) && m.start() == at) {
            total += Double.parseDouble(m.group(1)) * GO_UNIT_SECONDS.get(m.group(2));
            at = m.end();
        }
        return at == t.length() && at > 0 ? OptionalDouble.of(sign * total) : OptionalDouble.empty();
    }

    /** A copy of {@code o} with lower-case field names; a non-ASCII name, or one given twice, is refused. */
    private static ObjectNode lowerCaseNames(ObjectNode o, String where) {
        ObjectNode out = o.objectNode();
        for (Map.Entry<String, JsonNode> e : o.properties()) {
            String name = e.getKey();
            if (!name.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
                throw new BadField("field name \"" + where + printable(name) + "\" holds a character field names never use");
            }
            String lower = name.toLowerCase(Locale.ROOT);
            if (out.has(lower)) {
                throw new BadField("field \"" + where + lower + "\" is given twice (field names are matched regardless of case)");
            }
            out.set(lower, e.getValue());
        }
        return out;
    }

    static String printable(String s) {
        String p = s.length() > 100 ? s.substring(0, 100) + "..." : s;
        return Ascii.printable(p);
    }

    private static final class BadField extends RuntimeException {
        BadField(String message) {
            super(message, null, false, false);
        }
    }
}
