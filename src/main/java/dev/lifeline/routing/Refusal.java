package dev.lifeline.routing;

import java.util.Objects;
import java.util.Optional;

/**
 * Why a request cannot be sent to a target: part of it has no form in the target's dialect (an image URL for a
 * server that only takes inline images, {@code n: 2} for one that answers once), or the gateway's policy forbids it
 * there (a cloud model name on an Ollama server). The target is skipped; when no target could take the request, the
 * client gets this message, naming the field: a 400 when it cannot be translated, a 403 when it is not allowed.
 *
 * @param message what cannot be sent, and where
 * @param param   the field's path in the client's request
 * @param kind    why
 */
public record Refusal(String message, Optional<String> param, Kind kind) {
    public enum Kind {
        /** The target's dialect cannot carry it. */
        UNTRANSLATABLE,
        /** The gateway's policy does not allow it on that target. */
        NOT_ALLOWED
    }

    public Refusal {
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(param, "param");
        Objects.requireNonNull(kind, "kind");
    }

    /** A part of the request the target's dialect cannot carry. */
    public Refusal(String message, Optional<String> param) {
        this(message, param, Kind.UNTRANSLATABLE);
    }
}
