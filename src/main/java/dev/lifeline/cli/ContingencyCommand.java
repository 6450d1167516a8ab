package dev.lifeline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code lifeline contingency on|off|status}: switch a running gateway to local-only and back. */
@Command(name = "contingency", mixinStandardHelpOptions = true,
        description = {"Turn contingency mode on or off on a running gateway, or show it.",
                "In contingency mode every request goes to local targets; cloud targets are skipped."})
public final class ContingencyCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    enum Action { on, off, status }

    private final Map<String, String> env;

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "on|off|status", description = "what to do (default: status)", defaultValue = "status")
    Action action;

    @Option(names = "--gateway", paramLabel = "URL", description = "the gateway (default: $LIFELINE_GATEWAY or http://127.0.0.1:8470)")
    String gateway;

    @Option(names = "--admin-key", paramLabel = "KEY",
            description = "an admin key or the gateway's auth.admin_key, needed once the gateway has keys (default: $LIFELINE_ADMIN_KEY)")
    String adminKey;

    public ContingencyCommand(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String base = gateway != null ? gateway : env.getOrDefault("LIFELINE_GATEWAY", "http://127.0.0.1:8470");
        base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        URI uri;
        try {
            uri = URI.create(base + "/admin/contingency");
        } catch (IllegalArgumentException e) {
            err.println("lifeline: --gateway " + base + " is not a URL (expected e.g. http://127.0.0.1:8470)");
            return 2;
        }
        HttpRequest.Builder req = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5));
        String key = adminKey != null ? adminKey : env.get("LIFELINE_ADMIN_KEY");
        if (key != null && !key.isBlank()) {
            req.header("authorization", "Bearer " + key.trim());
        }
        if (action == Action.status) {
            req.GET();
        } else {
            req.header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"enabled\":" + (action == Action.on) + "}"));
        }
        HttpClient http = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY).connectTimeout(Duration.ofSeconds(3)).build();
        try {
            HttpResponse<String> r = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 401 || r.statusCode() == 403) {
                err.printf("lifeline: the gateway at %s refused: %s. Pass an admin key with --admin-key or LIFELINE_ADMIN_KEY"
                        + " (lifeline keys create --name ops --admin).%n", base, message(r.body()));
                return 1;
            }
            if (r.statusCode() != 200) {
                err.printf("lifeline: the gateway at %s answered HTTP %d: %s%n", base, r.statusCode(), message(r.body()));
                return 1;
            }
            boolean on = JSON.readTree(r.body()).path("contingency").asBoolean();
            out.println(on ? "contingency mode: ON (every request goes to local targets)"
                    : "contingency mode: off (cloud first, local on failure)");
            return 0;
        } catch (ConnectException e) {
            err.printf("lifeline: no gateway at %s (connection refused). Is `lifeline serve` running? Use --gateway URL.%n", base);
            return 1;
        } catch (IOException e) {
            err.printf("lifeline: cannot reach the gateway at %s: %s%n", base, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    private static String message(String body) {
        try {
            JsonNode n = JSON.readTree(body);
            return n.path("error").path("message").asText(body);
        } catch (IOException e) {
            return body.length() > 200 ? body.substring(0, 200) : body;
        }
    }
}
