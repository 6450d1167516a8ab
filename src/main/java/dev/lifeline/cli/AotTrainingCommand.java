package dev.lifeline.cli;

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
 * the commands' start-up paths for real (help, configuration, keys, an HTTP client call) with every output discarded,
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
