package dev.lifeline.routing;

import java.time.Instant;
import java.util.Objects;

/** A request the gateway refused before routing it (bad JSON, unknown path, too large...): logged and counted too. */
public record Rejection(String requestId, Instant time, String method, String path, int status, String reason) {
    public Rejection {
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(reason, "reason");
    }
}
