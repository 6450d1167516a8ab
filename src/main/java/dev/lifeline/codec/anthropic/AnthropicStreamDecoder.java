package dev.lifeline.codec.anthropic;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.lifeline.chat.StreamEvent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What each event of a Claude stream means, as neutral {@link StreamEvent}s. Stateful: one per upstream stream, fed
 * every event in order (the SSE framing is {@link dev.lifeline.codec.SseDecoder}'s).
 *
 * <ul>
 *   <li>{@code message_start}: nothing yet; its input token count is kept for the usage at the end.</li>
 *   <li>{@code content_block_start}: a tool_use block starts a {@link StreamEvent.ToolCallDelta} with the call's id
 *       and name; its index is the call's place among this message's calls (0, 1...), not the block's.</li>
 *   <li>{@code content_block_delta}: {@code text_delta} is text, {@code thinking_delta} reasoning,
 *       {@code input_json_delta} the next piece of its call's arguments; {@code signature_delta} and
 *       {@code citations_delta} carry nothing the neutral model holds.</li>
 *   <li>{@code message_delta}: the stop reason as {@link StreamEvent.Finish}, then the usage.</li>
 *   <li>{@code message_stop} is {@link StreamEvent.Done}, {@code error} an {@link StreamEvent.Error};
 *       {@code content_block_stop}, {@code ping} and event types Anthropic may add later mean nothing.</li>
 * </ul>
 * Blocks of server tools (which a translated request cannot ask for) and redacted thinking are passed over.
 */
public final class AnthropicStreamDecoder {
    private static final List<StreamEvent> NOTHING = List.of();
    private static final List<StreamEvent> DONE = List.of(new StreamEvent.Done());

    private static final int NOT_A_CALL = -1;

    /** For each content block started: the place of its call among this message's calls, or {@link #NOT_A_CALL}. */
    private final Map<Integer, Integer> callByBlock = new HashMap<>();
    private int calls;
    private long promptTokens;

    /**
     * The events one SSE event of a Claude stream carries (often none).
     *
     * @param eventName the SSE {@code event:} name; when empty, the data's {@code type} stands in for it
     * @param data      the SSE {@code data:} payload
     * @throws MalformedResponseException when the data is not what that event carries, or refers to a block the
     *                                    stream never started
     */
    public List<StreamEvent> decode(String eventName, String data) throws MalformedResponseException {
        if (eventName.isEmpty()) {
            JsonNode n = parse(data);
            return decode(n.path("type").asText(""), n);
        }
        return switch (eventName) {
            case "message_start", "content_block_start", "content_block_delta", "message_delta", "error" ->
                    decode(eventName, parse(data));
            case "message_stop" -> DONE;
            default -> NOTHING; // ping, content_block_stop, and event types Anthropic may add: not even parsed
        };
    }

    /**
     * As {@link #decode(String, String)}, from the data's UTF-8 bytes: the per-token events ({@code content_block_delta}
     * with a text, thinking or JSON piece) are read with Jackson's streaming parser, without a tree or a String of
     * the data; any other event, or a delta of an unusual shape, goes the general way. Both give the same events.
     */
    public List<StreamEvent> decode(String eventName, byte[] data) throws MalformedResponseException {
        if (eventName.equals("content_block_delta")) {
            Delta d = Delta.read(data);
            if (d != null) {
                return blockDelta(d.index, d.type, d.text);
            }
        }
        return decode(eventName, new String(data, StandardCharsets.UTF_8));
    }

    /** The fields of a usual {@code content_block_delta}, or null for anything else. */
    private record Delta(int index, String type, String text) {
        static Delta read(byte[] data) {
            Integer index = null;
            String type = "";
            String text = "";
            String thinking = "";
            String partialJson = "";
            try (JsonParser p = AnthropicCodec.JSON.createParser(data)) {
                if (p.nextToken() != JsonToken.START_OBJECT) {
                    return null;
                }
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    JsonToken value = p.nextToken();
                    if (field.equals("index")) {
                        if (value != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT) {
                            return null;
                        }
                        index = p.getIntValue();
                    } else if (field.equals("delta")) {
                        if (value != JsonToken.START_OBJECT) {
                            return null;
                        }
                        type = "";
                        text = "";
                        thinking = "";
                        partialJson = "";
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String name = p.currentName();
                            JsonToken v = p.nextToken();
                            boolean wanted = name.equals("type") || name.equals("text") || name.equals("thinking")
                                    || name.equals("partial_json");
                            if (wanted && v != JsonToken.VALUE_STRING) {
                                return null; // the general way words it, or refuses it
                            }
                            switch (name) {
                                case "type" -> type = p.getText();
                                case "text" -> text = p.getText();
                                case "thinking" -> thinking = p.getText();
                                case "partial_json" -> partialJson = p.getText();
                                default -> p.skipChildren();
                            }
                        }
                    } else {
                        p.skipChildren();
                    }
                }
                if (p.nextToken() != null || index == null) {
                    return null; // trailing text is an error the general way reports; no index is malformed
                }
                return new Delta(index, type, switch (type) {
                    case "text_delta" -> text;
                    case "thinking_delta" -> thinking;
                    default -> partialJson;
                });
            } catch (IOException e) {
                return null;
            }
        }
    }

    private List<StreamEvent> decode(String type, JsonNode n) throws MalformedResponseException {
        return switch (type) {
            case "message_start" -> {
                promptTokens = AnthropicCodec.promptTokens(n.path("message").path("usage"));
                yield NOTHING;
            }
            case "content_block_start" -> blockStart(n);
            case "content_block_delta" -> blockDelta(n);
            case "message_delta" -> messageDelta(n);
            case "message_stop" -> DONE;
            case "error" -> List.of(error(n));
            default -> NOTHING;
        };
    }

    private List<StreamEvent> blockStart(JsonNode n) throws MalformedResponseException {
        int index = index(n);
        JsonNode block = n.path("content_block");
        String type = block.path("type").asText("");
        if (type.equals("tool_use")) {
            int call = calls++;
            callByBlock.put(index, call);
            // the block's "input" is {} here: the arguments follow as input_json_delta pieces
            return List.of(new StreamEvent.ToolCallDelta(call, block.path("id").asText(""), block.path("name").asText(""), ""));
        }
        callByBlock.put(index, NOT_A_CALL);
        // text and thinking blocks start empty and fill through deltas; text that comes early is taken all the same
        return switch (type) {
            case "text" -> text(block.path("text").asText(""));
            case "thinking" -> reasoning(block.path("thinking").asText(""));
            default -> NOTHING;
        };
    }

    private List<StreamEvent> blockDelta(JsonNode n) throws MalformedResponseException {
        JsonNode delta = n.path("delta");
        String type = delta.path("type").asText("");
        String field = switch (type) {
            case "text_delta" -> "text";
            case "thinking_delta" -> "thinking";
            default -> "partial_json";
        };
        return blockDelta(index(n), type, delta.path(field).asText(""));
    }

    private List<StreamEvent> blockDelta(int index, String type, String piece) throws MalformedResponseException {
        Integer call = callByBlock.get(index);
        if (call == null) {
            throw new MalformedResponseException("a content_block_delta for block " + index + ", which was never started");
        }
        return switch (type) {
            case "text_delta" -> text(piece);
            case "thinking_delta" -> reasoning(piece);
            case "input_json_delta" -> {
                String json = piece;
                // a server tool's input streams the same way, but it is no call of the client's
                yield call == NOT_A_CALL || json.isEmpty() ? NOTHING : List.of(new StreamEvent.ToolCallDelta(call, "", "", json));
            }
            default -> NOTHING; // signature_delta, citations_delta
        };
    }

    private static List<StreamEvent> text(String text) {
        return text.isEmpty() ? NOTHING : List.of(new StreamEvent.TextDelta(text));
    }

    private static List<StreamEvent> reasoning(String text) {
        return text.isEmpty() ? NOTHING : List.of(new StreamEvent.ReasoningDelta(text));
    }

    private List<StreamEvent> messageDelta(JsonNode n) {
        List<StreamEvent> events = new ArrayList<>(2);
        JsonNode stop = n.path("delta").path("stop_reason");
        if (stop.isTextual()) {
            events.add(new StreamEvent.Finish(AnthropicCodec.finishReason(stop.asText())));
        }
        // the counts are cumulative; input tokens only appear here in newer API versions
        AnthropicCodec.usage(n.get("usage"), promptTokens).ifPresent(events::add);
        return events;
    }

    private static StreamEvent.Error error(JsonNode n) {
        JsonNode error = n.path("error");
        return new StreamEvent.Error(error.path("type").asText("error"), error.path("message").asText(""));
    }

    private static int index(JsonNode n) throws MalformedResponseException {
        JsonNode index = n.get("index");
        if (index == null || !index.isIntegralNumber() || !index.canConvertToInt()) {
            throw new MalformedResponseException("a content block event without an index");
        }
        return index.asInt();
    }

    private static JsonNode parse(String data) throws MalformedResponseException {
        JsonNode n;
        try {
            n = AnthropicCodec.JSON.readTree(data);
        } catch (IOException e) {
            throw new MalformedResponseException("a stream event is not valid JSON");
        }
        if (n == null || !n.isObject()) {
            throw new MalformedResponseException("a stream event is not a JSON object");
        }
        return n;
    }
}
