package dev.lifeline.routing;

import dev.lifeline.backend.Failure;
import dev.lifeline.routing.Decision.Next;
import dev.lifeline.routing.Decision.Retry;
import dev.lifeline.routing.Decision.Stop;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The failover policy as code: every failed attempt before the response is committed goes through
 * {@link #decide}, which names the rule it applied.
 */
public final class FailureRules {
    static final Duration BACKOFF_BASE = Duration.ofMillis(250);
    static final Duration BACKOFF_MAX = Duration.ofSeconds(2);
    /** How long a target whose credentials or quota were refused is skipped before it is tried again. */
    static final Duration CREDENTIALS_COOL_DOWN = Duration.ofSeconds(60);

    private FailureRules() {
    }

    /**
     * @param f              what went wrong
     * @param retriesUsed    retries already made on this target for this request
     * @param retriesAllowed retries the target allows
     * @param maxRetryAfter  the longest {@code Retry-After} worth waiting for
     * @param contextWindow  the failed target's declared context window
     */
    public static Decision decide(Failure f, int retriesUsed, int retriesAllowed, Duration maxRetryAfter, OptionalLong contextWindow) {
        boolean canRetry = retriesUsed < retriesAllowed;
        return switch (f.kind()) {
            case CLIENT_CANCELLED -> new Stop("client disconnected: cancel the upstream call");
            case CONNECT_REFUSED, RESET, DNS, TLS -> canRetry
                    ? new Retry(Duration.ZERO, "transport error before any byte: retry at once")
                    : new Next("transport error: next target");
            case CONNECT_TIMEOUT, FIRST_TOKEN_TIMEOUT, RESPONSE_TIMEOUT -> new Next("silent upstream: next target, never retry a silent route");
            case IDLE_TIMEOUT, MALFORMED, TRUNCATED -> new Next("broken response: next target");
            case BACKEND_BUSY -> new Next("backend at its concurrency limit: next target");
            case IN_BAND_ERROR -> canRetry
                    ? new Retry(backoff(retriesUsed), "error inside a successful response: retry with backoff")
                    : new Next("error inside a successful response: next target");
            case HTTP_STATUS -> decideStatus(f, canRetry, retriesUsed, maxRetryAfter, contextWindow);
        };
    }

    private static Decision decideStatus(Failure f, boolean canRetry, int retriesUsed, Duration maxRetryAfter, OptionalLong contextWindow) {
        int s = f.status();
        String code = f.code().orElse("");
        if (s == 429 && (code.equals("insufficient_quota") || code.equals("billing_hard_limit_reached"))) {
            return new Next("quota exhausted: next target, skip this one for a while", Optional.of(CREDENTIALS_COOL_DOWN), Optional.empty());
        }
        if (s == 429 || s == 503 || s == 529) {
            Optional<Duration> hint = f.retryAfter();
            if (hint.isPresent() && hint.get().compareTo(maxRetryAfter) > 0) {
                return new Next("overloaded with a long Retry-After: next target, skip this one until then", hint, Optional.empty());
            }
            if (canRetry) {
                Duration wait = hint.filter(h -> h.compareTo(backoff(retriesUsed)) > 0).orElse(backoff(retriesUsed));
                return new Retry(wait, hint.isPresent() ? "overloaded: wait for Retry-After, then retry" : "overloaded: retry with backoff");
            }
            return new Next("still overloaded: next target", hint, Optional.empty());
        }
        if (s == 408 || s == 500 || s == 502 || s == 504) {
            return canRetry
                    ? new Retry(backoff(retriesUsed), "server error: retry with backoff")
                    : new Next("server error: next target");
        }
        if (s == 401 || s == 402 || s == 403) {
            return new Next("credentials refused: next target (continuity first), skip this one for a while",
                    Optional.of(CREDENTIALS_COOL_DOWN), Optional.empty());
        }
        if (s == 404) {
            return new Next("model not found on this target: next target");
        }
        if (s == 400 && isContextLength(f)) {
            return new Next("context length exceeded: only a target with a larger context window",
                    Optional.empty(), Optional.of(contextWindow.orElse(0)));
        }
        if (s >= 400 && s < 500) {
            return new Stop("client error: return the provider's own error");
        }
        return new Next("unexpected status: next target");
    }

    /** Whether the failure says something about the target's health (a client's own mistake does not). */
    public static boolean countsAgainstTarget(Failure f) {
        if (f.kind() == Failure.Kind.CLIENT_CANCELLED || f.kind() == Failure.Kind.BACKEND_BUSY) {
            return false; // the client left, or our own cap said no: nothing wrong with the target
        }
        if (f.kind() != Failure.Kind.HTTP_STATUS) {
            return true;
        }
        int s = f.status();
        boolean clientError = s >= 400 && s < 500 && s != 401 && s != 402 && s != 403 && s != 404 && s != 408 && s != 429;
        return !clientError;
    }

    static boolean isContextLength(Failure f) {
        String code = f.code().orElse("");
        return code.equals("context_length_exceeded") || code.equals("string_above_max_length");
    }

    /** Exponential backoff with jitter, as the official SDKs do: 250 ms, 500 ms, 1 s... at most 2 s, minus up to 25%. */
    static Duration backoff(int retriesUsed) {
        long base = Math.min(BACKOFF_BASE.toMillis() << Math.min(retriesUsed, 10), BACKOFF_MAX.toMillis());
        double jitter = 1 - 0.25 * ThreadLocalRandom.current().nextDouble();
        return Duration.ofMillis(Math.round(base * jitter));
    }
}
