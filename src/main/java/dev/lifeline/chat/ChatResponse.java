package dev.lifeline.chat;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A complete (non-streamed) answer in no particular dialect.
 *
 * @param id           the provider's id for the answer (a generated one where the dialect has none)
 * @param model        the model that answered
 * @param text         the answer's text
 * @param reasoning    reasoning ("thinking") text the model produced before the answer, if any
 * @param toolCalls    the tools the model called
 * @param finishReason why the model stopped, in the neutral vocabulary of {@link FinishReason}
 * @param usage        token counts, when the provider reported them
 */
public record ChatResponse(String id, String model, String text, String reasoning, List<ToolCall> toolCalls,
                           String finishReason, Optional<StreamEvent.Usage> usage) {
    public ChatResponse {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(reasoning, "reasoning");
        toolCalls = List.copyOf(toolCalls);
        Objects.requireNonNull(finishReason, "finishReason");
        Objects.requireNonNull(usage, "usage");
    }
}
