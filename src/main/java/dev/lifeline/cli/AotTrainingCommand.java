package dev.lifeline.cli;

import com.sun.net.httpserver.HttpServer;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code lifeline aot-training}, hidden: the workload the launcher records once per build into a JDK 25 AOT cache
 * ({@code -XX:AOTCacheOutput}), so that one-shot commands start with their classes already loaded and linked. It runs
 * the commands' start-up paths for real (help, configuration, keys, an HTTP client call, monitor and doctor runs against an
 * Ollama played on loopback) with every output discarded,
 * touches nothing outside a temporary directory and sends nothing off this machine.
 */
@Command(name = "aot-training", hidden = true,
        description = "Run a representative start-up workload (used by the launcher to build the JDK AOT cache).")
public final class AotTrainingCommand implements Callable<Integer> {
    private final Map<String, String> env;

    AotTrainingCommand(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("lifeline-aot-");
        try {
            Map<String, String> trainingEnv = new HashMap<>(env);
            trainingEnv.put("LIFELINE_KEYS_FILE", dir.resolve("keys.json").toString());
            Path config = dir.resolve("lifeline.yaml");

            // What one-shot commands do first: parse a command line, print help or an error, load a configuration.
            run(trainingEnv, "--help");
            run(trainingEnv, "--version");
            run(trainingEnv, "serve", "--help");
            run(trainingEnv, "keys", "--help");
            run(trainingEnv, "config", "check", dir.resolve("missing.yaml").toString());
            try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(config))) {
                Main.run(new String[] {"config", "default"}, out, discard(), trainingEnv);
            }
            run(trainingEnv, "config", "check", config.toString());
            run(trainingEnv, "keys", "create", "--name", "training", "--models", "llama*");
            run(trainingEnv, "keys", "list", "--json");
            run(trainingEnv, "contingency", "status", "--gateway", "http://127.0.0.1:" + closedPort());
            httpClientCall();
            monitorRuns(trainingEnv, dir);
            return 0;
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void run(Map<String, String> env, String... args) {
        Main.run(args, discard(), discard(), env);
    }

    /** The JDK HTTP client, as probes use it, against a loopback port nobody listens on (refused at once). */
    private static void httpClientCall() throws InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1))
                .proxy(HttpClient.Builder.NO_PROXY).build();
        try {
            client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + closedPort() + "/v1/models"))
                    .timeout(Duration.ofSeconds(1)).GET().build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException expected) {
            // refused: the point was to load and link the client's classes
        }
    }

    /** {@code lifeline monitor} against an Ollama played on loopback: every check, every output, the log and textfile. */
    private static void monitorRuns(Map<String, String> env, Path dir) throws IOException {
        HttpServer ollama = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        answer(ollama, "/", "text/plain", "Ollama is running");
        answer(ollama, "/api/tags", "application/json", "{\"models\":[{\"name\":\"m:latest\",\"model\":\"m:latest\"}]}");
        answer(ollama, "/api/ps", "application/json", "{\"models\":[{\"name\":\"m:latest\",\"size\":100,\"size_vram\":100}]}");
        answer(ollama, "/api/chat", "application/x-ndjson", "{\"message\":{\"role\":\"assistant\",\"content\":\"1\"},\"done\":false}\n"
                + "{\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,\"load_duration\":1,\"eval_count\":2,\"eval_duration\":1000}\n");
        ollama.start();
        try {
            String url = "http://127.0.0.1:" + ollama.getAddress().getPort();
            String[] common = {"monitor", "--url", url, "--model", "m", "--state", dir.resolve("state.json").toString(),
                    "--log", dir.resolve("monitor.jsonl").toString(), "--textfile", dir.resolve("lifeline.prom").toString()};
            run(env, common);
            run(env, concat(common, "--json"));
            run(env, concat(common, "--format", "nagios"));
            run(env, "monitor", "--url", "http://127.0.0.1:" + closedPort(), "--no-alerts");
            run(env, "monitor", "schedule", "--cron");
            run(env, "doctor", "--url", url, "--timeout", "500ms");
            run(env, "doctor", "--url", url, "--json", "--timeout", "500ms");
            run(env, "doctor", "--port", String.valueOf(closedPort()), "--timeout", "500ms");
        } finally {
            ollama.stop(0);
        }
    }

    private static void answer(HttpServer server, String path, String type, String body) {
        server.createContext(path, exchange -> {
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("content-type", type);
                exchange.sendResponseHeaders(path.equals("/") && !exchange.getRequestURI().getPath().equals("/") ? 404 : 200, bytes.length);
                exchange.getResponseBody().write(bytes);
            }
        });
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static int closedPort() {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        } catch (IOException e) {
            return 9; // discard: nothing listens there either
        }
    }

    private static PrintWriter discard() {
        return new PrintWriter(Writer.nullWriter());
    }
}
