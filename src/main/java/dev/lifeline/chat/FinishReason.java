package dev.lifeline.chat;

/**
 * The neutral vocabulary for why a model stopped, used by {@link StreamEvent.Finish} and {@link ChatResponse}. It is
 * OpenAI's, the widest used; each codec maps its dialect's words to and from it (Anthropic {@code end_turn} and
 * {@code stop_sequence} are {@link #STOP}, {@code max_tokens} is {@link #LENGTH}, {@code tool_use} is
 * {@link #TOOL_CALLS}; Ollama's {@code done_reason} is already {@code stop} or {@code length}). A reason no mapping
 * knows passes through as it came.
 */
public final class FinishReason {
    public static final String STOP = "stop";
    public static final String LENGTH = "length";
    public static final String TOOL_CALLS = "tool_calls";
    public static final String CONTENT_FILTER = "content_filter";

    private FinishReason() {
    }
}
