package dev.lifeline.codec.openai;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeline.chat.StreamEvent;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The fast path for one chunk of an OpenAI chat stream: Jackson's streaming parser straight over the bytes, no tree.
 * A stream carries one chunk per token, so this runs for every token of every streamed answer; building a
 * {@code JsonNode} tree per chunk cost more than everything else the gateway does with it.
 *
 * <p>It reads the shape every server sends ({@code choices} an array of objects with a {@code delta} object, an
 * optional {@code usage} object, no {@code error}) and gives up with {@link Optional#empty()} on anything else, for
 * the tree-based reader to decide: an in-band error, a malformed chunk, a {@code choices} that is not an array. Both
 * readers give the same events for the same chunk, including for repeated keys (the last one counts);
 * {@code ChunkReaderTest} checks that over many generated chunks.
 */
final class ChunkReader {
    private ChunkReader() {
    }

    /**
     * The chunk's events, or empty when this reader does not handle the chunk's shape.
     *
     * @throws IOException when the bytes are not JSON
     */
    static Optional<List<StreamEvent>> read(ObjectMapper json, byte[] data, int offset, int length) throws IOException {
        try (JsonParser p = json.createParser(data, offset, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return Optional.empty();
            }
            List<StreamEvent> events = List.of();
            StreamEvent.Usage usage = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "error" -> {
                        if (value != JsonToken.VALUE_NULL) {
                            return Optional.empty(); // in-band error: rare, and the tree reader words it
                        }
                    }
                    case "choices" -> {
                        if (value != JsonToken.START_ARRAY) {
                            return Optional.empty();
                        }
                        events = choices(json, p);
                    }
                    case "usage" -> {
                        usage = null;
                        if (value == JsonToken.START_OBJECT) {
                            JsonNode u = json.readTree(p); // once per stream: a tree is fine here
                            usage = new StreamEvent.Usage(u.path("prompt_tokens").asLong(0), u.path("completion_tokens").asLong(0));
                        } else {
                            p.skipChildren();
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            if (usage != null) {
                events = new ArrayList<>(events);
                events.add(usage);
            }
            return Optional.of(events);
        }
    }

    /** The events of every choice, in order; the parser is on the array's start. */
    private static List<StreamEvent> choices(ObjectMapper json, JsonParser p) throws IOException {
        List<StreamEvent> events = new ArrayList<>(2);
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (p.currentToken() != JsonToken.START_OBJECT) {
                p.skipChildren(); // not a choice object: it has no delta and no finish reason
                continue;
            }
            Delta delta = new Delta();
            String finish = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "delta" -> delta = value == JsonToken.START_OBJECT ? Delta.read(json, p) : skip(p, new Delta());
                    case "finish_reason" -> finish = value == JsonToken.VALUE_STRING ? p.getText() : skip(p, null);
                    default -> p.skipChildren();
                }
            }
            delta.addTo(events);
            if (finish != null) {
                events.add(new StreamEvent.Finish(finish));
            }
        }
        return events;
    }

    private static <T> T skip(JsonParser p, T result) throws IOException {
        p.skipChildren();
        return result;
    }

    /** The fields of one {@code delta} object that mean something to the gateway. */
    private static final class Delta {
        String reasoningContent;
        String reasoning;
        String content;
        String refusal;
        List<StreamEvent> toolCalls = List.of();

        static Delta read(ObjectMapper json, JsonParser p) throws IOException {
            Delta d = new Delta();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "content" -> d.content = text(p, value);
                    case "reasoning_content" -> d.reasoningContent = text(p, value);
                    case "reasoning" -> d.reasoning = text(p, value);
                    case "refusal" -> d.refusal = text(p, value);
                    case "tool_calls" -> {
                        d.toolCalls = List.of();
                        if (value == JsonToken.START_ARRAY) {
                            List<StreamEvent> calls = new ArrayList<>(1);
                            while (p.nextToken() != JsonToken.END_ARRAY) {
                                JsonNode call = json.readTree(p); // rare next to text: a tree keeps it simple
                                calls.add(OpenAiCodec.toolCallDelta(call));
                            }
                            d.toolCalls = calls;
                        } else {
                            p.skipChildren();
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            return d;
        }

        /** In the order the tree reader gives them: reasoning, text, refusal, tool calls. */
        void addTo(List<StreamEvent> events) {
            String thinking = reasoningContent != null ? reasoningContent : reasoning;
            if (thinking != null && !thinking.isEmpty()) {
                events.add(new StreamEvent.ReasoningDelta(thinking));
            }
            if (content != null && !content.isEmpty()) {
                events.add(new StreamEvent.TextDelta(content));
            }
            if (refusal != null && !refusal.isEmpty()) {
                events.add(new StreamEvent.TextDelta(refusal));
            }
            events.addAll(toolCalls);
        }

        private static String text(JsonParser p, JsonToken value) throws IOException {
            if (value == JsonToken.VALUE_STRING) {
                return p.getText();
            }
            p.skipChildren();
            return null;
        }
    }
}
