package dev.lifeline.probe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeline.config.BackendConfig;
import dev.lifeline.config.BackendConfig.Dialect;
import dev.lifeline.config.Durations;
import dev.lifeline.config.MonitorConfig.CpuFallback;
import dev.lifeline.config.MonitorConfig.Thresholds;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The checks {@code lifeline monitor} runs on one backend, in order, each only when the one before passed:
 * <ol>
 *   <li>{@code service}: a TCP connect, then the server's own liveness endpoint (Ollama {@code GET /}; llama.cpp and
 *       vLLM {@code /health}, where llama.cpp answers 503 "Loading model" while it loads; LM Studio and the cloud
 *       {@code /v1/models}, which also proves the key without spending tokens);</li>
 *   <li>{@code models}: every required model is installed;</li>
 *   <li>{@code inference}: a test answer of a few tokens, timed (first token, tokens per second, load);</li>
 *   <li>{@code gpu}, Ollama only (also behind {@code type: openai}): {@code /api/ps} shows whether the model runs on the GPU, partly or wholly on the CPU.</li>
 * </ol>
 * Plain blocking code; {@link #runAll} gives each backend a virtual thread.
 */
public final class ServerChecks implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ProbeHttp http;
    private final InferenceProbe inference;

    public ServerChecks(Duration connectTimeout) {
        this.http = new ProbeHttp(connectTimeout);
        this.inference = new InferenceProbe(http);
    }

    /** Stops the HTTP clients' threads: a one-shot command's JVM otherwise waits up to 300 ms at exit for them. */
    @Override
    public void close() {
        http.close();
    }

    /** Checks every backend at once; the results in plan order, each backend's checks in the order above. */
    public List<Check> runAll(List<CheckPlan> plans) {
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<List<Check>>> futures = plans.stream().map(p -> pool.submit(() -> run(p))).toList();
            List<Check> all = new ArrayList<>();
            for (int i = 0; i < plans.size(); i++) {
                all.addAll(result(futures.get(i), plans.get(i)));
            }
            return all;
        }
    }

    private static List<Check> result(Future<List<Check>> f, CheckPlan plan) {
        try {
            return f.get();
        } catch (ExecutionException e) {
            return List.of(Check.of(plan.backend().name(), "service", Status.UNKNOWN, "the check itself failed: " + e.getCause()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of(Check.of(plan.backend().name(), "service", Status.UNKNOWN, "interrupted"));
        }
    }

    /** The checks of one backend. */
    public List<Check> run(CheckPlan plan) {
        List<Check> checks = new ArrayList<>();
        Service service = service(plan);
        checks.add(service.check);
        if (!service.check.status().isOk()) {
            return checks;   // the other checks would only repeat that the service is not there
        }
        Check models = models(plan, service.models);
        checks.add(models);
        Optional<String> model = plan.inferenceModel().filter(m -> service.models.isEmpty() || present(plan.backend(), m, service.models.get()));
        if (model.isPresent()) {
            checks.add(inference(plan, model.get()));
        }
        service.ollamaRoot().ifPresent(root -> checks.add(gpu(plan, root)));   // after the inference, which loaded the model
        return checks;
    }

    // ------------------------------------------------------------------ service

    /** @param ollamaRoot where Ollama's native API answers, when the server is Ollama (also behind {@code type: openai}) */
    private record Service(Check check, Optional<List<String>> models, Optional<URI> ollamaRoot) {
        Service withOllamaRoot(URI root) {
            return new Service(check, models, Optional.of(root));
        }
    }

    private Service service(CheckPlan plan) {
        BackendConfig b = plan.backend();
        String name = b.name();
        long start = System.nanoTime();
        Optional<String> refused = connect(b.url(), plan.timeout());
        if (refused.isPresent()) {
            return down(name, Status.CRITICAL, refused.get());
        }
        try {
            if (b.dialect() == Dialect.OLLAMA) {
                HttpResponse<byte[]> root = http.get(b, ProbeHttp.under(b, "/"), plan.timeout());
                String body = new String(root.body(), StandardCharsets.UTF_8);
                if (root.statusCode() != 200) {
                    return down(name, Status.CRITICAL, "GET / answered HTTP " + root.statusCode() + ": " + InferenceProbe.errorMessage(root.body())
                            + " (not Ollama? an OpenAI-compatible server is checked at its /v1 URL, or with type: openai)");
                }
                if (!body.contains("Ollama is running")) {
                    return down(name, Status.WARNING, "answers, but not as Ollama does (GET / said \"" + ProbeHttp.excerpt(root.body())
                            + "\"): is this port another server? (type: openai for OpenAI-compatible servers)");
                }
                return listModels(plan, start, "Ollama is running").withOllamaRoot(ProbeHttp.under(b, ""));
            }
            if (!b.cloud()) {
                // llama.cpp and vLLM: /health at the server's root; llama.cpp says 503 "Loading model" while it loads
                HttpResponse<byte[]> health = http.get(b, ProbeHttp.root(b, "/health"), plan.timeout());
                if (health.statusCode() == 503) {
                    String why = InferenceProbe.errorMessage(health.body());
                    return why.toLowerCase().contains("loading")
                            ? down(name, Status.WARNING, "still loading its model (/health: " + why + "); it serves once loaded")
                            : down(name, Status.CRITICAL, "unhealthy (/health answered HTTP 503: " + why + ")");
                }
                if (health.statusCode() == 200) {
                    return listModels(plan, start, "healthy");
                }
                // no /health: LM Studio, or Ollama's OpenAI-compatible API, whose root says so (and whose /api/ps we can read)
                HttpResponse<byte[]> root = http.get(b, ProbeHttp.root(b, "/"), plan.timeout());
                if (root.statusCode() == 200 && new String(root.body(), StandardCharsets.UTF_8).contains("Ollama is running")) {
                    return listModels(plan, start, "Ollama is running").withOllamaRoot(ProbeHttp.root(b, ""));
                }
                return listModels(plan, start, "up");
            }
            return listModels(plan, start, "reachable, key accepted");
        } catch (IOException e) {
            return down(name, Status.CRITICAL, "no answer over HTTP at " + b.url() + ": " + ProbeHttp.unreachable(e, plan.timeout()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return down(name, Status.UNKNOWN, "interrupted");
        }
    }

    /** The model list, which for LM Studio and the cloud is also the liveness and credentials check. */
    private Service listModels(CheckPlan plan, long start, String alive) throws IOException, InterruptedException {
        BackendConfig b = plan.backend();
        URI uri = ProbeHttp.under(b, b.dialect() == Dialect.OLLAMA ? "/api/tags" : "/models");
        HttpResponse<byte[]> r = http.get(b, uri, plan.timeout());
        Measure took = Measure.of("response_time", (System.nanoTime() - start) / 1e9, "s");
        int s = r.statusCode();
        if (s == 401 || s == 403) {
            return down(b.name(), Status.CRITICAL, "credentials refused (GET " + uri.getPath() + " answered HTTP " + s + "): check api_key");
        }
        if (s == 429) {
            return down(b.name(), Status.WARNING, "rate limited (GET " + uri.getPath() + " answered HTTP 429): "
                    + InferenceProbe.errorMessage(r.body()));
        }
        if (s != 200) {
            String hint = s == 404 && b.dialect() != Dialect.OLLAMA && !uri.getPath().endsWith("/v1/models") ? " (is url the API base, ending in /v1?)" : "";
            return down(b.name(), Status.CRITICAL, "GET " + uri.getPath() + " answered HTTP " + s + ": " + InferenceProbe.errorMessage(r.body()) + hint);
        }
        List<String> models = BackendProbe.models(r.body(), b.dialect());
        String summary = alive + " (" + Durations.words(Duration.ofNanos(System.nanoTime() - start)) + ")";
        return new Service(new Check(b.name(), "service", Status.OK, summary, List.of(took)), Optional.of(models), Optional.empty());
    }

    private static Service down(String backend, Status status, String summary) {
        return new Service(Check.of(backend, "service", status, summary), Optional.empty(), Optional.empty());
    }

    /** A TCP connect to every address the host resolves to; empty when one accepts. */
    private static Optional<String> connect(URI url, Duration timeout) {
        String host = url.getHost();
        int port = url.getPort() != -1 ? url.getPort() : "https".equals(url.getScheme()) ? 443 : 80;
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            return Optional.of("host name " + host + " does not resolve (a typo in url, or DNS?)");
        }
        String first = null;
        for (InetAddress a : addresses) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(a, port), (int) timeout.toMillis());
                return Optional.empty();
            } catch (SocketTimeoutException e) {
                first = first != null ? first : "connecting to " + where(a, port) + " timed out after " + Durations.words(timeout)
                        + " (a firewall dropping packets?)";
            } catch (IOException e) {
                first = first != null ? first : "connection refused at " + where(a, port) + ": nothing listens there (is the server running?)";
            }
        }
        return Optional.of(first);
    }

    private static String where(InetAddress a, int port) {
        String h = a.getHostAddress();
        return (h.contains(":") ? "[" + h + "]" : h) + ":" + port;
    }

    // ------------------------------------------------------------------ models

    private static Check models(CheckPlan plan, Optional<List<String>> listed) {
        BackendConfig b = plan.backend();
        List<String> available = listed.orElse(List.of());
        List<String> missing = plan.models().stream().filter(m -> !present(b, m, available)).toList();
        Measure count = Measure.of("models_missing", missing.size(), "").judgedBy("0", "0");
        if (missing.isEmpty()) {
            String summary = plan.models().isEmpty() ? available.size() + (available.size() == 1 ? " model" : " models") + " installed, none required"
                    : plan.models().size() == 1 ? plan.models().getFirst() + " installed"
                    : "all " + plan.models().size() + " required installed: " + String.join(", ", plan.models());
            return new Check(b.name(), "models", Status.OK, summary, List.of(count));
        }
        String hint = b.dialect() == Dialect.OLLAMA ? " (install: " + String.join("; ", missing.stream().map(m -> "ollama pull " + m).toList()) + ")"
                : "";
        String found = available.isEmpty() ? "the server lists none" : "it has " + String.join(", ", available.stream().limit(8).toList())
                + (available.size() > 8 ? ", ..." : "");
        return new Check(b.name(), "models", Status.CRITICAL, "missing " + String.join(", ", missing) + hint + "; " + found, List.of(count));
    }

    /**
     * Whether a model is in a listing: Ollama's {@code llama3.1} is {@code llama3.1:latest}; Anthropic lists dated ids
     * ({@code claude-sonnet-4-5-20250929}) for the aliases routes use.
     */
    static boolean present(BackendConfig b, String model, List<String> available) {
        if (available.contains(model)) {
            return true;
        }
        if (b.dialect() == Dialect.OLLAMA && !model.contains(":")) {
            return available.contains(model + ":latest");
        }
        if (b.dialect() == Dialect.ANTHROPIC) {
            return available.stream().anyMatch(a -> a.startsWith(model + "-"));
        }
        return false;
    }

    // ------------------------------------------------------------------ inference

    private Check inference(CheckPlan plan, String model) {
        String backend = plan.backend().name();
        InferenceProbe.Outcome outcome = inference.run(plan.backend(), model, plan.inferenceTimeout(), plan.stallTimeout());
        if (outcome instanceof InferenceProbe.Failed f) {
            return Check.of(backend, "inference", Status.CRITICAL, model + ": no answer: " + f.why());
        }
        InferenceProbe.Answered a = (InferenceProbe.Answered) outcome;
        Thresholds t = plan.thresholds();
        List<Judge.Judged> judged = new ArrayList<>();
        a.tokensPerSecond().ifPresent(r -> judged.add(Judge.atLeast(Measure.of("tokens_per_second", r, "").forModel(model), t.tokensPerSecond())));
        judged.add(Judge.atMost(Measure.of("ttft", Judge.seconds(a.ttft()), "s").forModel(model), t.ttft()));
        a.loadTime().ifPresent(l -> judged.add(Judge.atMost(Measure.of("load_time", Judge.seconds(l), "s").forModel(model), t.loadTime())));

        Status status = judged.stream().map(Judge.Judged::status).reduce(Status.OK, Status::worst);
        List<String> parts = new ArrayList<>();
        for (Judge.Judged j : judged) {
            String label = switch (j.measure().name()) {
                case "tokens_per_second" -> Judge.number(j.measure().value()) + " tokens/s";
                case "ttft" -> "first token " + Judge.number(j.measure().value()) + " s";
                default -> "load " + Judge.number(j.measure().value()) + " s";
            };
            parts.add(label + j.why().map(w -> " (" + w + ")").orElse(""));
        }
        return new Check(backend, "inference", status, model + ": " + String.join(", ", parts),
                judged.stream().map(Judge.Judged::measure).toList());
    }

    // ------------------------------------------------------------------ gpu

    private Check gpu(CheckPlan plan, URI ollamaRoot) {
        BackendConfig b = plan.backend();
        HttpResponse<byte[]> r;
        try {
            r = http.get(b, URI.create(ollamaRoot + "/api/ps"), plan.timeout());
        } catch (IOException e) {
            return Check.of(b.name(), "gpu", Status.UNKNOWN, "GET /api/ps: " + ProbeHttp.unreachable(e, plan.timeout()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Check.of(b.name(), "gpu", Status.UNKNOWN, "interrupted");
        }
        if (r.statusCode() != 200) {
            return Check.of(b.name(), "gpu", Status.UNKNOWN, "GET /api/ps answered HTTP " + r.statusCode());
        }
        JsonNode loaded;
        try {
            loaded = JSON.readTree(r.body()).path("models");
        } catch (IOException e) {
            return Check.of(b.name(), "gpu", Status.UNKNOWN, "GET /api/ps answered something that is not JSON");
        }
        Status status = Status.OK;
        List<String> parts = new ArrayList<>();
        List<Measure> measures = new ArrayList<>();
        for (JsonNode m : loaded) {
            String name = m.path("name").asText(m.path("model").asText("?"));
            if (!plan.models().isEmpty() && plan.models().stream().noneMatch(req -> present(b, req, List.of(name)))) {
                continue;   // another app's model: not ours to judge
            }
            long size = m.path("size").asLong(0);
            long vram = m.path("size_vram").asLong(0);
            if (size <= 0 || vram > size) {
                parts.add(name + " placement unknown (size " + size + ", size_vram " + vram + ")");
                continue;
            }
            double gpuPercent = 100.0 * vram / size;
            measures.add(Measure.of("gpu_offload", gpuPercent, "%").forModel(name).judgedBy("100:", ""));
            if (vram == size) {
                parts.add(name + " 100% GPU");
                continue;
            }
            long cpu = Math.round(100.0 * (size - vram) / size);
            String where = vram == 0 ? "100% CPU: the GPU is not used (driver lost, or no GPU visible to Ollama?)"
                    : cpu + "%/" + (100 - cpu) + "% CPU/GPU: partly on the CPU, slow (too little free VRAM?)";
            Status s = switch (plan.cpuFallback()) {
                case WARNING -> Status.WARNING;
                case CRITICAL -> Status.CRITICAL;
                case IGNORE -> Status.OK;
            };
            status = status.worst(s);
            parts.add(name + " " + where + (plan.cpuFallback() == CpuFallback.IGNORE ? " (cpu_fallback: ignore)" : ""));
        }
        if (parts.isEmpty()) {
            return Check.of(b.name(), "gpu", Status.OK, "no " + (plan.models().isEmpty() ? "" : "required ") + "model loaded, nothing to judge");
        }
        return new Check(b.name(), "gpu", status, String.join("; ", parts), measures);
    }
}
