package dev.lifeline.chat;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One message of a conversation.
 *
 * @param role       who speaks
 * @param parts      the content: text and images, in order (may be empty, e.g. an assistant turn that only calls tools)
 * @param toolCalls  for {@link Role#ASSISTANT}: the tools the model called in this turn
 * @param toolCallId for {@link Role#TOOL}: the call this message answers (empty where a dialect does not track it)
 * @param toolName   for {@link Role#TOOL}: the tool's name, when known (Ollama matches results by name)
 */
public record Message(Role role, List<Part> parts, List<ToolCall> toolCalls, Optional<String> toolCallId,
                      Optional<String> toolName) {
    public Message {
        Objects.requireNonNull(role, "role");
        parts = List.copyOf(parts);
        toolCalls = List.copyOf(toolCalls);
        Objects.requireNonNull(toolCallId, "toolCallId");
        Objects.requireNonNull(toolName, "toolName");
    }

    /** A plain text message. */
    public static Message text(Role role, String text) {
        return new Message(role, List.of(new Part.Text(text)), List.of(), Optional.empty(), Optional.empty());
    }

    /** The message's text parts joined, images left out. */
    public String text() {
        StringBuilder b = new StringBuilder();
        for (Part p : parts) {
            if (p instanceof Part.Text t) {
                b.append(t.text());
            }
        }
        return b.toString();
    }
}
