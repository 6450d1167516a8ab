package dev.lifeline.codec.ollama;

import dev.lifeline.chat.FinishReason;

/**
 * Ollama's {@code done_reason} and the neutral {@link FinishReason}. Ollama says {@code stop} and {@code length} for
 * generated answers, {@code load} and {@code unload} for requests that only (un)loaded a model, and nothing at all in
 * versions before 0.2; it never says {@code tool_calls}: an answer that called tools stops with {@code stop}.
 */
final class DoneReason {
    private DoneReason() {
    }

    /**
     * The neutral reason for an Ollama answer. No reason, {@code load} and {@code unload} are {@code stop}: the
     * answer (possibly empty) is complete and nothing failed. {@code stop} after tool calls is {@code tool_calls}, as
     * every other dialect says it. Any other word passes through.
     */
    static String toNeutral(String doneReason, boolean calledTools) {
        if (doneReason == null || doneReason.isEmpty() || doneReason.equals("stop") || doneReason.equals("load")
                || doneReason.equals("unload")) {
            return calledTools ? FinishReason.TOOL_CALLS : FinishReason.STOP;
        }
        return doneReason; // "length", and words a later Ollama may add
    }

    /** Ollama's word for a neutral reason: {@code tool_calls} is {@code stop}; others pass through. */
    static String toOllama(String finishReason) {
        return finishReason.equals(FinishReason.TOOL_CALLS) ? "stop" : finishReason;
    }
}
