package dev.lifeline.codec.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.lifeline.chat.ChatRequest;
import dev.lifeline.chat.Message;
import dev.lifeline.chat.Part;
import dev.lifeline.chat.Role;
import dev.lifeline.chat.ToolCall;
import dev.lifeline.chat.ToolChoice;
import dev.lifeline.chat.ToolSpec;
import dev.lifeline.codec.BadRequestException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * Reads an OpenAI chat completions request into a {@link ChatRequest}, for {@link OpenAiTranslation#toNeutral}.
 * Every refusal names the field by its path ({@code messages[3].content[1].type}) in the message and as the error's
 * {@code param}, in two forms:
 * <ul>
 *   <li>{@code path: value (expected: ...)}: the request is malformed;</li>
 *   <li>{@code path: value cannot be translated (expected: ...)}: valid OpenAI, but the neutral model has no form for
 *       it, so another dialect's model could not honour it.</li>
 * </ul>
 */
final class RequestReader {
    /** The OpenAI default when a function declares no parameters: an object without properties. */
    private static final String NO_PARAMETERS = "{\"type\":\"object\",\"properties\":{}}";

    /**
     * Fields that ask for something the neutral model cannot carry, refused when present (and not null), with what to
     * use instead. The legacy {@code functions} are not mapped to tools: such a client expects the legacy
     * {@code function_call} in the answer, which a translated answer does not have.
     */
    private static final List<Map.Entry<String, String>> REFUSED = List.of(
            Map.entry("functions", "tools"),
            Map.entry("function_call", "tool_choice"),
            Map.entry("audio", "text output only"),
            Map.entry("prediction", "no predicted output"),
            Map.entry("web_search_options", "no web search"));

    /** Content part types each role may use. */
    private static final List<String> TEXT = List.of("text");
    private static final List<String> USER_PARTS = List.of("text", "image_url");
    private static final List<String> ASSISTANT_PARTS = List.of("text", "refusal");

    private static final int MAX_SHOWN = 60;

    private final ObjectMapper json;
    /** Function names of the calls seen so far, by call id: a tool result is matched to its call's name. */
    private final Map<String, String> callNames = new HashMap<>();

    private RequestReader(ObjectMapper json) {
        this.json = json;
    }

    static ChatRequest read(ObjectMapper json, OpenAiCodec.Request req) throws BadRequestException {
        return new RequestReader(json).request(req);
    }

    private ChatRequest request(OpenAiCodec.Request req) throws BadRequestException {
        JsonNode root = req.json();
        refuseUntranslatable(root);
        JsonNode messages = root.get("messages");
        if (messages == null || !messages.isArray()) {
            throw invalid("messages", messages, "an array of messages");
        }
        List<Message> out = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            out.add(message(messages.get(i), "messages[" + i + "]"));
        }
        OptionalInt maxTokens = maxTokens(root, "max_completion_tokens");
        if (maxTokens.isEmpty()) {
            maxTokens = maxTokens(root, "max_tokens");
        } else {
            maxTokens(root, "max_tokens"); // validated all the same
        }
        return new ChatRequest(req.model(), out, tools(root.get("tools")), toolChoice(root.get("tool_choice")),
                maxTokens, number(root, "temperature"), number(root, "top_p"), stop(root.get("stop")), req.stream());
    }

    /** The request-level fields that change what kind of answer comes back. */
    private void refuseUntranslatable(JsonNode root) throws BadRequestException {
        JsonNode n = root.get("n");
        if (present(n) && !(n.canConvertToInt() && n.isIntegralNumber() && n.intValue() == 1)) {
            throw untranslatable("n", n, "1");
        }
        JsonNode logprobs = root.get("logprobs");
        if (present(logprobs) && !(logprobs.isBoolean() && !logprobs.asBoolean())) {
            throw untranslatable("logprobs", logprobs, "false");
        }
        JsonNode topLogprobs = root.get("top_logprobs");
        if (present(topLogprobs) && !(topLogprobs.canConvertToInt() && topLogprobs.isIntegralNumber() && topLogprobs.intValue() == 0)) {
            throw untranslatable("top_logprobs", topLogprobs, "0");
        }
        JsonNode format = root.get("response_format");
        if (present(format)) {
            JsonNode type = format.get("type");
            if (type == null || !type.isTextual()) {
                throw invalid("response_format.type", type, "text, json_object or json_schema");
            }
            if (!type.asText().equals("text")) {
                throw untranslatable("response_format.type", type, "text");
            }
        }
        JsonNode modalities = root.get("modalities");
        if (present(modalities) && !(modalities.isArray() && modalities.size() == 1 && "text".equals(modalities.get(0).asText(null)))) {
            throw untranslatable("modalities", modalities, "[\"text\"]");
        }
        for (Map.Entry<String, String> field : REFUSED) {
            JsonNode v = root.get(field.getKey());
            if (present(v)) {
                throw untranslatable(field.getKey(), v, field.getValue());
            }
        }
    }

    // ------------------------------------------------------------------ messages

    private Message message(JsonNode m, String path) throws BadRequestException {
        if (!m.isObject()) {
            throw invalid(path, m, "a message object");
        }
        JsonNode role = m.get("role");
        String name = role != null && role.isTextual() ? role.asText() : "";
        return switch (name) {
            case "system", "developer" -> plain(Role.SYSTEM, content(m, path, TEXT, false));
            case "user" -> plain(Role.USER, content(m, path, USER_PARTS, false));
            case "assistant" -> assistant(m, path);
            case "tool" -> tool(m, path);
            case "function" -> throw untranslatable(path + ".role", role, "tool");
            default -> throw invalid(path + ".role", role, "system, developer, user, assistant or tool");
        };
    }

    private static Message plain(Role role, List<Part> parts) {
        return new Message(role, parts, List.of(), Optional.empty(), Optional.empty());
    }

    private Message assistant(JsonNode m, String path) throws BadRequestException {
        if (present(m.get("function_call"))) {
            throw untranslatable(path + ".function_call", m.get("function_call"), "tool_calls");
        }
        if (present(m.get("audio"))) {
            throw untranslatable(path + ".audio", m.get("audio"), "text only");
        }
        List<Part> parts = new ArrayList<>(content(m, path, ASSISTANT_PARTS, true));
        JsonNode refusal = m.get("refusal");
        if (refusal != null && refusal.isTextual() && !refusal.asText().isEmpty()) {
            parts.add(new Part.Text(refusal.asText())); // what the model said when it refused: part of the turn
        }
        List<ToolCall> calls = new ArrayList<>();
        JsonNode toolCalls = m.get("tool_calls");
        if (present(toolCalls)) {
            if (!toolCalls.isArray()) {
                throw invalid(path + ".tool_calls", toolCalls, "an array of tool calls");
            }
            for (int j = 0; j < toolCalls.size(); j++) {
                calls.add(toolCall(toolCalls.get(j), path + ".tool_calls[" + j + "]"));
            }
        }
        return new Message(Role.ASSISTANT, parts, calls, Optional.empty(), Optional.empty());
    }

    private ToolCall toolCall(JsonNode call, String path) throws BadRequestException {
        if (!call.isObject()) {
            throw invalid(path, call, "a tool call object");
        }
        JsonNode type = call.get("type");
        if (present(type) && !"function".equals(type.asText(null))) {
            throw untranslatable(path + ".type", type, "function");
        }
        String id = requiredText(call, "id", path);
        JsonNode function = call.get("function");
        if (function == null || !function.isObject()) {
            throw invalid(path + ".function", function, "an object with name and arguments");
        }
        String name = requiredText(function, "name", path + ".function");
        callNames.put(id, name);
        return new ToolCall(id, name, arguments(function.get("arguments")));
    }

    /**
     * The arguments as the client sent them. A string is kept as it is, even when it is not valid JSON: models do emit
     * broken arguments, a client replays its history as it got it, and the target judges its own input. An object
     * (some clients copy Ollama's shape) is written as JSON text; none at all is {@code {}}.
     */
    private String arguments(JsonNode args) {
        if (!present(args)) {
            return "{}";
        }
        return args.isTextual() ? args.asText() : write(args);
    }

    private Message tool(JsonNode m, String path) throws BadRequestException {
        String id = requiredText(m, "tool_call_id", path);
        List<Part> parts = content(m, path, TEXT, false);
        return new Message(Role.TOOL, parts, List.of(), Optional.of(id), Optional.ofNullable(callNames.get(id)));
    }

    /**
     * A message's content: a string (one text part; none when empty) or an array of parts of the given types. Only
     * an assistant message may leave it out (a turn that only calls tools).
     */
    private List<Part> content(JsonNode m, String path, List<String> allowed, boolean optional) throws BadRequestException {
        JsonNode content = m.get("content");
        String at = path + ".content";
        if (!present(content)) {
            if (optional) {
                return List.of();
            }
            throw invalid(at, content, "a string or an array of content parts");
        }
        if (content.isTextual()) {
            return content.asText().isEmpty() ? List.of() : List.of(new Part.Text(content.asText()));
        }
        if (!content.isArray()) {
            throw invalid(at, content, "a string or an array of content parts");
        }
        List<Part> parts = new ArrayList<>(content.size());
        for (int j = 0; j < content.size(); j++) {
            parts.add(part(content.get(j), at + "[" + j + "]", allowed));
        }
        return parts;
    }

    private Part part(JsonNode p, String path, List<String> allowed) throws BadRequestException {
        if (!p.isObject()) {
            throw invalid(path, p, "a content part object");
        }
        JsonNode type = p.path("type");
        if (!type.isTextual()) {
            throw invalid(path + ".type", p.get("type"), String.join(", ", allowed));
        }
        if (!allowed.contains(type.asText())) {
            throw untranslatable(path + ".type", type, String.join(", ", allowed));
        }
        return switch (type.asText()) {
            case "image_url" -> image(p.get("image_url"), path + ".image_url");
            case "refusal" -> new Part.Text(requiredText(p, "refusal", path));
            default -> new Part.Text(textOf(p, path));
        };
    }

    private static String textOf(JsonNode p, String path) throws BadRequestException {
        JsonNode text = p.get("text");
        if (text == null || !text.isTextual()) {
            throw invalid(path + ".text", text, "a string");
        }
        return text.asText();
    }

    /**
     * An {@code image_url} part. A {@code data:} URL becomes inline data (every vision dialect takes that), any other
     * URL stays a URL for the provider to fetch. The {@code detail} hint has no neutral form and is dropped: it tunes
     * cost and resolution, not what the answer is about. Some clients send the URL as a bare string; that is taken too.
     */
    private static Part image(JsonNode image, String path) throws BadRequestException {
        JsonNode url = image != null && image.isObject() ? image.get("url") : image;
        String at = image != null && image.isObject() ? path + ".url" : path;
        if (url == null || !url.isTextual() || url.asText().isBlank()) {
            throw invalid(at, url, "an http(s) or data: URL");
        }
        String u = url.asText();
        if (!u.regionMatches(true, 0, "data:", 0, 5)) {
            return new Part.ImageUrl(u);
        }
        int comma = u.indexOf(',');
        String[] meta = (comma < 0 ? "" : u.substring(5, comma)).split(";");
        String mediaType = meta[0].trim().toLowerCase(Locale.ROOT);
        boolean base64 = false;
        for (int i = 1; i < meta.length; i++) {
            base64 |= meta[i].trim().equalsIgnoreCase("base64");
        }
        if (comma < 0 || mediaType.isEmpty() || !base64) {
            throw invalid(at, url, "a data: URL with a media type and base64 data, like data:image/png;base64,...");
        }
        return new Part.ImageData(mediaType, u.substring(comma + 1));
    }

    // ------------------------------------------------------------------ tools

    private List<ToolSpec> tools(JsonNode tools) throws BadRequestException {
        if (!present(tools)) {
            return List.of();
        }
        if (!tools.isArray()) {
            throw invalid("tools", tools, "an array of tools");
        }
        List<ToolSpec> out = new ArrayList<>(tools.size());
        for (int i = 0; i < tools.size(); i++) {
            String path = "tools[" + i + "]";
            JsonNode tool = tools.get(i);
            JsonNode type = tool.get("type");
            if (present(type) && !"function".equals(type.asText(null))) {
                throw untranslatable(path + ".type", type, "function");
            }
            JsonNode function = tool.get("function");
            if (function == null || !function.isObject()) {
                throw invalid(path + ".function", function, "an object with name, description and parameters");
            }
            String name = requiredText(function, "name", path + ".function");
            JsonNode description = function.get("description");
            if (present(description) && !description.isTextual()) {
                throw invalid(path + ".function.description", description, "a string");
            }
            JsonNode parameters = function.get("parameters");
            if (present(parameters) && !parameters.isObject()) {
                throw invalid(path + ".function.parameters", parameters, "a JSON Schema object");
            }
            // "strict" is not carried: the model still gets the schema, only OpenAI's guarantee to follow it is lost
            out.add(new ToolSpec(name, present(description) ? description.asText() : "",
                    present(parameters) ? write(parameters) : NO_PARAMETERS));
        }
        return out;
    }

    private static Optional<ToolChoice> toolChoice(JsonNode choice) throws BadRequestException {
        if (!present(choice)) {
            return Optional.empty();
        }
        if (choice.isTextual()) {
            ToolChoice.Mode mode = switch (choice.asText()) {
                case "auto" -> ToolChoice.Mode.AUTO;
                case "none" -> ToolChoice.Mode.NONE;
                case "required" -> ToolChoice.Mode.REQUIRED;
                default -> throw invalid("tool_choice", choice, "auto, none, required or a function");
            };
            return Optional.of(new ToolChoice(mode, Optional.empty()));
        }
        JsonNode type = choice.path("type");
        if (!choice.isObject() || !type.isTextual()) {
            throw invalid("tool_choice", choice, "auto, none, required or a function");
        }
        if (!type.asText().equals("function")) {
            throw untranslatable("tool_choice.type", type, "function");
        }
        JsonNode function = choice.get("function");
        if (function == null || !function.isObject()) {
            throw invalid("tool_choice.function", function, "an object with a name");
        }
        return Optional.of(new ToolChoice(ToolChoice.Mode.NAMED, Optional.of(requiredText(function, "name", "tool_choice.function"))));
    }

    // ------------------------------------------------------------------ sampling

    private static OptionalInt maxTokens(JsonNode root, String field) throws BadRequestException {
        JsonNode v = root.get(field);
        if (!present(v)) {
            return OptionalInt.empty();
        }
        if (!v.isIntegralNumber() || v.bigIntegerValue().signum() <= 0) {
            throw invalid(field, v, "a positive integer");
        }
        return OptionalInt.of(v.canConvertToInt() ? v.intValue() : Integer.MAX_VALUE);
    }

    private static OptionalDouble number(JsonNode root, String field) throws BadRequestException {
        JsonNode v = root.get(field);
        if (!present(v)) {
            return OptionalDouble.empty();
        }
        if (!v.isNumber()) {
            throw invalid(field, v, "a number");
        }
        return OptionalDouble.of(v.doubleValue());
    }

    private static List<String> stop(JsonNode stop) throws BadRequestException {
        if (!present(stop)) {
            return List.of();
        }
        if (stop.isTextual()) {
            return List.of(stop.asText());
        }
        if (!stop.isArray()) {
            throw invalid("stop", stop, "a string or an array of strings");
        }
        List<String> out = new ArrayList<>(stop.size());
        for (int i = 0; i < stop.size(); i++) {
            if (!stop.get(i).isTextual()) {
                throw invalid("stop[" + i + "]", stop.get(i), "a string");
            }
            out.add(stop.get(i).asText());
        }
        return out;
    }

    // ------------------------------------------------------------------ helpers

    private static boolean present(JsonNode v) {
        return v != null && !v.isNull();
    }

    private static String requiredText(JsonNode parent, String field, String path) throws BadRequestException {
        JsonNode v = parent.get(field);
        if (v == null || !v.isTextual() || v.asText().isEmpty()) {
            throw invalid(path + "." + field, v, "a non-empty string");
        }
        return v.asText();
    }

    private String write(JsonNode node) {
        try {
            return json.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("writing a parsed JSON tree cannot fail", e);
        }
    }

    private static BadRequestException invalid(String path, JsonNode value, String expected) {
        return new BadRequestException(path + ": " + show(value) + " (expected: " + expected + ")", Optional.of(path));
    }

    private static BadRequestException untranslatable(String path, JsonNode value, String expected) {
        return new BadRequestException(path + ": " + show(value) + " cannot be translated (expected: " + expected + ")",
                Optional.of(path));
    }

    /** A value as JSON, cut short: error messages quote what was sent, never a whole image or schema. */
    private static String show(JsonNode value) {
        if (value == null) {
            return "missing";
        }
        String s = value.isTextual() && value.asText().length() > MAX_SHOWN
                ? TextNode.valueOf(value.asText().substring(0, MAX_SHOWN)).toString() // a data: URL can be megabytes
                : value.toString();
        return s.length() <= MAX_SHOWN ? s : s.substring(0, MAX_SHOWN - 3) + "...";
    }
}
