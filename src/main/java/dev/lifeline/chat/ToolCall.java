package dev.lifeline.chat;

import java.util.Objects;

/**
 * A call the model made to a tool.
 *
 * @param id            the call's id, which the tool's result refers to (dialects without ids get generated ones)
 * @param name          the function's name
 * @param argumentsJson the arguments as JSON text (OpenAI sends a string of JSON, Anthropic and Ollama an object)
 */
public record ToolCall(String id, String name, String argumentsJson) {
    public ToolCall {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(argumentsJson, "argumentsJson");
    }
}
