package dev.lifeline.drill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The drill's view of a running {@code lifeline serve}: chat as an app does (OpenAI's Chat Completions, the dialect every
 * SDK speaks), and the admin endpoints that start and lift the drill's fault. Blocking, for virtual threads.
 */
final class GatewayClient implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final Optional<String> key;
    private final Optional<String> adminKey;
    private final Duration timeout;
    private final HttpClient http;

    GatewayClient(URI base, Optional<String> key, Optional<String> adminKey, Duration timeout) {
        this.base = URI.create(base.toString().replaceAll("/+$", "") + "/");
        this.key = key;
        this.adminKey = adminKey.or(() -> key);
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).proxy(HttpClient.Builder.NO_PROXY).build();
    }

    URI base() {
        return base;
    }

    /** What one chat request got. */
    record Answer(int status, Optional<String> backend, Optional<String> failover, String text, Optional<String> error) {
    }

    Answer chat(String model, String prompt) {
        ObjectNode body = JSON.createObjectNode().put("model", model).put("max_tokens", 200).put("temperature", 0);
        body.putArray("messages").addObject().put("role", "user").put("content", prompt);
        HttpRequest.Builder req = request("v1/chat/completions", key).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        try {
            HttpResponse<String> r = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
            Optional<String> backend = r.headers().firstValue("x-lifeline-backend");
            Optional<String> failover = r.headers().firstValue("x-lifeline-failover");
            JsonNode json = parse(r.body());
            if (r.statusCode() != 200) {
                String message = json.path("error").path("message").asText(r.body().strip());
                return new Answer(r.statusCode(), backend, failover, "", Optional.of(r.statusCode() + ": " + excerpt(message)));
            }
            String text = json.path("choices").path(0).path("message").path("content").asText("");
            return new Answer(200, backend, failover, text, Optional.empty());
        } catch (IOException e) {
            return new Answer(0, Optional.empty(), Optional.empty(), "", Optional.of("no answer: " + message(e)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(0, Optional.empty(), Optional.empty(), "", Optional.of("interrupted"));
        }
    }

    /** The first model the gateway offers: what an app would ask for when the drill is not told. */
    Optional<String> firstModel() throws DrillException {
        JsonNode models = send(request("v1/models", key).GET(), "GET /v1/models");
        return Optional.ofNullable(models.path("data").path(0).path("id").textValue());
    }

    void ready() throws DrillException {
        send(request("readyz", Optional.empty()).GET(), "GET /readyz");
    }

    /** Starts the fault on every cloud backend: the cloud backends it covers. */
    List<String> startFault(String fault, Duration length) throws DrillException {
        ObjectNode body = JSON.createObjectNode().put("fault", fault).put("for", length.toSeconds() + "s");
        JsonNode r = send(request("admin/drill", adminKey).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())), "POST /admin/drill");
        List<String> backends = new ArrayList<>();
        r.path("backends").forEach(b -> backends.add(b.asText()));
        return backends;
    }

    void liftFault() throws DrillException {
        send(request("admin/drill", adminKey).DELETE(), "DELETE /admin/drill");
    }

    /** The state of the gateway's drill fault, to refuse starting a drill over a running one. */
    JsonNode faultState() throws DrillException {
        return send(request("admin/drill", adminKey).GET(), "GET /admin/drill");
    }

    private HttpRequest.Builder request(String path, Optional<String> credential) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(timeout).header("accept", "application/json");
        credential.ifPresent(k -> b.header("authorization", "Bearer " + k));
        return b;
    }

    private JsonNode send(HttpRequest.Builder req, String what) throws DrillException {
        try {
            HttpResponse<String> r = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode json = parse(r.body());
            if (r.statusCode() / 100 != 2) {
                String message = json.path("error").isObject() ? json.path("error").path("message").asText() : json.path("error").asText(r.body());
                throw new DrillException(what + " answered " + r.statusCode() + ": " + excerpt(message)
                        + hint(r.statusCode(), what.contains("/admin/")));
            }
            return json;
        } catch (IOException e) {
            throw new DrillException(what + " at " + base + ": " + message(e) + " (is lifeline serve running there?)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DrillException(what + ": interrupted");
        }
    }

    private static String hint(int status, boolean admin) {
        return switch (status) {
            case 401 -> admin ? " (give an admin key: --admin-key, or LIFELINE_ADMIN_KEY)" : " (give a key: --key, or LIFELINE_API_KEY)";
            case 403 -> " (the drill needs an admin key: --admin-key, or LIFELINE_ADMIN_KEY; without keys, run it on the gateway's machine)";
            case 404 -> " (is this a Lifeline gateway, and new enough to run drills?)";
            default -> "";
        };
    }

    private static JsonNode parse(String body) {
        try {
            JsonNode n = JSON.readTree(body);
            return n == null ? JSON.createObjectNode() : n;
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    private static String excerpt(String s) {
        String one = s.replaceAll("\\s+", " ").strip();
        return one.length() > 200 ? one.substring(0, 200) + "..." : one;
    }

    private static String message(Exception e) {
        if (e instanceof java.net.ConnectException) {
            return e.getCause() instanceof java.nio.channels.UnresolvedAddressException ? "the host name does not resolve" : "connection refused";
        }
        if (e instanceof java.net.http.HttpTimeoutException) {
            return "no answer in time";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    @Override
    public void close() {
        http.close();
    }
}
