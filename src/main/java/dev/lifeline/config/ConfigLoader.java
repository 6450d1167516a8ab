package dev.lifeline.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.lifeline.config.BackendConfig.Dialect;
import dev.lifeline.config.TargetConfig.SystemPromptMode;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a YAML configuration, expands {@code ${ENV}} references and validates everything at once, so that a
 * user sees every problem in one go, each as {@code path: value (expected: ...)}.
 */
public final class ConfigLoader {
    /** A key written twice is an error, not "the last one wins": the first may be the one the reader sees. */
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private static final Pattern ENV_REF = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");

    private static final Set<String> TOP_KEYS = Set.of("listen", "contingency", "backends", "routes", "library", "breaker", "health", "limits",
            "auth", "tls", "cors", "ollama", "monitor");
    private static final Set<String> BACKEND_KEYS = Set.of("type", "url", "api_key", "cloud", "headers", "timeouts", "retries",
            "max_retry_after", "max_concurrency", "max_queue", "queue_timeout", "keep_alive", "options");
    private static final Set<String> TIMEOUT_KEYS = Set.of("connect", "first_token", "idle", "response");
    private static final Set<String> ROUTE_KEYS = Set.of("model", "targets");
    private static final Set<String> TARGET_KEYS = Set.of("backend", "model", "task", "system_prompt", "system_prompt_mode",
            "context_window", "continuation", "timeouts", "retries", "prewarm");
    private static final Set<String> LIBRARY_KEYS = Set.of("backend", "models");
    private static final Set<String> BREAKER_KEYS = Set.of("failure_rate", "minimum_calls", "window", "open_for");
    private static final Set<String> LIMIT_KEYS = Set.of("max_body", "max_tokens", "max_connections", "header_timeout",
            "body_timeout", "idle_timeout");
    private static final Set<String> AUTH_KEYS = Set.of("keys_file", "admin_key");
    private static final Set<String> TLS_KEYS = Set.of("cert", "key");
    private static final Set<String> CORS_KEYS = Set.of("origins");
    private static final Set<String> HEALTH_KEYS = Set.of("interval", "timeout");
    private static final Set<String> OLLAMA_KEYS = Set.of("backend", "max_keep_alive", "max_num_ctx");

    public static final int DEFAULT_PORT = 8470;

    private final Map<String, String> env;
    private final Path baseDir;
    private final List<String> problems = new ArrayList<>();

    private ConfigLoader(Map<String, String> env, Path baseDir) {
        this.env = env;
        this.baseDir = baseDir;
    }

    public static Config load(Path file, Map<String, String> env) throws ConfigException {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file.toString(), List.of("file not found"));
        } catch (IOException e) {
            throw new ConfigException(file.toString(), List.of("cannot read: " + e.getMessage()));
        }
        Path dir = file.toAbsolutePath().getParent();
        return parse(text, file.toString(), env, dir == null ? Path.of("") : dir);
    }

    /** Parses YAML text; relative paths in it are taken from the working directory. */
    public static Config parse(String yaml, String source, Map<String, String> env) throws ConfigException {
        return parse(yaml, source, env, Path.of("").toAbsolutePath());
    }

    private static Config parse(String yaml, String source, Map<String, String> env, Path baseDir) throws ConfigException {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new ConfigException(source, List.of("not valid YAML: " + e.getOriginalMessage()
                    + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ")" : "")));
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new ConfigException(source, List.of("the file is empty (expected: backends and routes)"));
        }
        ConfigLoader loader = new ConfigLoader(env, baseDir);
        Config config = loader.config(root, source);
        if (!loader.problems.isEmpty()) {
            throw new ConfigException(source, loader.problems);
        }
        return config;
    }

    // ---------------------------------------------------------------- sections

    private Config config(JsonNode root, String source) {
        if (!root.isObject()) {
            problem("(top level)", describe(root) + " (expected: a mapping with backends and routes)");
            return null;
        }
        checkKeys("", root, TOP_KEYS);
        InetSocketAddress listen = optionalText(root, "listen", "listen")
                .map(t -> parseListen("listen", t)).orElse(new InetSocketAddress(InetAddress.getLoopbackAddress(), DEFAULT_PORT));
        boolean contingency = bool(root, "contingency", "contingency", false);

        Map<String, BackendConfig> backends = new LinkedHashMap<>();
        JsonNode backendsNode = root.get("backends");
        if (backendsNode == null || backendsNode.isNull() || (backendsNode.isObject() && backendsNode.isEmpty())) {
            problem("backends", "missing (expected: at least one backend)");
        } else if (!backendsNode.isObject()) {
            problem("backends", describe(backendsNode) + " (expected: a mapping of backend names to backends)");
        } else {
            backendsNode.fields().forEachRemaining(e -> {
                BackendConfig b = backend("backends." + e.getKey(), e.getKey(), e.getValue());
                if (b != null) {
                    backends.put(e.getKey(), b);
                }
            });
        }

        List<RouteConfig> routes = new ArrayList<>();
        Map<String, String> library = new LinkedHashMap<>();
        Optional<String> libraryBackend = Optional.empty();
        JsonNode lib = root.get("library");
        if (lib != null && !lib.isNull()) {
            if (!lib.isObject()) {
                problem("library", describe(lib) + " (expected: a mapping with backend and models)");
            } else {
                checkKeys("library", lib, LIBRARY_KEYS);
                libraryBackend = optionalText(lib, "backend", "library.backend");
                libraryBackend.ifPresent(name -> requireBackend("library.backend", name, backends, backendsNode));
                JsonNode models = lib.get("models");
                if (models == null || !models.isObject() || models.isEmpty()) {
                    problem("library.models", (models == null ? "missing" : describe(models))
                            + " (expected: task names mapped to model names, e.g. code: qwen2.5-coder:7b)");
                } else {
                    models.fields().forEachRemaining(e -> {
                        String path = "library.models." + e.getKey();
                        text(e.getValue(), path).ifPresent(m -> library.put(e.getKey(), m));
                    });
                }
                if (libraryBackend.isEmpty()) {
                    problem("library.backend", "missing (expected: the backend that serves the library's models)");
                }
            }
        }

        JsonNode routesNode = root.get("routes");
        if (routesNode == null || routesNode.isNull()) {
            if (library.isEmpty()) {
                problem("routes", "missing (expected: at least one route)");
            }
        } else if (!routesNode.isArray()) {
            problem("routes", describe(routesNode) + " (expected: a list of routes)");
        } else {
            for (int i = 0; i < routesNode.size(); i++) {
                RouteConfig r = route("routes[" + i + "]", routesNode.get(i), backends, backendsNode, library, libraryBackend);
                if (r != null) {
                    routes.add(r);
                }
            }
            if (routesNode.isEmpty() && library.isEmpty()) {
                problem("routes", "[] (expected: at least one route)");
            }
        }
        // Library tasks are routes too, after the explicit ones so that a user's own route for the same name wins.
        if (libraryBackend.isPresent()) {
            String lb = libraryBackend.get();
            library.forEach((task, model) -> routes.add(new RouteConfig(task, List.of(TargetConfig.of(lb, Optional.of(model))))));
        }

        BreakerConfig breaker = breaker(root.get("breaker"));
        HealthConfig health = health(root.get("health"));
        Limits limits = limits(root.get("limits"));
        Security security = security(root);
        Optional<OllamaConfig> ollama = ollama(root.get("ollama"), backends, backendsNode);
        MonitorConfig monitor = new MonitorSection(this).read(root.get("monitor"), backends, backendsNode);
        if (!problems.isEmpty()) {
            return null;
        }
        return new Config(listen, backends, routes, contingency, breaker, health, limits, security, source, ollama, monitor);
    }

    private BackendConfig backend(String path, String name, JsonNode node) {
        if (!node.isObject()) {
            problem(path, describe(node) + " (expected: a mapping with type and url)");
            return null;
        }
        checkKeys(path, node, BACKEND_KEYS);
        int before = problems.size();
        String typeName = optionalText(node, "type", path + ".type").orElse("openai");
        Optional<Dialect> dialect = Dialect.byName(typeName);
        if (dialect.isEmpty()) {
            problem(path + ".type", quote(typeName) + " (expected: openai, anthropic or ollama)");
        }
        Optional<URI> url = optionalText(node, "url", path + ".url").flatMap(u -> parseUrl(path + ".url", u));
        if (node.get("url") == null) {
            problem(path + ".url", "missing (expected: the base URL, e.g. http://127.0.0.1:11434/v1)");
        }
        if (dialect.equals(Optional.of(Dialect.OLLAMA)) && url.isPresent() && url.get().getPath().replaceAll("/+$", "").endsWith("/v1")) {
            problem(path + ".url", quote(url.get().toString()) + " is Ollama's OpenAI-compatible API (expected: for type: ollama, the server's"
                    + " root, e.g. http://127.0.0.1:11434; or type: openai with this url)");
        }
        Optional<Secret> apiKey = optionalText(node, "api_key", path + ".api_key").filter(k -> !k.isEmpty()).map(Secret::new);
        boolean cloud = bool(node, "cloud", path + ".cloud", url.map(ConfigLoader::looksLikeCloud).orElse(true));
        Map<String, String> headers = new LinkedHashMap<>();
        JsonNode h = node.get("headers");
        if (h != null && !h.isNull()) {
            if (!h.isObject()) {
                problem(path + ".headers", describe(h) + " (expected: a mapping of header names to values)");
            } else {
                h.fields().forEachRemaining(e -> text(e.getValue(), path + ".headers." + e.getKey()).ifPresent(v -> {
                    if (!e.getKey().matches("[A-Za-z0-9-]+") || v.indexOf('\r') >= 0 || v.indexOf('\n') >= 0) {
                        problem(path + ".headers." + e.getKey(), "not a valid header (expected: letters, digits and '-' in the name, one line of value)");
                    } else {
                        headers.put(e.getKey(), v);
                    }
                }));
            }
        }
        Timeouts timeouts = timeouts(path + ".timeouts", node.get("timeouts"), Timeouts.defaultsFor(cloud));
        int retries = integer(node, "retries", path + ".retries", 0, 5).orElse(1);
        Duration maxRetryAfter = duration(node, "max_retry_after", path + ".max_retry_after").orElse(Duration.ofSeconds(5));
        OptionalInt maxConcurrency = integer(node, "max_concurrency", path + ".max_concurrency", 1, 100_000);
        OptionalInt maxQueue = integer(node, "max_queue", path + ".max_queue", 0, 1_000_000);
        Optional<Duration> queueTimeout = duration(node, "queue_timeout", path + ".queue_timeout");
        if (maxConcurrency.isEmpty() && (maxQueue.isPresent() || queueTimeout.isPresent())) {
            problem(path + ".max_queue", "set without max_concurrency (expected: max_concurrency, the cap the queue waits for)");
        }
        BackendConfig.Concurrency concurrency = maxConcurrency.isEmpty() ? BackendConfig.Concurrency.UNLIMITED
                : new BackendConfig.Concurrency(maxConcurrency.getAsInt(), maxQueue.orElse(64), queueTimeout.orElse(Duration.ofSeconds(30)));
        Optional<String> keepAlive = keepAlive(path + ".keep_alive", node.get("keep_alive"), dialect);
        Map<String, Object> options = ollamaOptions(path + ".options", node.get("options"), dialect);
        if (problems.size() > before || dialect.isEmpty() || url.isEmpty()) {
            return null;
        }
        return new BackendConfig(name, dialect.get(), url.get(), apiKey, cloud, headers, timeouts, retries, maxRetryAfter, concurrency,
                keepAlive, options);
    }

    /** {@code options} of a {@code type: ollama} backend: Ollama's own option names, scalar values. */
    private Map<String, Object> ollamaOptions(String path, JsonNode node, Optional<Dialect> dialect) {
        Map<String, Object> options = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return options;
        }
        if (dialect.isPresent() && dialect.get() != Dialect.OLLAMA) {
            problem(path, "set on a type: " + dialect.get().wireName() + " backend (expected: only on type: ollama backends)");
            return options;
        }
        if (!node.isObject()) {
            problem(path, describe(node) + " (expected: a mapping of Ollama option names to values, e.g. { num_ctx: 8192 })");
            return options;
        }
        node.fields().forEachRemaining(e -> {
            JsonNode v = e.getValue();
            if (!e.getKey().matches("[a-z_]{1,64}")) {
                problem(path + "." + e.getKey(), "not an Ollama option name (expected: lower-case letters and _, e.g. num_ctx)");
            } else if (v.isIntegralNumber()) {
                options.put(e.getKey(), v.asLong());
            } else if (v.isNumber()) {
                options.put(e.getKey(), v.asDouble());
            } else if (v.isBoolean()) {
                options.put(e.getKey(), v.asBoolean());
            } else if (v.isTextual()) {
                options.put(e.getKey(), v.asText());
            } else {
                problem(path + "." + e.getKey(), describe(v) + " (expected: a number, true or false, or text)");
            }
        });
        return options;
    }

    /** {@code keep_alive} of a {@code type: ollama} backend: a duration, or {@code forever}; in Ollama's own words. */
    private Optional<String> keepAlive(String path, JsonNode node, Optional<Dialect> dialect) {
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (dialect.isPresent() && dialect.get() != Dialect.OLLAMA) {
            problem(path, "set on a type: " + dialect.get().wireName() + " backend (expected: only on type: ollama backends,"
                    + " which send it to Ollama's native API)");
            return Optional.empty();
        }
        String text = node.asText();
        if (text.equals("forever")) {
            return Optional.of("-1");
        }
        Optional<Duration> d = node.isTextual() ? Durations.parse(text) : Optional.empty();
        if (d.isEmpty() || d.get().isNegative()) {
            problem(path, describe(node) + " (expected: a duration such as 10m or 2h, 0s to unload after each request, or forever)");
            return Optional.empty();
        }
        return Optional.of(d.get().toSeconds() + "s");
    }

    private RouteConfig route(String path, JsonNode node, Map<String, BackendConfig> backends, JsonNode backendsNode,
                              Map<String, String> library, Optional<String> libraryBackend) {
        if (node == null || !node.isObject()) {
            problem(path, describe(node) + " (expected: a mapping with model and targets)");
            return null;
        }
        checkKeys(path, node, ROUTE_KEYS);
        Optional<String> model = optionalText(node, "model", path + ".model");
        if (node.get("model") == null) {
            problem(path + ".model", "missing (expected: the model name clients ask for, or a glob such as \"gpt-*\" or \"*\")");
        } else if (model.isPresent() && model.get().isBlank()) {
            problem(path + ".model", "\"\" (expected: a model name or glob)");
        }
        JsonNode targetsNode = node.get("targets");
        List<TargetConfig> targets = new ArrayList<>();
        if (targetsNode == null || targetsNode.isNull()) {
            problem(path + ".targets", "missing (expected: at least one target)");
        } else if (!targetsNode.isArray()) {
            problem(path + ".targets", describe(targetsNode) + " (expected: a list of targets)");
        } else if (targetsNode.isEmpty()) {
            problem(path + ".targets", "[] (expected: at least one target)");
        } else {
            for (int i = 0; i < targetsNode.size(); i++) {
                TargetConfig t = target(path + ".targets[" + i + "]", targetsNode.get(i), backends, backendsNode, library, libraryBackend);
                if (t != null) {
                    targets.add(t);
                }
            }
        }
        if (model.isEmpty() || targets.isEmpty()) {
            return null;
        }
        return new RouteConfig(model.get(), targets);
    }

    private TargetConfig target(String path, JsonNode node, Map<String, BackendConfig> backends, JsonNode backendsNode,
                                Map<String, String> library, Optional<String> libraryBackend) {
        if (node == null || !node.isObject()) {
            problem(path, describe(node) + " (expected: a mapping such as { backend: ollama, model: \"llama3.1:8b\" })");
            return null;
        }
        checkKeys(path, node, TARGET_KEYS);
        int before = problems.size();
        Optional<String> task = optionalText(node, "task", path + ".task");
        Optional<String> explicitBackend = optionalText(node, "backend", path + ".backend");
        Optional<String> backend = explicitBackend.or(() -> task.flatMap(t -> libraryBackend));
        if (backend.isEmpty() && node.get("backend") == null) {
            problem(path + ".backend", "missing (expected: one of " + String.join(", ", names(backendsNode)) + ")");
        }
        // A backend taken from the library was checked once, at library.backend.
        explicitBackend.ifPresent(b -> requireBackend(path + ".backend", b, backends, backendsNode));
        Optional<String> model = optionalText(node, "model", path + ".model").filter(m -> !m.isBlank());
        if (task.isPresent()) {
            if (model.isPresent()) {
                problem(path + ".task", "given together with model (expected: one of them)");
            } else if (!library.containsKey(task.get())) {
                problem(path + ".task", quote(task.get()) + " (expected: a task from library.models: "
                        + (library.isEmpty() ? "none defined" : String.join(", ", library.keySet())) + ")");
            } else {
                model = Optional.of(library.get(task.get()));
            }
        }
        Optional<String> systemPrompt = optionalText(node, "system_prompt", path + ".system_prompt");
        SystemPromptMode mode = SystemPromptMode.PREPEND;
        Optional<String> modeText = optionalText(node, "system_prompt_mode", path + ".system_prompt_mode");
        if (modeText.isPresent()) {
            switch (modeText.get()) {
                case "prepend" -> mode = SystemPromptMode.PREPEND;
                case "replace" -> mode = SystemPromptMode.REPLACE;
                default -> problem(path + ".system_prompt_mode", quote(modeText.get()) + " (expected: prepend or replace)");
            }
        }
        OptionalInt context = integer(node, "context_window", path + ".context_window", 1, Integer.MAX_VALUE);
        boolean continuation = bool(node, "continuation", path + ".continuation", false);
        boolean prewarm = bool(node, "prewarm", path + ".prewarm", false);
        if (prewarm && model.isEmpty()) {
            problem(path + ".prewarm", "true without a model (expected: a model name to load ahead of time)");
        }
        Timeouts base = backend.map(backends::get).map(BackendConfig::timeouts).orElse(Timeouts.LOCAL);
        JsonNode t = node.get("timeouts");
        Optional<Timeouts> timeouts = t == null || t.isNull() ? Optional.empty() : Optional.of(timeouts(path + ".timeouts", t, base));
        OptionalInt retries = integer(node, "retries", path + ".retries", 0, 5);
        if (problems.size() > before || backend.isEmpty()) {
            return null;
        }
        return new TargetConfig(backend.get(), model, systemPrompt, mode,
                context.isPresent() ? OptionalLong.of(context.getAsInt()) : OptionalLong.empty(),
                continuation, prewarm, timeouts, retries);
    }

    private Timeouts timeouts(String path, JsonNode node, Timeouts base) {
        if (node == null || node.isNull()) {
            return base;
        }
        if (!node.isObject()) {
            problem(path, describe(node) + " (expected: a mapping with connect, first_token, idle, response)");
            return base;
        }
        checkKeys(path, node, TIMEOUT_KEYS);
        return new Timeouts(
                duration(node, "connect", path + ".connect").orElse(base.connect()),
                duration(node, "first_token", path + ".first_token").orElse(base.firstToken()),
                duration(node, "idle", path + ".idle").orElse(base.idle()),
                duration(node, "response", path + ".response").orElse(base.response()));
    }

    private BreakerConfig breaker(JsonNode node) {
        if (node == null || node.isNull()) {
            return BreakerConfig.DEFAULT;
        }
        if (!node.isObject()) {
            problem("breaker", describe(node) + " (expected: a mapping)");
            return BreakerConfig.DEFAULT;
        }
        checkKeys("breaker", node, BREAKER_KEYS);
        BreakerConfig d = BreakerConfig.DEFAULT;
        return new BreakerConfig(
                integer(node, "failure_rate", "breaker.failure_rate", 1, 100).orElse(d.failureRate()),
                integer(node, "minimum_calls", "breaker.minimum_calls", 1, 1000).orElse(d.minimumCalls()),
                integer(node, "window", "breaker.window", 1, 1000).orElse(d.window()),
                duration(node, "open_for", "breaker.open_for").orElse(d.openFor()));
    }

    private Limits limits(JsonNode node) {
        Limits d = Limits.DEFAULT;
        if (node == null || node.isNull()) {
            return d;
        }
        if (!node.isObject()) {
            problem("limits", describe(node) + " (expected: a mapping)");
            return d;
        }
        checkKeys("limits", node, LIMIT_KEYS);
        return new Limits(
                optionalText(node, "max_body", "limits.max_body").map(t -> parseSize("limits.max_body", t)).orElse(d.maxBodyBytes()),
                integer(node, "max_tokens", "limits.max_tokens", 1, 10_000_000),
                integer(node, "max_connections", "limits.max_connections", 1, 1_000_000).orElse(d.maxConnections()),
                duration(node, "header_timeout", "limits.header_timeout").orElse(d.headerTimeout()),
                duration(node, "body_timeout", "limits.body_timeout").orElse(d.bodyTimeout()),
                duration(node, "idle_timeout", "limits.idle_timeout").orElse(d.idleTimeout()));
    }

    /** Ollama's native API: off without the section; with it, a local backend to pass {@code /api/*} through to. */
    private Optional<OllamaConfig> ollama(JsonNode node, Map<String, BackendConfig> backends, JsonNode backendsNode) {
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isObject()) {
            problem("ollama", describe(node) + " (expected: a mapping with backend, max_keep_alive and max_num_ctx)");
            return Optional.empty();
        }
        checkKeys("ollama", node, OLLAMA_KEYS);
        Optional<String> name = optionalText(node, "backend", "ollama.backend");
        if (node.get("backend") == null) {
            problem("ollama.backend", "missing (expected: the backend of the Ollama server, one of " + String.join(", ", names(backendsNode)) + ")");
        }
        name.ifPresent(n -> requireBackend("ollama.backend", n, backends, backendsNode));
        BackendConfig backend = name.map(backends::get).orElse(null);
        if (backend != null && backend.cloud()) {
            problem("ollama.backend", quote(backend.name()) + " is a cloud backend (expected: the Ollama server on this machine or"
                    + " network; if " + backend.name() + " is one, set cloud: false on backends." + backend.name() + ")");
        }
        Duration keepAlive = duration(node, "max_keep_alive", "ollama.max_keep_alive").orElse(OllamaConfig.DEFAULT_MAX_KEEP_ALIVE);
        int numCtx = integer(node, "max_num_ctx", "ollama.max_num_ctx", 1, Integer.MAX_VALUE).orElse(OllamaConfig.DEFAULT_MAX_NUM_CTX);
        if (backend == null || backend.cloud()) {
            return Optional.empty();
        }
        return Optional.of(new OllamaConfig(backend.name(), OllamaConfig.nativeRoot(backend.url()), keepAlive, numCtx));
    }

    private Security security(JsonNode root) {
        Path keysFile = Security.defaultKeysFile(env);
        Optional<Secret> adminKey = Optional.empty();
        JsonNode auth = root.get("auth");
        if (auth != null && !auth.isNull()) {
            if (!auth.isObject()) {
                problem("auth", describe(auth) + " (expected: a mapping with keys_file and admin_key)");
            } else {
                checkKeys("auth", auth, AUTH_KEYS);
                keysFile = optionalText(auth, "keys_file", "auth.keys_file").map(this::path).orElse(keysFile);
                adminKey = optionalText(auth, "admin_key", "auth.admin_key").filter(k -> !k.isEmpty()).map(Secret::new);
                adminKey.filter(k -> k.value().length() < 16).ifPresent(k ->
                        problem("auth.admin_key", "too short: " + k.value().length() + " characters (expected: at least 16; e.g. openssl rand -hex 32)"));
            }
        }
        Optional<Security.Tls> tls = Optional.empty();
        JsonNode t = root.get("tls");
        if (t != null && !t.isNull()) {
            if (!t.isObject()) {
                problem("tls", describe(t) + " (expected: a mapping with cert and key, PEM files)");
            } else {
                checkKeys("tls", t, TLS_KEYS);
                Optional<Path> cert = optionalText(t, "cert", "tls.cert").map(this::path);
                Optional<Path> key = optionalText(t, "key", "tls.key").map(this::path);
                if (cert.isEmpty()) {
                    problem("tls.cert", "missing (expected: the PEM certificate chain)");
                }
                if (key.isEmpty()) {
                    problem("tls.key", "missing (expected: the PEM private key)");
                }
                cert.filter(p -> !Files.isReadable(p)).ifPresent(p -> problem("tls.cert", quote(p.toString()) + " (expected: a readable PEM file)"));
                key.filter(p -> !Files.isReadable(p)).ifPresent(p -> problem("tls.key", quote(p.toString()) + " (expected: a readable PEM file)"));
                if (cert.isPresent() && key.isPresent()) {
                    tls = Optional.of(new Security.Tls(cert.get(), key.get()));
                }
            }
        }
        List<String> origins = new ArrayList<>();
        JsonNode cors = root.get("cors");
        if (cors != null && !cors.isNull()) {
            if (!cors.isObject()) {
                problem("cors", describe(cors) + " (expected: a mapping with origins)");
            } else {
                checkKeys("cors", cors, CORS_KEYS);
                JsonNode list = cors.get("origins");
                if (list != null && !list.isNull() && !list.isArray()) {
                    problem("cors.origins", describe(list) + " (expected: a list of origins such as https://app.example.com)");
                } else if (list != null) {
                    for (int i = 0; i < list.size(); i++) {
                        String path = "cors.origins[" + i + "]";
                        text(list.get(i), path).ifPresent(o -> {
                            if (o.equals("*")) {
                                problem(path, "\"*\" (expected: exact origins such as https://app.example.com; a wildcard would let any web page use your models)");
                            } else if (!o.matches("https?://[A-Za-z0-9.-]+(:\\d{1,5})?|https?://\\[[0-9A-Fa-f:.]+](:\\d{1,5})?")) {
                                problem(path, quote(o) + " (expected: scheme://host[:port] with no path, e.g. https://app.example.com)");
                            } else {
                                origins.add(o);
                            }
                        });
                    }
                }
            }
        }
        return new Security(keysFile, adminKey, tls, origins);
    }

    /** A path from the file: {@code ~/} is the home directory, relative paths are relative to the file's directory. */
    Path path(String text) {
        if (text.equals("~") || text.startsWith("~/")) {
            return Path.of(env.getOrDefault("HOME", System.getProperty("user.home")) + text.substring(1));
        }
        Path p = Path.of(text);
        return p.isAbsolute() ? p : baseDir.resolve(p).normalize();
    }

    private HealthConfig health(JsonNode node) {
        if (node == null || node.isNull()) {
            return HealthConfig.DEFAULT;
        }
        if (!node.isObject()) {
            problem("health", describe(node) + " (expected: a mapping with interval and timeout)");
            return HealthConfig.DEFAULT;
        }
        checkKeys("health", node, HEALTH_KEYS);
        boolean off = optionalText(node, "interval", "health.interval").filter(t -> t.equals("off") || t.equals("false")).isPresent();
        Optional<Duration> interval = Optional.empty();
        if (!off) {
            Optional<String> t = optionalText(node, "interval", "health.interval");
            interval = t.flatMap(Durations::parse).filter(d -> !d.isZero());
            if (t.isPresent() && interval.isEmpty()) {
                problem("health.interval", quote(t.get()) + " (expected: a positive duration such as 15s, or off)");
            }
        }
        return new HealthConfig(!off, interval.orElse(HealthConfig.DEFAULT.interval()),
                duration(node, "timeout", "health.timeout").orElse(HealthConfig.DEFAULT.timeout()));
    }

    // ---------------------------------------------------------------- scalars

    Optional<String> optionalText(JsonNode parent, String key, String path) {
        JsonNode n = parent.get(key);
        if (n == null || n.isNull()) {
            return Optional.empty();
        }
        return text(n, path);
    }

    Optional<String> text(JsonNode n, String path) {
        if (!n.isValueNode()) {
            problem(path, describe(n) + " (expected: a single value)");
            return Optional.empty();
        }
        return expand(path, n.asText());
    }

    /** Replaces {@code ${NAME}} and {@code ${NAME:-default}} with the environment's values. */
    private Optional<String> expand(String path, String raw) {
        Matcher m = ENV_REF.matcher(raw);
        StringBuilder out = new StringBuilder();
        boolean ok = true;
        while (m.find()) {
            String value = env.get(m.group(1));
            if (value == null) {
                value = m.group(2);
            }
            if (value == null) {
                problem(path, "${" + m.group(1) + "} is not set (expected: export " + m.group(1)
                        + ", or write ${" + m.group(1) + ":-default})");
                ok = false;
                value = "";
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return ok ? Optional.of(out.toString()) : Optional.empty();
    }

    boolean bool(JsonNode parent, String key, String path, boolean fallback) {
        return optionalText(parent, key, path).map(t -> switch (t.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> {
                problem(path, quote(t) + " (expected: true or false)");
                yield fallback;
            }
        }).orElse(fallback);
    }

    OptionalInt integer(JsonNode parent, String key, String path, int min, int max) {
        Optional<String> t = optionalText(parent, key, path);
        if (t.isEmpty()) {
            return OptionalInt.empty();
        }
        try {
            long v = Long.parseLong(t.get().trim());
            if (v < min || v > max) {
                problem(path, t.get() + " (expected: " + (max == Integer.MAX_VALUE ? "at least " + min : min + " to " + max) + ")");
                return OptionalInt.empty();
            }
            return OptionalInt.of((int) v);
        } catch (NumberFormatException e) {
            problem(path, quote(t.get()) + " (expected: a whole number)");
            return OptionalInt.empty();
        }
    }

    Optional<Duration> duration(JsonNode parent, String key, String path) {
        Optional<String> t = optionalText(parent, key, path);
        if (t.isEmpty()) {
            return Optional.empty();
        }
        Optional<Duration> d = Durations.parse(t.get());
        if (d.isEmpty() || d.get().isZero()) {
            problem(path, quote(t.get()) + " (expected: a positive duration such as 500ms, 15s, 2m)");
            return Optional.empty();
        }
        return d;
    }

    long parseSize(String path, String text) {
        Matcher m = Pattern.compile("(\\d+)\\s*(|B|KiB|KB|MiB|MB|GiB|GB)").matcher(text.trim());
        if (!m.matches()) {
            problem(path, quote(text) + " (expected: a size such as 16MiB or 1048576)");
            return Config.DEFAULT_MAX_BODY;
        }
        long n = Long.parseLong(m.group(1));
        long unit = switch (m.group(2)) {
            case "KiB" -> 1024L;
            case "KB" -> 1000L;
            case "MiB" -> 1024L * 1024;
            case "MB" -> 1_000_000L;
            case "GiB" -> 1024L * 1024 * 1024;
            case "GB" -> 1_000_000_000L;
            default -> 1L;
        };
        if (n <= 0) {
            problem(path, quote(text) + " (expected: a positive size)");
        }
        return n * unit;
    }

    Optional<URI> parseUrl(String path, String text) {
        try {
            URI u = new URI(text);
            if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme())) {
                problem(path, quote(text) + " (expected: an http:// or https:// URL)");
                return Optional.empty();
            }
            if (u.getHost() == null) {
                problem(path, quote(text) + " (expected: a URL with a host, e.g. http://127.0.0.1:11434/v1)");
                return Optional.empty();
            }
            if (u.getRawQuery() != null || u.getRawFragment() != null) {
                problem(path, quote(text) + " (expected: a base URL without ?query or #fragment)");
                return Optional.empty();
            }
            return Optional.of(u);
        } catch (URISyntaxException e) {
            problem(path, quote(text) + " (expected: a URL: " + e.getReason() + ")");
            return Optional.empty();
        }
    }

    /** Accepts {@code host:port}, {@code [v6]:port}, {@code :port} (all interfaces) and a bare port (loopback). */
    public static InetSocketAddress parseListen(String path, String text, List<String> problems) {
        ConfigLoader l = new ConfigLoader(Map.of(), Path.of(""));
        InetSocketAddress a = l.parseListen(path, text);
        problems.addAll(l.problems);
        return a;
    }

    private InetSocketAddress parseListen(String path, String text) {
        String host;
        String port;
        String t = text.trim();
        if (t.matches("\\d+")) {
            host = "127.0.0.1";
            port = t;
        } else if (t.startsWith("[")) {
            int close = t.indexOf(']');
            if (close < 0 || close + 1 >= t.length() || t.charAt(close + 1) != ':') {
                problem(path, quote(text) + " (expected: [ipv6]:port, e.g. [::1]:8470)");
                return null;
            }
            host = t.substring(1, close);
            port = t.substring(close + 2);
        } else {
            int colon = t.lastIndexOf(':');
            if (colon < 0 || t.indexOf(':') != colon) {
                problem(path, quote(text) + " (expected: host:port, e.g. 127.0.0.1:8470)");
                return null;
            }
            host = colon == 0 ? "0.0.0.0" : t.substring(0, colon);
            port = t.substring(colon + 1);
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            p = -1;
        }
        if (p < 0 || p > 65535) {
            problem(path, quote(text) + " (expected: a port from 0 to 65535)");
            return null;
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), p);
        } catch (IOException e) {
            problem(path, quote(text) + " (expected: an address of this machine; " + host + " does not resolve)");
            return null;
        }
    }

    // ---------------------------------------------------------------- helpers

    private void requireBackend(String path, String name, Map<String, BackendConfig> backends, JsonNode backendsNode) {
        boolean declared = backendsNode != null && backendsNode.isObject() && backendsNode.has(name);
        if (!declared) {
            problem(path, quote(name) + " (expected: one of " + String.join(", ", names(backendsNode)) + ")");
        }
    }

    private static List<String> names(JsonNode backendsNode) {
        List<String> names = new ArrayList<>();
        if (backendsNode != null && backendsNode.isObject()) {
            backendsNode.fieldNames().forEachRemaining(names::add);
        }
        return names.isEmpty() ? List.of("(no backends defined)") : names;
    }

    void checkKeys(String path, JsonNode node, Set<String> allowed) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!allowed.contains(key)) {
                problem(path.isEmpty() ? key : path + "." + key,
                        "unknown key (expected one of: " + String.join(", ", allowed.stream().sorted().toList()) + ")");
            }
        }
    }

    /**
     * A cloud backend is one that is not on this machine or a private network. A single-label name ({@code ollama},
     * a compose service) is a local network's.
     */
    public static boolean looksLikeCloud(URI url) {
        String host = url.getHost().toLowerCase(Locale.ROOT);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (!host.contains(".") && !host.contains(":")) {
            return false;
        }
        if (host.equals("localhost") || host.endsWith(".localhost") || host.endsWith(".local")
                || host.endsWith(".internal") || host.equals("host.docker.internal")) {
            return false;
        }
        if (host.matches("[0-9.]+") || host.contains(":")) {
            try {
                InetAddress a = InetAddress.getByName(host);
                return !(a.isLoopbackAddress() || a.isSiteLocalAddress() || a.isLinkLocalAddress() || a.isAnyLocalAddress()
                        || isUniqueLocalV6(a));
            } catch (IOException e) {
                return true;
            }
        }
        return true;
    }

    private static boolean isUniqueLocalV6(InetAddress a) {
        byte[] b = a.getAddress();
        return b.length == 16 && (b[0] & 0xfe) == 0xfc;
    }

    void problem(String path, String message) {
        problems.add(path + ": " + message);
    }

    /** 6, 2.5: a number as written in the file. */
    static String number(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }

    static String quote(String s) {
        return "\"" + s + "\"";
    }

    static String describe(JsonNode n) {
        if (n == null || n.isNull()) {
            return "empty";
        }
        if (n.isArray()) {
            return n.isEmpty() ? "[]" : "a list";
        }
        if (n.isObject()) {
            return "a mapping";
        }
        return quote(n.asText());
    }

}
