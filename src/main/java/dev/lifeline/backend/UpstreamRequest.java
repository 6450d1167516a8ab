package dev.lifeline.backend;

import dev.lifeline.chat.Endpoint;

import java.time.Duration;
import java.util.Objects;

/**
 * One call to a backend.
 *
 * @param endpoint       chat or embeddings
 * @param body           the request body in the backend's dialect
 * @param stream         whether the answer is streamed
 * @param connectTimeout how long connection set-up may take
 * @param requestId      the gateway's request id, passed on for correlation
 */
public record UpstreamRequest(Endpoint endpoint, byte[] body, boolean stream, Duration connectTimeout, String requestId) {
    public UpstreamRequest {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(requestId, "requestId");
    }
}
