package dev.lifeline.codec.ollama;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Ids for answers and tool calls, which Ollama does not always give (tool call ids only since 0.12). They are random
 * rather than counted, so that calls from different turns of one conversation never share an id: a client of another
 * dialect sends them all back, and Anthropic refuses a conversation with two {@code tool_use} blocks of one id.
 */
final class Ids {
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private Ids() {
    }

    /** A tool call id in Ollama's own form, with more randomness: {@code call_} and 16 letters and digits. */
    static String toolCall() {
        return "call_" + random(16);
    }

    /** An id for an answer, which Ollama's answers do not have. */
    static String response() {
        return "ollama-" + random(24);
    }

    private static String random(int n) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        char[] out = new char[n];
        for (int i = 0; i < n; i++) {
            out[i] = ALPHABET[r.nextInt(ALPHABET.length)];
        }
        return new String(out);
    }
}
