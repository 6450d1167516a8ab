package dev.lifeline.codec.ollama;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.lifeline.chat.StreamEvent;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One streamed answer from an Ollama server ({@code /api/chat} or {@code /api/generate}), bytes in, meaning out. Stateful:
 * one per upstream stream, single-threaded.
 *
 * <p>Each NDJSON line ({@link NdjsonDecoder}) is one chunk:
 * <ul>
 *   <li>{@code message.thinking} (generate: {@code thinking}) is a {@link StreamEvent.ReasoningDelta},
 *       {@code message.content} (generate: {@code response}) a {@link StreamEvent.TextDelta};</li>
 *   <li>{@code message.tool_calls}: Ollama sends each call whole, in one chunk, so each is one
 *       {@link StreamEvent.ToolCallDelta} with the call's id (a generated one where Ollama gave none), its name and all
 *       of its arguments as JSON text. Indexes are counted here, 0, 1, ... over the stream, since Ollama's own
 *       {@code function.index} is missing in versions before 0.12;</li>
 *   <li>the {@code done: true} line ends the answer: {@link StreamEvent.Finish} (its {@code done_reason}: {@code stop}
 *       is {@code tool_calls} when the answer called tools; {@code load}, {@code unload} and none are {@code stop}),
 *       {@link StreamEvent.Usage} from {@code prompt_eval_count} and {@code eval_count} when it has either, and
 *       {@link StreamEvent.Done};</li>
 *   <li>{@code {"error":"..."}}, which Ollama sends in place of the rest of a stream that fails after it started, is
 *       {@link StreamEvent.Error} of type {@code error}.</li>
 * </ul>
 * A stream that ends without its {@code done} line was cut off.
 */
public final class OllamaStreamDecoder {
    /**
     * One line of the stream: its bytes as they came, without the line end (shared, not a copy: read only), to forward
     * to an Ollama client unchanged, and what it means.
     */
    public record Line(byte[] bytes, List<StreamEvent> events) {
        public Line {
            Objects.requireNonNull(bytes, "bytes");
            events = List.copyOf(events);
        }
    }

    private final NdjsonDecoder framing = new NdjsonDecoder();
    /** Tool calls seen so far: the index of the next one. */
    private int toolCalls;

    /** The lines completed by these bytes, each with its events: for a backend that forwards the bytes. */
    public List<Line> lines(byte[] bytes, int offset, int length) throws MalformedResponseException {
        List<byte[]> lines = framing.feed(bytes, offset, length);
        List<Line> out = new ArrayList<>(lines.size());
        for (byte[] line : lines) {
            out.add(new Line(line, decodeLine(line)));
        }
        return out;
    }

    /** The events of the lines completed by these bytes: for a caller that only needs the meaning. */
    public List<StreamEvent> feed(byte[] bytes, int offset, int length) throws MalformedResponseException {
        List<StreamEvent> events = new ArrayList<>(2);
        for (byte[] line : framing.feed(bytes, offset, length)) {
            events.addAll(decodeLine(line));
        }
        return events;
    }

    /** True if the stream ended in the middle of a line. */
    public boolean hasPartialLine() {
        return framing.hasPartialLine();
    }

    /**
     * What one line means, read with Jackson's streaming parser (this runs for every token of every streamed
     * answer, where a JSON tree per line would cost more than the rest of the work).
     */
    List<StreamEvent> decodeLine(byte[] line) throws MalformedResponseException {
        Chunk c = new Chunk();
        try (JsonParser p = Json.FACTORY.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new MalformedResponseException("a stream line is not a JSON object");
            }
            c.readTop(p);
            if (p.nextToken() != null) {
                throw new MalformedResponseException("a stream line holds more than one JSON value");
            }
        } catch (IOException e) {
            throw new MalformedResponseException("a stream line is not valid JSON");
        }
        if (c.error != null) {
            return List.of(new StreamEvent.Error("error", c.error));
        }
        List<StreamEvent> events = new ArrayList<>(2);
        if (c.thinking != null && !c.thinking.isEmpty()) {
            events.add(new StreamEvent.ReasoningDelta(c.thinking));
        }
        if (c.content != null && !c.content.isEmpty()) {
            events.add(new StreamEvent.TextDelta(c.content));
        }
        for (JsonNode node : c.toolCalls) {
            var call = OllamaCodec.toolCall(node);
            events.add(new StreamEvent.ToolCallDelta(toolCalls++, call.id(), call.name(), call.argumentsJson()));
        }
        if (c.done) {
            events.add(new StreamEvent.Finish(DoneReason.toNeutral(c.doneReason, toolCalls > 0)));
            if (c.promptEvalCount >= 0 || c.evalCount >= 0) {
                events.add(new StreamEvent.Usage(Math.max(c.promptEvalCount, 0), Math.max(c.evalCount, 0)));
            }
            events.add(new StreamEvent.Done());
        }
        return events;
    }

    /** The fields of one line that mean something; the last of repeated fields counts, as in a tree. */
    private static final class Chunk {
        String content;
        String thinking;
        List<JsonNode> toolCalls = List.of();
        boolean done;
        String doneReason;
        long promptEvalCount = -1;
        long evalCount = -1;
        String error;

        void readTop(JsonParser p) throws IOException {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "message" -> {
                        if (value == JsonToken.START_OBJECT) {
                            readMessage(p);
                        } else {
                            p.skipChildren();
                        }
                    }
                    case "response" -> content = text(p, value);
                    case "thinking" -> thinking = text(p, value);
                    case "done" -> done = value == JsonToken.VALUE_TRUE;
                    case "done_reason" -> doneReason = text(p, value);
                    case "prompt_eval_count" -> promptEvalCount = count(p, value);
                    case "eval_count" -> evalCount = count(p, value);
                    case "error" -> error = switch (value) {
                        case VALUE_NULL -> null;
                        case VALUE_STRING -> p.getText();
                        default -> {
                            JsonNode e = Json.MAPPER.readTree(p); // rare: a tree keeps it simple
                            yield e.path("message").asText(e.toString());
                        }
                    };
                    default -> p.skipChildren();
                }
            }
        }

        private void readMessage(JsonParser p) throws IOException {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "content" -> content = text(p, value);
                    case "thinking" -> thinking = text(p, value);
                    case "tool_calls" -> {
                        toolCalls = new ArrayList<>(1);
                        if (value == JsonToken.START_ARRAY) {
                            while (p.nextToken() != JsonToken.END_ARRAY) {
                                toolCalls.add(Json.MAPPER.readTree(p)); // once per call: a tree is fine here
                            }
                        } else {
                            p.skipChildren();
                        }
                    }
                    default -> p.skipChildren();
                }
            }
        }

        private static String text(JsonParser p, JsonToken value) throws IOException {
            if (value == JsonToken.VALUE_STRING) {
                return p.getText();
            }
            p.skipChildren();
            return null;
        }

        private static long count(JsonParser p, JsonToken value) throws IOException {
            if (value == JsonToken.VALUE_NUMBER_INT) {
                return Math.max(p.getLongValue(), 0);
            }
            p.skipChildren();
            return -1;
        }
    }
}
