package dev.lifeline.chat;

/**
 * What one chunk of a streamed answer means, whatever the wire dialect. A chunk may carry several events
 * (a last text delta together with its finish reason); a chunk that carries none (a role announcement, a keep-alive)
 * is framing only.
 */
public sealed interface StreamEvent {

    /** Answer text. */
    record TextDelta(String text) implements StreamEvent {
    }

    /** Reasoning ("thinking") text some models stream before the answer; output, but not part of the answer text. */
    record ReasoningDelta(String text) implements StreamEvent {
    }

    /**
     * Part of a tool call: the model is calling a function, so the answer cannot be continued as plain text. The first
     * delta of a call usually carries its id and name, later ones pieces of the arguments' JSON text; each field is
     * empty when this delta does not carry it.
     *
     * @param index          which call of the answer this belongs to (0, 1, ...)
     * @param id             the call's id
     * @param name           the function's name
     * @param argumentsDelta the next piece of the arguments' JSON text
     */
    record ToolCallDelta(int index, String id, String name, String argumentsDelta) implements StreamEvent {
        public ToolCallDelta {
            java.util.Objects.requireNonNull(id, "id");
            java.util.Objects.requireNonNull(name, "name");
            java.util.Objects.requireNonNull(argumentsDelta, "argumentsDelta");
        }
    }

    /** The model finished; {@code reason} is in the neutral vocabulary of {@link FinishReason} ({@code stop}, {@code length}...). */
    record Finish(String reason) implements StreamEvent {
    }

    /** Token counts reported by the upstream. */
    record Usage(long promptTokens, long completionTokens) implements StreamEvent {
    }

    /** An error sent inside a stream that had already started with a success status. */
    record Error(String type, String message) implements StreamEvent {
    }

    /** The dialect's explicit end of stream (OpenAI's {@code [DONE]}). */
    record Done() implements StreamEvent {
    }

    /** True for events that are part of the answer itself: the first one commits the response to the client. */
    static boolean isContent(StreamEvent e) {
        return e instanceof TextDelta || e instanceof ReasoningDelta || e instanceof ToolCallDelta || e instanceof Finish;
    }
}
