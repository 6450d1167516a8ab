package dev.lifeline.backend;

import java.util.Locale;
import java.util.Optional;

/** Codes the failure rules know, derived from an error message when the provider gave no usable code. */
final class ErrorCodes {
    private ErrorCodes() {
    }

    /** {@code context_length_exceeded} for the ways servers say a prompt does not fit, {@code model_not_found}... */
    static Optional<String> fromMessage(String message) {
        String m = message.toLowerCase(Locale.ROOT);
        if (m.contains("context length") || m.contains("context window") || m.contains("maximum context")
                || m.contains("too many tokens") || m.contains("exceeds the context") || m.contains("prompt is too long")) {
            return Optional.of("context_length_exceeded");
        }
        if (m.contains("not found") && m.contains("model")) {
            return Optional.of("model_not_found");
        }
        return Optional.empty();
    }
}
