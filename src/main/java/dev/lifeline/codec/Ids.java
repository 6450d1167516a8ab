package dev.lifeline.codec;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Ids the gateway makes for answers and tool calls a dialect needs but the source did not give (Ollama's answers have
 * none; a translated answer needs one in the client's form). Random rather than counted, so that calls from different
 * turns of one conversation never share an id: a client sends them all back, and Anthropic refuses a conversation
 * with two {@code tool_use} blocks of one id.
 */
public final class Ids {
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private Ids() {
    }

    /** A tool call id in OpenAI's and Ollama's form: {@code call_} and 16 letters and digits. */
    public static String toolCall() {
        return "call_" + random(16);
    }

    /** An OpenAI chat completion id. */
    public static String chatCompletion() {
        return "chatcmpl-" + random(24);
    }

    /** An Anthropic message id. */
    public static String anthropicMessage() {
        return "msg_" + random(24);
    }

    /** An id for an Ollama answer, which Ollama's answers do not have. */
    public static String ollamaResponse() {
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
