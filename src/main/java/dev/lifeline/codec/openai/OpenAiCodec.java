package dev.lifeline.codec.openai;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lifeline.chat.StreamEvent;
import dev.lifeline.codec.BadRequestException;
import dev.lifeline.config.TargetConfig.SystemPromptMode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * The OpenAI wire dialect (chat completions, embeddings), as pure functions over bytes. Requests are passed
 * through with the smallest possible edit; only a per-target system prompt or a continuation needs a re-encode.
 */
public final class OpenAiCodec {
    public static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
            .build();
    private static final ObjectMapper JSON = JsonMapper.builder(FACTORY)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .build();

    private static final Pattern MODEL_NAME = Pattern.compile("[\\x21-\\x7e]+");
    private static final Pattern ERROR_CODE = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");

    private OpenAiCodec() {
    }

    /** A client request, parsed once: the raw bytes stay the source of truth for pass-through. */
    public record Request(byte[] raw, ObjectNode json, String model, boolean stream) {
    }

    public static Request parseRequest(byte[] body) throws BadRequestException {
        JsonNode node;
        try {
            node = JSON.readTree(body);
        } catch (IOException e) {
            throw new BadRequestException("the request body is not valid JSON", Optional.empty());
        }
        if (node == null || !node.isObject()) {
            throw new BadRequestException("the request body must be a JSON object", Optional.empty());
        }
        ObjectNode json = (ObjectNode) node;
        JsonNode model = json.get("model");
        if (model == null || model.isNull()) {
            throw new BadRequestException("you must provide a model parameter", Optional.of("model"));
        }
        if (!model.isTextual() || model.asText().isBlank()) {
            throw new BadRequestException("model must be a non-empty string", Optional.of("model"));
        }
        if (model.asText().length() > 256 || !MODEL_NAME.matcher(model.asText()).matches()) {
            throw new BadRequestException("model must be at most 256 printable characters without spaces", Optional.of("model"));
        }
        JsonNode stream = json.get("stream");
        if (stream != null && !stream.isNull() && !stream.isBoolean()) {
            throw new BadRequestException("stream must be true or false", Optional.of("stream"));
        }
        return new Request(body, json, model.asText(), stream != null && stream.asBoolean());
    }

    /**
     * Caps the answer's length: {@code max_tokens} and {@code max_completion_tokens} above {@code limit} (or zero or
     * negative) become {@code limit}, so that no request keeps a model generating until its context is full. A request
     * that names neither is capped per target ({@link #forTarget}: local targets only, since OpenAI's reasoning models
     * refuse {@code max_tokens}). Returns the request unchanged when it already asks for no more.
     */
    public static Request clampMaxTokens(Request req, int limit) {
        ObjectNode json = req.json();
        boolean changed = false;
        ObjectNode copy = json.deepCopy();
        for (String field : new String[] {"max_tokens", "max_completion_tokens"}) {
            JsonNode v = json.get(field);
            if (v == null || v.isNull()) {
                continue;
            }
            if (!v.isIntegralNumber() || v.asLong() <= 0 || v.asLong() > limit) {
                copy.put(field, limit);
                changed = true;
            }
        }
        if (!changed) {
            return req;
        }
        try {
            return new Request(JSON.writeValueAsBytes(copy), copy, req.model(), req.stream());
        } catch (IOException e) {
            throw new IllegalStateException("re-encoding a parsed request cannot fail", e);
        }
    }

    /**
     * The body for one target: the client's bytes with only the model name changed, unless the target adds a system
     * prompt or continues an interrupted answer ({@code prefill}), which needs the messages edited.
     */
    public static byte[] forTarget(Request req, String model, Optional<String> systemPrompt, SystemPromptMode mode,
                                   Optional<String> prefill) {
        return forTarget(req, model, new Edits(systemPrompt, mode, prefill, OptionalInt.empty(), false));
    }

    /**
     * What a target's body may need besides the model name.
     *
     * @param defaultMaxTokens set as {@code max_tokens} when the request names no length limit
     * @param askForUsage      ask a stream for its token usage ({@code stream_options.include_usage}), for token limits
     */
    public record Edits(Optional<String> systemPrompt, SystemPromptMode mode, Optional<String> prefill,
                        OptionalInt defaultMaxTokens, boolean askForUsage) {
    }

    /** Whether the client itself asked a stream for its usage chunk. */
    public static boolean asksForUsage(Request req) {
        return req.json().path("stream_options").path("include_usage").asBoolean(false);
    }

    public static byte[] forTarget(Request req, String model, Edits edits) {
        Optional<String> systemPrompt = edits.systemPrompt();
        Optional<String> prefill = edits.prefill();
        SystemPromptMode mode = edits.mode();
        boolean addLimit = edits.defaultMaxTokens().isPresent() && isMissing(req.json(), "max_tokens")
                && isMissing(req.json(), "max_completion_tokens");
        boolean addUsage = edits.askForUsage() && req.stream() && !asksForUsage(req);
        if (systemPrompt.isEmpty() && prefill.isEmpty() && !addLimit && !addUsage) {
            return model.equals(req.model()) ? req.raw() : replaceModel(req, model);
        }
        ObjectNode copy = req.json().deepCopy();
        copy.put("model", model);
        if (addLimit) {
            copy.put("max_tokens", edits.defaultMaxTokens().getAsInt());
        }
        if (addUsage) {
            JsonNode options = copy.get("stream_options");
            ObjectNode o = options instanceof ObjectNode on ? on : copy.putObject("stream_options");
            o.put("include_usage", true);
        }
        JsonNode messages = copy.get("messages");
        ArrayNode list = messages instanceof ArrayNode a ? a : copy.putArray("messages");
        systemPrompt.ifPresent(p -> {
            if (mode == SystemPromptMode.REPLACE) {
                for (int i = list.size() - 1; i >= 0; i--) {
                    String role = list.get(i).path("role").asText();
                    if (role.equals("system") || role.equals("developer")) {
                        list.remove(i);
                    }
                }
            }
            list.insert(0, JSON.createObjectNode().put("role", "system").put("content", p));
        });
        prefill.ifPresent(text -> list.add(JSON.createObjectNode().put("role", "assistant").put("content", text)));
        try {
            return JSON.writeValueAsBytes(copy);
        } catch (IOException e) {
            throw new IllegalStateException("re-encoding a parsed request cannot fail", e);
        }
    }

    /** Replaces the top-level {@code "model"} string in place, leaving every other byte as the client sent it. */
    static byte[] replaceModel(Request req, String model) {
        byte[] raw = req.raw();
        int[] span = topLevelModelSpan(raw);
        if (span == null) {
            ObjectNode copy = req.json().deepCopy();
            copy.put("model", model);
            try {
                return JSON.writeValueAsBytes(copy);
            } catch (IOException e) {
                throw new IllegalStateException("re-encoding a parsed request cannot fail", e);
            }
        }
        byte[] quoted = quote(model);
        byte[] out = new byte[raw.length - (span[1] - span[0]) + quoted.length];
        System.arraycopy(raw, 0, out, 0, span[0]);
        System.arraycopy(quoted, 0, out, span[0], quoted.length);
        System.arraycopy(raw, span[1], out, span[0] + quoted.length, raw.length - span[1]);
        return out;
    }

    /**
     * Where the top-level {@code "model"} string value sits in {@code raw}, quotes included; null when there is none
     * or more than one (a repeated key is re-encoded, so that no second model name slips through to the upstream).
     */
    private static int[] topLevelModelSpan(byte[] raw) {
        int[] found = null;
        try (JsonParser p = FACTORY.createParser(raw)) {
            int depth = 0;
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                    depth++;
                } else if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
                    depth--;
                } else if (t == JsonToken.FIELD_NAME && depth == 1 && "model".equals(p.currentName())) {
                    if (found != null || p.nextToken() != JsonToken.VALUE_STRING) {
                        return null;
                    }
                    int start = (int) p.currentTokenLocation().getByteOffset();
                    int end = start >= 0 && raw[start] == '"' ? closingQuote(raw, start) : -1;
                    if (end <= start) {
                        return null;
                    }
                    found = new int[] {start, end};
                }
            }
        } catch (IOException e) {
            return null;
        }
        return found;
    }

    /** The end (exclusive) of the JSON string starting at {@code start}: one past its closing quote. */
    private static int closingQuote(byte[] raw, int start) {
        for (int i = start + 1; i < raw.length; i++) {
            if (raw[i] == '\\') {
                i++;
            } else if (raw[i] == '"') {
                return i + 1;
            }
        }
        return -1;
    }

    private static byte[] quote(String s) {
        byte[] inner = JsonStringEncoder.getInstance().quoteAsUTF8(s);
        byte[] out = new byte[inner.length + 2];
        out[0] = '"';
        System.arraycopy(inner, 0, out, 1, inner.length);
        out[out.length - 1] = '"';
        return out;
    }

    // ------------------------------------------------------------------ responses

    /** Thrown for a chunk that is not an OpenAI stream chunk. */
    public static final class MalformedChunkException extends Exception {
        public MalformedChunkException(String message) {
            super(message, null, false, false);
        }
    }

    private static final byte[] DONE_DATA = "[DONE]".getBytes(StandardCharsets.US_ASCII);
    private static final List<StreamEvent> DONE_EVENTS = List.of(new StreamEvent.Done());

    /** What one {@code data:} payload of a chat stream means. */
    public static List<StreamEvent> decodeChunk(String data) throws MalformedChunkException {
        byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
        return decodeChunk(bytes, 0, bytes.length);
    }

    /** What one {@code data:} payload of a chat stream means, read straight from the bytes (the per-token path). */
    public static List<StreamEvent> decodeChunk(byte[] data, int offset, int length) throws MalformedChunkException {
        if (Arrays.equals(data, offset, offset + length, DONE_DATA, 0, DONE_DATA.length)) {
            return DONE_EVENTS;
        }
        try {
            Optional<List<StreamEvent>> fast = ChunkReader.read(JSON, data, offset, length);
            if (fast.isPresent()) {
                return fast.get();
            }
        } catch (IOException e) {
            throw new MalformedChunkException("a stream chunk is not valid JSON");
        }
        return decodeChunkTree(new String(data, offset, length, StandardCharsets.UTF_8));
    }

    /** The general reader: any chunk, through a JSON tree. {@link ChunkReader} handles the usual shapes faster. */
    static List<StreamEvent> decodeChunkTree(String data) throws MalformedChunkException {
        if (data.equals("[DONE]")) {
            return DONE_EVENTS;
        }
        JsonNode n;
        try {
            n = JSON.readTree(data);
        } catch (IOException e) {
            throw new MalformedChunkException("a stream chunk is not valid JSON");
        }
        if (n == null || !n.isObject()) {
            throw new MalformedChunkException("a stream chunk is not a JSON object");
        }
        List<StreamEvent> events = new ArrayList<>(2);
        JsonNode error = n.get("error");
        if (error != null && !error.isNull()) {
            events.add(errorEvent(error));
            return events;
        }
        for (JsonNode choice : n.path("choices")) {
            JsonNode delta = choice.path("delta");
            String reasoning = text(delta, "reasoning_content").or(() -> text(delta, "reasoning")).orElse("");
            if (!reasoning.isEmpty()) {
                events.add(new StreamEvent.ReasoningDelta(reasoning));
            }
            String content = text(delta, "content").orElse("");
            if (!content.isEmpty()) {
                events.add(new StreamEvent.TextDelta(content));
            }
            String refusal = text(delta, "refusal").orElse("");
            if (!refusal.isEmpty()) {
                events.add(new StreamEvent.TextDelta(refusal));
            }
            JsonNode calls = delta.get("tool_calls");
            if (calls != null && calls.isArray()) {
                for (JsonNode call : calls) {
                    events.add(toolCallDelta(call));
                }
            }
            JsonNode finish = choice.get("finish_reason");
            if (finish != null && finish.isTextual()) {
                events.add(new StreamEvent.Finish(finish.asText()));
            }
        }
        usage(n).ifPresent(events::add);
        return events;
    }

    /** One element of a chunk's {@code delta.tool_calls}; any field the element lacks is empty. */
    static StreamEvent.ToolCallDelta toolCallDelta(JsonNode call) {
        JsonNode function = call.path("function");
        return new StreamEvent.ToolCallDelta(call.path("index").asInt(0), text(call, "id").orElse(""),
                text(function, "name").orElse(""), text(function, "arguments").orElse(""));
    }

    /** What the gateway needs from a non-streamed success body: an error object inside a 200 is a failure too. */
    public record Body(Optional<StreamEvent.Error> error, Optional<StreamEvent.Usage> usage) {
    }

    /**
     * Reads a non-streamed success body in one streaming pass: its {@code error} and {@code usage}, skipping the
     * answer itself (which is forwarded as the bytes that came).
     */
    public static Body readBody(byte[] body) throws MalformedChunkException {
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new MalformedChunkException("the response body is not a JSON object");
            }
            Optional<StreamEvent.Error> error = Optional.empty();
            Optional<StreamEvent.Usage> usage = Optional.empty();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals("error")) {
                    error = value == JsonToken.VALUE_NULL ? Optional.empty() : Optional.of(errorEvent(JSON.readTree(p)));
                } else if (field.equals("usage") && value == JsonToken.START_OBJECT) {
                    JsonNode u = JSON.readTree(p);
                    usage = Optional.of(new StreamEvent.Usage(u.path("prompt_tokens").asLong(0), u.path("completion_tokens").asLong(0)));
                } else {
                    if (field.equals("usage")) {
                        usage = Optional.empty(); // the last one counts, as in a tree
                    }
                    p.skipChildren();
                }
            }
            return new Body(error, usage);
        } catch (IOException e) {
            throw new MalformedChunkException("the response body is not valid JSON");
        }
    }

    /** The provider's error code from an error body, or a code derived from its message when it gave none. */
    public static Optional<String> errorCode(byte[] body) {
        JsonNode error;
        try {
            error = readObject(body).path("error");
        } catch (MalformedChunkException e) {
            return Optional.empty();
        }
        Optional<String> code = text(error, "code").filter(OpenAiCodec::plausibleCode);
        if (code.isPresent()) {
            return code;
        }
        String message = error.isTextual() ? error.asText() : error.path("message").asText("");
        String m = message.toLowerCase(Locale.ROOT);
        if (m.contains("context length") || m.contains("context window") || m.contains("maximum context")
                || m.contains("too many tokens") || m.contains("exceeds the context")) {
            return Optional.of("context_length_exceeded");
        }
        return text(error, "type").filter(OpenAiCodec::plausibleCode);
    }

    /** Provider codes end up in headers and logs: only short identifiers are taken, never free text. */
    private static boolean plausibleCode(String s) {
        return ERROR_CODE.matcher(s).matches();
    }

    // ------------------------------------------------------------------ what the gateway itself says

    public static byte[] errorBody(String message, String type, Optional<String> param, String code) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode e = root.putObject("error");
        e.put("message", message);
        e.put("type", type);
        if (param.isPresent()) {
            e.put("param", param.get());
        } else {
            e.putNull("param");
        }
        e.put("code", code);
        try {
            return JSON.writeValueAsBytes(root);
        } catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** An error event inside a stream: how OpenAI itself reports a failure after the stream has started. */
    public static byte[] streamError(String message, String type, String code) {
        byte[] body = errorBody(message, type, Optional.empty(), code);
        byte[] out = new byte[body.length + 8];
        System.arraycopy("data: ".getBytes(StandardCharsets.US_ASCII), 0, out, 0, 6);
        System.arraycopy(body, 0, out, 6, body.length);
        out[out.length - 2] = '\n';
        out[out.length - 1] = '\n';
        return out;
    }

    public static byte[] modelList(List<String> names) {
        ObjectNode root = JSON.createObjectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        for (String name : names) {
            data.addObject().put("id", name).put("object", "model").put("created", 0).put("owned_by", "lifeline");
        }
        try {
            return JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------ helpers

    private static JsonNode readObject(byte[] body) throws MalformedChunkException {
        try {
            JsonNode n = JSON.readTree(body);
            if (n == null || !n.isObject()) {
                throw new MalformedChunkException("the response body is not a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw new MalformedChunkException("the response body is not valid JSON");
        }
    }

    private static StreamEvent.Error errorEvent(JsonNode error) {
        if (error.isTextual()) {
            return new StreamEvent.Error("error", error.asText());
        }
        return new StreamEvent.Error(error.path("type").asText(error.path("code").asText("error")), error.path("message").asText(""));
    }

    private static Optional<StreamEvent.Usage> usage(JsonNode n) {
        JsonNode u = n.get("usage");
        if (u == null || !u.isObject()) {
            return Optional.empty();
        }
        return Optional.of(new StreamEvent.Usage(u.path("prompt_tokens").asLong(0), u.path("completion_tokens").asLong(0)));
    }

    private static boolean isMissing(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull();
    }

    private static Optional<String> text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v != null && v.isTextual() ? Optional.of(v.asText()) : Optional.empty();
    }
}
