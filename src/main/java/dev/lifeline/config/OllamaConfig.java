package dev.lifeline.config;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * Ollama's native API ({@code /} and {@code /api/*}) passed through the gateway to one Ollama server, under the
 * gateway's keys and endpoint policy. What non-admin callers may ask of the server is capped:
 * <ul>
 *   <li>{@code keep_alive} longer than {@code maxKeepAlive}, or negative ("keep loaded forever"), becomes
 *       {@code maxKeepAlive}; {@code 0} ("unload now") is dropped, so the server's default applies: one caller can
 *       neither pin a model in memory nor evict one that others are using;</li>
 *   <li>{@code options.num_ctx} above {@code maxNumCtx} becomes {@code maxNumCtx} (a huge context is a huge
 *       allocation and a reload).</li>
 * </ul>
 *
 * @param backend      the configured backend on the Ollama server (it must not be a cloud backend)
 * @param root         the native API root: the backend's URL without a trailing {@code /v1}
 * @param maxKeepAlive the longest {@code keep_alive} a non-admin gets
 * @param maxNumCtx    the largest {@code options.num_ctx} a non-admin gets
 */
public record OllamaConfig(String backend, URI root, Duration maxKeepAlive, int maxNumCtx) {
    public static final Duration DEFAULT_MAX_KEEP_ALIVE = Duration.ofMinutes(30);
    public static final int DEFAULT_MAX_NUM_CTX = 32768;

    public OllamaConfig {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(maxKeepAlive, "maxKeepAlive");
        if (maxKeepAlive.isNegative() || maxKeepAlive.isZero() || maxNumCtx < 1) {
            throw new IllegalArgumentException("maxKeepAlive and maxNumCtx must be positive");
        }
    }

    /** {@code http://127.0.0.1:11434/v1} → {@code http://127.0.0.1:11434}; a URL without {@code /v1} is kept as it is. */
    public static URI nativeRoot(URI backendUrl) {
        String path = backendUrl.getRawPath() == null ? "" : backendUrl.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        if (path.endsWith("/v1")) {
            path = path.substring(0, path.length() - 3);
        }
        return URI.create(backendUrl.getScheme() + "://" + backendUrl.getRawAuthority() + path);
    }
}
