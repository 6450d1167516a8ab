package dev.lifeline.auth;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Per-key requests/minute, tokens/minute and concurrent requests (Bucket4j token buckets, lock-free). Tokens are
 * known only when an answer ends, so the token budget is charged afterwards: a request is admitted while the budget
 * is not exhausted, and its real usage is then taken, possibly into debt that later requests wait out.
 */
public final class KeyLimits {
    private final ConcurrentHashMap<String, State> byKey = new ConcurrentHashMap<>();

    /** The outcome of asking to start one request. */
    public sealed interface Admission {
    }

    /** Admitted: {@link Permit#finish} must be called exactly once when the request ends. */
    public record Permit(State state) implements Admission {
        public void finish(long tokensUsed) {
            state.finish(tokensUsed);
        }
    }

    /**
     * Refused: which limit, when to come back, and the {@code x-ratelimit-*} headers to send with the 429.
     */
    public record Limited(String limit, Duration retryAfter, Map<String, String> headers) implements Admission {
    }

    public Admission admit(ApiKey key) {
        if (key.rpm().isEmpty() && key.tpm().isEmpty() && key.concurrency().isEmpty()) {
            return new Permit(State.UNLIMITED);
        }
        // When the key file changes a key's limits, new buckets apply; requests in flight keep counting in the same place.
        State s = byKey.compute(key.id(), (id, old) -> old == null ? new State(key, new AtomicInteger())
                : old.sameLimits(key) ? old : new State(key, old.inFlight));
        return s.admit();
    }

    /** One key's buckets. */
    public static final class State {
        static final State UNLIMITED = new State(null, new AtomicInteger());

        private final ApiKey key;
        private final Bucket requests;
        private final Bucket tokens;
        private final AtomicInteger inFlight;

        State(ApiKey key, AtomicInteger inFlight) {
            this.key = key;
            this.inFlight = inFlight;
            this.requests = key == null || key.rpm().isEmpty() ? null : perMinute(key.rpm().getAsInt());
            this.tokens = key == null || key.tpm().isEmpty() ? null : perMinute(key.tpm().getAsInt());
        }

        private static Bucket perMinute(int n) {
            return Bucket.builder().addLimit(Bandwidth.builder().capacity(n).refillGreedy(n, Duration.ofMinutes(1)).build()).build();
        }

        boolean sameLimits(ApiKey k) {
            return k.rpm().equals(key.rpm()) && k.tpm().equals(key.tpm()) && k.concurrency().equals(key.concurrency());
        }

        Admission admit() {
            if (key == null) {
                return new Permit(this);
            }
            if (key.concurrency().isPresent() && inFlight.incrementAndGet() > key.concurrency().getAsInt()) {
                inFlight.decrementAndGet();
                Map<String, String> h = headers(Optional.empty());
                return new Limited("concurrent requests (" + key.concurrency().getAsInt() + ")", Duration.ofSeconds(1), h);
            }
            if (tokens != null && tokens.getAvailableTokens() <= 0) {
                release();
                Duration wait = Duration.ofNanos(tokens.estimateAbilityToConsume(1).getNanosToWaitForRefill());
                return new Limited("tokens per minute (" + key.tpm().getAsInt() + ")", wait, headers(Optional.empty()));
            }
            if (requests != null) {
                ConsumptionProbe p = requests.tryConsumeAndReturnRemaining(1);
                if (!p.isConsumed()) {
                    release();
                    return new Limited("requests per minute (" + key.rpm().getAsInt() + ")",
                            Duration.ofNanos(p.getNanosToWaitForRefill()), headers(Optional.of(p)));
                }
            }
            return new Permit(this);
        }

        void finish(long tokensUsed) {
            if (key == null) {
                return;
            }
            if (tokens != null && tokensUsed > 0) {
                tokens.consumeIgnoringRateLimits(tokensUsed);
            }
            release();
        }

        private void release() {
            if (key.concurrency().isPresent()) {
                inFlight.decrementAndGet();
            }
        }

        /** OpenAI's rate-limit headers: limits, what is left, and when it is full again. */
        private Map<String, String> headers(Optional<ConsumptionProbe> probe) {
            Map<String, String> h = new LinkedHashMap<>();
            if (requests != null) {
                h.put("x-ratelimit-limit-requests", String.valueOf(key.rpm().getAsInt()));
                long left = probe.map(ConsumptionProbe::getRemainingTokens).orElse(requests.getAvailableTokens());
                h.put("x-ratelimit-remaining-requests", String.valueOf(Math.max(0, left)));
                h.put("x-ratelimit-reset-requests", seconds(Duration.ofNanos(requests.estimateAbilityToConsume(1).getNanosToWaitForRefill())));
            }
            if (tokens != null) {
                h.put("x-ratelimit-limit-tokens", String.valueOf(key.tpm().getAsInt()));
                h.put("x-ratelimit-remaining-tokens", String.valueOf(Math.max(0, tokens.getAvailableTokens())));
                h.put("x-ratelimit-reset-tokens", seconds(Duration.ofNanos(tokens.estimateAbilityToConsume(1).getNanosToWaitForRefill())));
            }
            return h;
        }

        private static String seconds(Duration d) {
            return String.format(java.util.Locale.ROOT, "%.1fs", d.toMillis() / 1000.0);
        }
    }
}
