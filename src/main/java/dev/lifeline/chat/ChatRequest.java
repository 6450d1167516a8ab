package dev.lifeline.chat;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * A chat request in no particular dialect: what translation carries from the client's dialect to a target's when the
 * two differ (when they match, the client's bytes pass through instead). A dialect's codec reads its wire format into
 * this and writes this into its wire format; what a codec cannot represent here it refuses with a 400 naming the
 * field, never dropping it silently.
 *
 * @param model       the model name as the client gave it (a route replaces it per target)
 * @param messages    the conversation in order; system instructions are {@link Role#SYSTEM} messages (Anthropic's
 *                    top-level {@code system} becomes the first message, Ollama's and OpenAI's stay where they are)
 * @param tools       functions the model may call
 * @param toolChoice  whether and which tool the model must call; empty means the dialect's default (auto)
 * @param maxTokens   the cap on generated tokens
 * @param temperature sampling temperature
 * @param topP        nucleus sampling
 * @param stop        stop sequences
 * @param stream      whether the answer is streamed
 */
public record ChatRequest(String model, List<Message> messages, List<ToolSpec> tools, Optional<ToolChoice> toolChoice,
                          OptionalInt maxTokens, OptionalDouble temperature, OptionalDouble topP, List<String> stop,
                          boolean stream) {
    public ChatRequest {
        Objects.requireNonNull(model, "model");
        messages = List.copyOf(messages);
        tools = List.copyOf(tools);
        Objects.requireNonNull(toolChoice, "toolChoice");
        Objects.requireNonNull(maxTokens, "maxTokens");
        Objects.requireNonNull(temperature, "temperature");
        Objects.requireNonNull(topP, "topP");
        stop = List.copyOf(stop);
    }

    /** The same request for another model name. */
    public ChatRequest withModel(String newModel) {
        return new ChatRequest(newModel, messages, tools, toolChoice, maxTokens, temperature, topP, stop, stream);
    }

    /** The same request with other messages (a system prompt applied, an assistant prefill added). */
    public ChatRequest withMessages(List<Message> newMessages) {
        return new ChatRequest(model, newMessages, tools, toolChoice, maxTokens, temperature, topP, stop, stream);
    }
}
