package dev.lifeline.server;

import dev.lifeline.auth.ApiKey;
import dev.lifeline.auth.Authentication;
import dev.lifeline.auth.KeyLimits;
import dev.lifeline.auth.KeyStore;
import dev.lifeline.config.Secret;
import dev.lifeline.config.Security;
import dev.lifeline.observe.AuditLog;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Who may do what: API keys from the key file (re-read within a second of a change), the admin credential, and a
 * brake on addresses that keep presenting bad keys. Authentication is on whenever the key file holds a key or an
 * admin key is configured; with it off, only the admin endpoints are restricted (to loopback clients).
 */
final class Access implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Access.class);
    /** Failed authentications one address may make per minute before it is refused outright. */
    static final int FAILURES_PER_MINUTE = 20;
    private static final int MAX_TRACKED_ADDRESSES = 10_000;

    /** What a request may do. */
    sealed interface Verdict {
    }

    /** Authentication is off: anyone who can connect is served. */
    record Open() implements Verdict {
    }

    /** A valid key (or the admin credential, with {@code key} empty). */
    record Granted(Optional<ApiKey> key) implements Verdict {
    }

    /** Refused, with what to tell the client; the reason for the audit log stays on this side. */
    record Denied(int status, String message, String code, Map<String, String> headers) implements Verdict {
    }

    private final KeyStore keys;
    private final Optional<Secret> adminKey;
    private final Clock clock;
    private final KeyLimits limits = new KeyLimits();
    private final ConcurrentHashMap<InetAddress, Bucket> failures = new ConcurrentHashMap<>();
    private final ScheduledExecutorService reloader;

    Access(Security security, Clock clock) throws IOException {
        this.keys = KeyStore.open(security.keysFile());
        this.adminKey = security.adminKey();
        this.clock = clock;
        keys.permissionWarning().ifPresent(w -> LOG.warn("{}", w));
        this.reloader = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("lifeline-keys").factory());
        reloader.scheduleWithFixedDelay(this::reload, 1, 1, TimeUnit.SECONDS);
    }

    private void reload() {
        Map<String, ApiKey> before = byId(keys.list());
        switch (keys.reloadIfChanged()) {
            case KeyStore.Reload.Reloaded r -> {
                AuditLog.event("keys_reloaded", Map.of("file", keys.file().toString(), "keys", r.keys(), "active", r.active()));
                auditChanges(before, byId(keys.list()));
                LOG.info("key file {} re-read: {} active key{}", keys.file(), r.active(), r.active() == 1 ? "" : "s");
            }
            case KeyStore.Reload.Failed f -> LOG.warn("key file {} could not be re-read, keeping the keys it had: {}", keys.file(), f.problem());
            case KeyStore.Reload.Unchanged u -> {
            }
        }
    }

    /** Key lifecycle in the audit log, whoever changed the file: keys added, revoked, removed. */
    private static void auditChanges(Map<String, ApiKey> before, Map<String, ApiKey> after) {
        after.forEach((id, k) -> {
            ApiKey old = before.get(id);
            if (old == null) {
                AuditLog.event("key_created", Map.of("key_id", id, "name", k.name(), "admin", k.admin(), "local_only", k.localOnly()));
            } else if (!old.isRevoked() && k.isRevoked()) {
                AuditLog.event("key_revoked", Map.of("key_id", id, "name", k.name()));
            }
        });
        before.keySet().stream().filter(id -> !after.containsKey(id))
                .forEach(id -> AuditLog.event("key_removed", Map.of("key_id", id, "name", before.get(id).name())));
    }

    private static Map<String, ApiKey> byId(java.util.List<ApiKey> list) {
        Map<String, ApiKey> m = new LinkedHashMap<>();
        list.forEach(k -> m.put(k.id(), k));
        return m;
    }

    /**
     * Once on, authentication stays on for the life of the gateway: a key file emptied by hand must not open the door
     * (revoked keys keep it on as well).
     */
    boolean authOn() {
        if (authStayedOn) {
            return true;
        }
        boolean on = !keys.isEmpty() || adminKey.isPresent();
        if (on) {
            authStayedOn = true;
        }
        return on;
    }

    private volatile boolean authStayedOn;

    int activeKeys() {
        return keys.activeCount(clock.instant());
    }

    Path keysFile() {
        return keys.file();
    }

    KeyStore keyStore() {
        return keys;
    }

    /**
     * Whether these headers carry a usable key (or authentication is off), without any side effect: no audit line,
     * no failed-authentication count. For probes that merely show more to key holders.
     */
    boolean mayUse(HttpHeaders headers) {
        if (!authOn()) {
            return true;
        }
        return token(headers).map(t -> keys.authenticate(t, clock.instant()) instanceof Authentication.Valid).orElse(false);
    }

    /** A client of the model endpoints: any valid key will do. */
    Verdict client(HttpHeaders headers, SocketAddress remote, String requestId, String path) {
        if (!authOn()) {
            return new Open();
        }
        return authenticate(headers, remote, requestId, path, false);
    }

    /** An admin endpoint: the admin credential or an admin key; with authentication off, loopback clients only. */
    Verdict admin(HttpHeaders headers, SocketAddress remote, String requestId, String path) {
        if (!authOn()) {
            return isLoopback(remote) ? new Open()
                    : new Denied(403, "admin endpoints are served to loopback clients only (or configure keys)", "forbidden", Map.of());
        }
        return authenticate(headers, remote, requestId, path, true);
    }

    private Verdict authenticate(HttpHeaders headers, SocketAddress remote, String requestId, String path, boolean admin) {
        InetAddress address = remote instanceof InetSocketAddress a ? a.getAddress() : null;
        Bucket brake = address == null ? null : failures.get(address);
        if (brake != null && brake.getAvailableTokens() <= 0) {
            long wait = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(brake.estimateAbilityToConsume(1).getNanosToWaitForRefill()) + 1);
            return new Denied(429, "too many failed authentications from this address; try again later", "too_many_auth_failures",
                    Map.of("retry-after", String.valueOf(wait)));
        }
        Optional<String> token = token(headers);
        if (token.isEmpty()) {
            return deny(address, requestId, path, "missing", null,
                    "missing API key: send it as Authorization: Bearer <key> or x-api-key: <key>", "missing_api_key");
        }
        if (admin && adminKey.isPresent() && constantTimeEquals(token.get(), adminKey.get().value())) {
            AuditLog.event("admin_access", fields(requestId, address, path, "admin_key", null));
            return new Granted(Optional.empty());
        }
        return switch (keys.authenticate(token.get(), clock.instant())) {
            case Authentication.Valid v when admin && !v.key().admin() -> {
                AuditLog.event("auth_failure", fields(requestId, address, path, "not_admin", v.key().id()));
                yield new Denied(403, "this key may not use admin endpoints", "permission_denied", Map.of());
            }
            case Authentication.Valid v -> {
                if (admin) {
                    AuditLog.event("admin_access", fields(requestId, address, path, "admin_key", v.key().id()));
                }
                yield new Granted(Optional.of(v.key()));
            }
            case Authentication.Revoked r -> deny(address, requestId, path, "revoked", r.key().id(), "this API key was revoked", "invalid_api_key");
            case Authentication.Expired e -> deny(address, requestId, path, "expired", e.key().id(), "this API key has expired", "invalid_api_key");
            case Authentication.Malformed m -> deny(address, requestId, path, "malformed", null, "incorrect API key provided", "invalid_api_key");
            case Authentication.Unknown u -> deny(address, requestId, path, "unknown", null, "incorrect API key provided", "invalid_api_key");
        };
    }

    /** Admits one request of a key against its limits. */
    KeyLimits.Admission admit(ApiKey key, String requestId) {
        KeyLimits.Admission a = limits.admit(key);
        if (a instanceof KeyLimits.Limited l) {
            AuditLog.event("rate_limited", fields(requestId, null, null, l.limit(), key.id()));
        }
        return a;
    }

    private Denied deny(InetAddress address, String requestId, String path, String reason, String keyId, String message, String code) {
        AuditLog.event("auth_failure", fields(requestId, address, path, reason, keyId));
        if (address != null) {
            if (failures.size() > MAX_TRACKED_ADDRESSES) {
                failures.clear(); // bounded memory; an attacker gains at most one fresh window
            }
            failures.computeIfAbsent(address, a -> Bucket.builder()
                    .addLimit(Bandwidth.builder().capacity(FAILURES_PER_MINUTE).refillGreedy(FAILURES_PER_MINUTE, Duration.ofMinutes(1)).build())
                    .build()).tryConsume(1);
        }
        return new Denied(401, message, code, Map.of());
    }

    static Optional<String> token(HttpHeaders headers) {
        String auth = headers.get(HttpHeaderNames.AUTHORIZATION);
        if (auth != null && auth.length() > 7 && auth.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
            return Optional.of(auth.substring(7).trim()).filter(t -> !t.isEmpty());
        }
        String apiKey = headers.get("x-api-key");
        return apiKey == null ? Optional.empty() : Optional.of(apiKey.trim()).filter(t -> !t.isEmpty());
    }

    private static boolean constantTimeEquals(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    static boolean isLoopback(SocketAddress remote) {
        return remote instanceof InetSocketAddress a && a.getAddress() != null && a.getAddress().isLoopbackAddress();
    }

    private static Map<String, Object> fields(String requestId, InetAddress address, String path, String reason, String keyId) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("request_id", requestId);
        f.put("client", address == null ? null : address.getHostAddress());
        f.put("path", path);
        f.put("reason", reason);
        f.put("key_id", keyId);
        return f;
    }

    @Override
    public void close() {
        reloader.shutdownNow();
    }
}
