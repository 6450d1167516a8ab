package dev.lifeline.backend;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Why one attempt did not produce an answer.
 *
 * @param kind       the class of failure, which decides what happens next
 * @param detail     a short, human explanation (never a provider's raw body, which may echo credentials)
 * @param status     the upstream HTTP status, or 0 when none was received
 * @param code       the provider's error code or type when it gave one (e.g. {@code context_length_exceeded})
 * @param retryAfter the provider's hint of when to come back
 * @param body       for {@link Kind#HTTP_STATUS}, the provider's error body, returned unchanged when the decision is to stop
 */
public record Failure(Kind kind, String detail, int status, Optional<String> code, Optional<Duration> retryAfter,
                      byte[] body, String contentType) {

    public Failure {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(retryAfter, "retryAfter");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(contentType, "contentType");
    }

    public enum Kind {
        /** Nothing listens, or a reject rule: the TCP connection was refused. */
        CONNECT_REFUSED("connection refused"),
        /** The connection could not be made in time (often a firewall dropping packets). */
        CONNECT_TIMEOUT("connect timeout"),
        /** The host name does not resolve. */
        DNS("DNS lookup failed"),
        /** The TLS handshake failed. */
        TLS("TLS handshake failed"),
        /** The connection was reset or closed before any response byte. */
        RESET("connection reset"),
        /** Connected, but no response headers or no first token in time: a silent upstream. */
        FIRST_TOKEN_TIMEOUT("first-token timeout"),
        /** A non-streamed answer did not arrive in full in time: a silent upstream. */
        RESPONSE_TIMEOUT("response timeout"),
        /** A started stream went quiet for longer than the idle timeout. */
        IDLE_TIMEOUT("stream stalled"),
        /** The upstream answered with an error status. */
        HTTP_STATUS("error status"),
        /** The upstream sent an error inside a successful response or stream. */
        IN_BAND_ERROR("in-band error"),
        /** A chunk or body that is not valid for the dialect. */
        MALFORMED("malformed response"),
        /** The stream or body ended before it was complete. */
        TRUNCATED("response cut off"),
        /** The gateway's own cap on requests to this backend is reached and its queue is full or too slow. */
        BACKEND_BUSY("backend at its concurrency limit"),
        /** The client went away; never held against the upstream. */
        CLIENT_CANCELLED("client disconnected");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    public static Failure of(Kind kind, String detail) {
        return new Failure(kind, detail, 0, Optional.empty(), Optional.empty(), new byte[0], "");
    }

    public static Failure status(int status, Optional<String> code, Optional<Duration> retryAfter, byte[] body, String contentType) {
        String detail = "HTTP " + status + code.map(c -> " " + c).orElse("");
        return new Failure(Kind.HTTP_STATUS, detail, status, code, retryAfter, body, contentType);
    }

    /** A short reason for headers, logs and metrics labels, e.g. {@code connect timeout} or {@code HTTP 503}. */
    public String reason() {
        return kind == Kind.HTTP_STATUS ? detail : kind.label();
    }

    public boolean isStatus(int s) {
        return kind == Kind.HTTP_STATUS && status == s;
    }

    @Override
    public String toString() {
        return "Failure[" + kind + ", " + detail + "]";
    }
}
