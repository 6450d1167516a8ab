package dev.lifeline.chat;

import java.util.Objects;

/**
 * A function the model may call.
 *
 * @param name           the function's name
 * @param description    what it does, for the model (may be empty)
 * @param parametersJson its parameters as a JSON Schema document, kept as JSON text: every dialect carries the schema
 *                       unchanged, so the gateway never needs to understand it
 */
public record ToolSpec(String name, String description, String parametersJson) {
    public ToolSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(parametersJson, "parametersJson");
    }
}
