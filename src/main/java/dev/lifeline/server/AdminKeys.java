package dev.lifeline.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lifeline.auth.ApiKey;
import dev.lifeline.auth.KeyJson;
import dev.lifeline.auth.KeySpec;
import dev.lifeline.auth.KeyStore;
import dev.lifeline.observe.AuditLog;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;

import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Keys over HTTP for admins: {@code GET /admin/keys}, {@code POST /admin/keys} (the token is in the answer, once),
 * {@code DELETE /admin/keys/ID-OR-NAME} (revoke) and {@code POST /admin/keys/ID-OR-NAME/rotate}. The key file is
 * written on a virtual thread, never on an event loop; the answer goes back on the connection's loop.
 */
final class AdminKeys {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ExecutorService FILE_WORK = Executors.newVirtualThreadPerTaskExecutor();

    /** The answer to write: status and JSON body. */
    record Answer(int status, byte[] body) {
    }

    private final KeyStore keys;

    AdminKeys(KeyStore keys) {
        this.keys = keys;
    }

    static boolean serves(String path) {
        return path.equals("/admin/keys") || path.startsWith("/admin/keys/");
    }

    /** Does the work off the event loop and hands the answer to {@code reply} on {@code loop}. */
    void handle(FullHttpRequest req, String path, String requestId, EventLoop loop, java.util.function.Consumer<Answer> reply) {
        HttpMethod method = req.method();
        byte[] body = ByteBufUtil.getBytes(req.content());
        CompletableFuture.supplyAsync(() -> answer(method, path, body, requestId), FILE_WORK)
                .exceptionally(e -> error(500, "the key file could not be changed"))
                .thenAccept(a -> loop.execute(() -> reply.accept(a)));
    }

    private Answer answer(HttpMethod method, String path, byte[] body, String requestId) {
        Instant now = Instant.now();
        String rest = path.substring("/admin/keys".length());
        try {
            if (rest.isEmpty() && method.equals(HttpMethod.GET)) {
                ObjectNode root = JSON.createObjectNode();
                var list = root.putArray("keys");
                keys.list().forEach(k -> KeyJson.write(k, now, list.addObject()));
                return ok(root);
            }
            if (rest.isEmpty() && method.equals(HttpMethod.POST)) {
                KeyStore.Created c = keys.create(spec(body, now), now);
                AuditLog.event("key_created_over_http", Map.of("request_id", requestId, "key_id", c.key().id(), "name", c.key().name()));
                return created(c, now);
            }
            String target = rest.substring(1);
            if (target.endsWith("/rotate") && method.equals(HttpMethod.POST)) {
                KeyStore.Created c = keys.rotate(target.substring(0, target.length() - "/rotate".length()), now);
                AuditLog.event("key_rotated_over_http", Map.of("request_id", requestId, "key_id", c.key().id(), "name", c.key().name()));
                return created(c, now);
            }
            if (!target.contains("/") && method.equals(HttpMethod.DELETE)) {
                ApiKey k = keys.revoke(target, now);
                AuditLog.event("key_revoked_over_http", Map.of("request_id", requestId, "key_id", k.id(), "name", k.name()));
                ObjectNode o = JSON.createObjectNode();
                KeyJson.write(k, now, o);
                return ok(o);
            }
            return error(405, "use GET or POST /admin/keys, DELETE /admin/keys/ID-OR-NAME, POST /admin/keys/ID-OR-NAME/rotate");
        } catch (IllegalArgumentException | IllegalStateException e) {
            return error(400, e.getMessage());
        } catch (java.util.NoSuchElementException e) {
            return error(404, "no such key");
        } catch (IOException e) {
            return error(500, "the key file could not be changed: " + e.getClass().getSimpleName());
        }
    }

    /** {@code {"name": ..., "models": [...], "local_only", "rpm", "tpm", "concurrency", "expires": ISO-8601, "admin"}}. */
    private static KeySpec spec(byte[] body, Instant now) {
        JsonNode n;
        try {
            n = JSON.readTree(body);
        } catch (IOException e) {
            throw new IllegalArgumentException("the body is not valid JSON (expected: {\"name\": \"app\", ...})");
        }
        if (n == null || !n.isObject() || !n.path("name").isTextual()) {
            throw new IllegalArgumentException("name: missing (expected: a JSON object with a name)");
        }
        List<String> models = new ArrayList<>();
        n.path("models").forEach(m -> models.add(m.asText()));
        KeySpec spec = KeySpec.named(n.get("name").asText()).withModels(models)
                .withLocalOnly(n.path("local_only").asBoolean(false)).withAdmin(n.path("admin").asBoolean(false));
        OptionalInt rpm = number(n, "rpm");
        OptionalInt tpm = number(n, "tpm");
        OptionalInt concurrency = number(n, "concurrency");
        if (rpm.isPresent()) {
            spec = spec.withRpm(rpm.getAsInt());
        }
        if (tpm.isPresent()) {
            spec = spec.withTpm(tpm.getAsInt());
        }
        if (concurrency.isPresent()) {
            spec = spec.withConcurrency(concurrency.getAsInt());
        }
        if (n.hasNonNull("expires")) {
            try {
                Instant when = Instant.parse(n.get("expires").asText());
                if (!when.isAfter(now)) {
                    throw new IllegalArgumentException("expires: " + when + " (expected: a time in the future)");
                }
                spec = spec.withExpires(when);
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("expires: \"" + n.get("expires").asText() + "\" (expected: an ISO-8601 time such as 2027-01-31T00:00:00Z)");
            }
        }
        return spec;
    }

    private static OptionalInt number(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return OptionalInt.empty();
        }
        if (!v.isInt()) {
            throw new IllegalArgumentException(field + ": " + v + " (expected: a whole number)");
        }
        return OptionalInt.of(v.asInt());
    }

    private static Answer created(KeyStore.Created c, Instant now) {
        ObjectNode o = JSON.createObjectNode();
        o.put("token", c.token());
        o.put("note", "save this key now: it cannot be shown again");
        KeyJson.write(c.key(), now, o.putObject("key"));
        return new Answer(201, bytes(o));
    }

    private static Answer ok(JsonNode n) {
        return new Answer(200, bytes(n));
    }

    private static Answer error(int status, String message) {
        return new Answer(status, OpenAiFrontDoor.INSTANCE.errorBody(status, message, Optional.empty(), status == 404 ? "not_found" : "invalid_request"));
    }

    private static byte[] bytes(JsonNode n) {
        try {
            return JSON.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
