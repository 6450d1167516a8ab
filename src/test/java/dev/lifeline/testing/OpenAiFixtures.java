package dev.lifeline.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * OpenAI-shaped JSON bodies and SSE event strings for {@link Reply}. Deterministic: fixed ids and {@code created}
 * timestamp, so a whole stream shares one id like the real API. SSE helpers return one event without the trailing
 * blank line ({@link Reply#sse} adds it).
 */
public final class OpenAiFixtures {

    public static final String DONE = "data: [DONE]";
    public static final String COMPLETION_ID = "chatcmpl-lifeline-fake";
    public static final long CREATED = 1_700_000_000L;
    public static final int EMBEDDING_DIMENSIONS = 8;

    private static final ObjectMapper JSON = new ObjectMapper();

    private OpenAiFixtures() {}

    /** A complete non-streaming {@code chat.completion}; usage: 10 prompt tokens, one completion token per word. */
    public static String chatCompletion(String model, String content) {
        return chatCompletion(model, content, 10, Math.max(1, wordCount(content)));
    }

    public static String chatCompletion(String model, String content, int promptTokens, int completionTokens) {
        ObjectNode root = base(model, "chat.completion");
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        message.put("content", content);
        message.putNull("refusal");
        choice.putNull("logprobs");
        choice.put("finish_reason", "stop");
        usage(root, promptTokens, completionTokens);
        return write(root);
    }

    /** {@code data: {chat.completion.chunk}} with {@code delta.content} and {@code finish_reason: null}. */
    public static String chunk(String model, String contentDelta) {
        ObjectNode root = base(model, "chat.completion.chunk");
        ObjectNode choice = chunkChoice(root);
        choice.putObject("delta").put("content", contentDelta);
        choice.putNull("finish_reason");
        return data(root);
    }

    /** The first chunk of a stream: {@code delta: {"role":"assistant","content":""}}. */
    public static String roleChunk(String model) {
        ObjectNode root = base(model, "chat.completion.chunk");
        ObjectNode choice = chunkChoice(root);
        choice.putObject("delta").put("role", "assistant").put("content", "");
        choice.putNull("finish_reason");
        return data(root);
    }

    /** The closing chunk: empty delta and the given {@code finish_reason} (e.g. {@code "stop"}, {@code "length"}). */
    public static String finishChunk(String model, String reason) {
        ObjectNode root = base(model, "chat.completion.chunk");
        ObjectNode choice = chunkChoice(root);
        choice.putObject("delta");
        choice.put("finish_reason", reason);
        return data(root);
    }

    /** The usage chunk sent with {@code stream_options.include_usage}: {@code choices: []} plus usage. */
    public static String usageChunk(String model, int prompt, int completion) {
        ObjectNode root = base(model, "chat.completion.chunk");
        root.putArray("choices");
        usage(root, prompt, completion);
        return data(root);
    }

    /** An in-stream error event: {@code data: {"error":{"message":...,"type":...}}}. */
    public static String errorEvent(String message, String type) {
        ObjectNode root = JSON.createObjectNode();
        root.putObject("error").put("message", message).put("type", type);
        return data(root);
    }

    /** A whole stream: role chunk, one chunk per delta, finish chunk {@code "stop"}, {@link #DONE}. */
    public static String[] streamOf(String model, String... deltas) {
        List<String> events = new ArrayList<>(deltas.length + 3);
        events.add(roleChunk(model));
        for (String d : deltas) {
            events.add(chunk(model, d));
        }
        events.add(finishChunk(model, "stop"));
        events.add(DONE);
        return events.toArray(String[]::new);
    }

    /** OpenAI error body {@code {"error":{"message","type","param":null,"code"}}}; a null code is JSON null. */
    public static String errorBody(String message, String type, String code) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("message", message);
        error.put("type", type);
        error.putNull("param");
        error.put("code", code);
        return write(root);
    }

    /** An embeddings list response with {@code n} vectors (one per input) of {@link #EMBEDDING_DIMENSIONS} floats. */
    public static String embeddings(String model, int n) {
        ObjectNode root = JSON.createObjectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        for (int i = 0; i < n; i++) {
            ObjectNode item = data.addObject();
            item.put("object", "embedding");
            item.put("index", i);
            ArrayNode vector = item.putArray("embedding");
            for (int d = 0; d < EMBEDDING_DIMENSIONS; d++) {
                vector.add(((i + 1) * 31 + d * 7) % 100 / 100.0 - 0.5);
            }
        }
        root.put("model", model);
        root.putObject("usage").put("prompt_tokens", 2 * n).put("total_tokens", 2 * n);
        return write(root);
    }

    // ---------------------------------------------------------------- helpers

    private static ObjectNode base(String model, String object) {
        ObjectNode root = JSON.createObjectNode();
        root.put("id", COMPLETION_ID);
        root.put("object", object);
        root.put("created", CREATED);
        root.put("model", model);
        return root;
    }

    private static ObjectNode chunkChoice(ObjectNode root) {
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        choice.putNull("logprobs");
        return choice;
    }

    private static void usage(ObjectNode root, int prompt, int completion) {
        root.putObject("usage")
                .put("prompt_tokens", prompt)
                .put("completion_tokens", completion)
                .put("total_tokens", prompt + completion);
    }

    private static int wordCount(String s) {
        String t = s.strip();
        return t.isEmpty() ? 0 : t.split("\\s+").length;
    }

    private static String data(ObjectNode node) {
        return "data: " + write(node);
    }

    private static String write(ObjectNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
