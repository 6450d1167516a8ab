package dev.lifeline.config;

import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One upstream model server.
 *
 * @param name          the key under {@code backends:}
 * @param dialect       the wire API it speaks
 * @param url           base URL, e.g. {@code https://api.openai.com/v1}
 * @param apiKey        the backend's own credential, sent as {@code Authorization: Bearer}; clients never see it
 * @param cloud         true for a cloud provider (skipped in contingency mode)
 * @param headers       extra request headers (e.g. {@code OpenAI-Organization})
 * @param timeouts      per-phase timeouts for this backend's targets
 * @param retries       how many times one attempt may be retried on the same target
 * @param maxRetryAfter longest {@code Retry-After} the gateway waits for before moving on
 * @param concurrency   how many requests the backend gets at once, and how many may wait for a turn
 * @param keepAlive     for {@code type: ollama}: how long Ollama keeps a model loaded after a request, as Ollama reads
 *                      it ({@code 1800s}, or {@code -1} for ever); empty leaves Ollama's default (5 minutes)
 * @param options       for {@code type: ollama}: Ollama {@code options} sent with every request ({@code num_ctx}...),
 *                      numbers, booleans or strings; a request's own values win
 */
public record BackendConfig(
        String name,
        Dialect dialect,
        URI url,
        Optional<Secret> apiKey,
        boolean cloud,
        Map<String, String> headers,
        Timeouts timeouts,
        int retries,
        Duration maxRetryAfter,
        Concurrency concurrency,
        Optional<String> keepAlive,
        Map<String, Object> options) {

    public BackendConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dialect, "dialect");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(apiKey, "apiKey");
        headers = Map.copyOf(headers);
        Objects.requireNonNull(timeouts, "timeouts");
        Objects.requireNonNull(maxRetryAfter, "maxRetryAfter");
        Objects.requireNonNull(concurrency, "concurrency");
        Objects.requireNonNull(keepAlive, "keepAlive");
        options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
    }

    /**
     * A cap on requests in flight to one backend (a local GPU serves one or a few at a time), with a bounded queue:
     * a request that finds the queue full, or waits longer than {@code queueTimeout}, moves on to its next target.
     */
    public record Concurrency(int max, int queue, Duration queueTimeout) {
        public Concurrency {
            Objects.requireNonNull(queueTimeout, "queueTimeout");
        }

        public static final Concurrency UNLIMITED = new Concurrency(Integer.MAX_VALUE, 0, Duration.ofSeconds(30));

        public boolean limited() {
            return max != Integer.MAX_VALUE;
        }
    }

    /** Header values are left out: an {@code api-key} header is as secret as {@code api_key}. */
    @Override
    public String toString() {
        return "BackendConfig[name=" + name + ", dialect=" + dialect + ", url=" + url + ", apiKey=" + apiKey.map(Secret::toString).orElse("none")
                + ", cloud=" + cloud + ", headers=" + headers.keySet() + ", timeouts=" + timeouts + ", retries=" + retries
                + ", maxRetryAfter=" + maxRetryAfter + ", concurrency=" + concurrency + ", keepAlive=" + keepAlive.orElse("default") + "]";
    }

    /** The wire API a backend speaks; a request in another dialect is translated for it. */
    public enum Dialect {
        /** OpenAI's Chat Completions, and every OpenAI-compatible server ({@code url} ends in {@code /v1}). */
        OPENAI("openai"),
        /** Anthropic's Messages API ({@code url: https://api.anthropic.com/v1}). */
        ANTHROPIC("anthropic"),
        /** Ollama's native API ({@code url} is the server's root, e.g. {@code http://127.0.0.1:11434}). */
        OLLAMA("ollama");

        private final String wireName;

        Dialect(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }

        public static Optional<Dialect> byName(String name) {
            for (Dialect d : values()) {
                if (d.wireName.equals(name)) {
                    return Optional.of(d);
                }
            }
            return Optional.empty();
        }
    }
}
