package dev.lifeline.routing;

import java.util.Objects;
import java.util.Optional;

/**
 * Why a request cannot be sent to a target: part of it has no form in the target's dialect (an image URL for a
 * server that only takes inline images, {@code n: 2} for one that answers once). The target is skipped; when no
 * target could take the request, the client gets a 400 with this message, naming the field.
 *
 * @param message what cannot be translated, and for which dialect
 * @param param   the field's path in the client's request
 */
public record Refusal(String message, Optional<String> param) {
    public Refusal {
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(param, "param");
    }
}
