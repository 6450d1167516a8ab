package dev.lifeline.config;

import java.net.URI;
import java.time.Duration;
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
        Duration maxRetryAfter) {

    public BackendConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dialect, "dialect");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(apiKey, "apiKey");
        headers = Map.copyOf(headers);
        Objects.requireNonNull(timeouts, "timeouts");
        Objects.requireNonNull(maxRetryAfter, "maxRetryAfter");
    }

    /** Header values are left out: an {@code api-key} header is as secret as {@code api_key}. */
    @Override
    public String toString() {
        return "BackendConfig[name=" + name + ", dialect=" + dialect + ", url=" + url + ", apiKey=" + apiKey.map(Secret::toString).orElse("none")
                + ", cloud=" + cloud + ", headers=" + headers.keySet() + ", timeouts=" + timeouts + ", retries=" + retries
                + ", maxRetryAfter=" + maxRetryAfter + "]";
    }

    public enum Dialect {
        OPENAI("openai");

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
