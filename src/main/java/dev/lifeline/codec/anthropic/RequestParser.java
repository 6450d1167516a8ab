package dev.lifeline.codec.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.lifeline.chat.ChatRequest;
import dev.lifeline.chat.Message;
import dev.lifeline.chat.Part;
import dev.lifeline.chat.Role;
import dev.lifeline.chat.ToolCall;
import dev.lifeline.chat.ToolChoice;
import dev.lifeline.chat.ToolSpec;
import dev.lifeline.codec.BadRequestException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * An Anthropic client's Messages request read into the neutral model ({@link AnthropicCodec#parseRequest}). Only
 * requests routed to another dialect come here, so a refusal means "this cannot be said to that target", never
 * "Anthropic would not take this".
 *
 * <p>What happens to each top-level field:
 * <ul>
 *   <li>Translated: {@code model}, {@code max_tokens} (required, as Anthropic requires it), {@code system},
 *       {@code messages}, {@code tools}, {@code tool_choice}, {@code temperature}, {@code top_p},
 *       {@code stop_sequences}, {@code stream}.</li>
 *   <li>Ignored, because they only tune sampling or concern billing, caching and tracing, not what the answer says:
 *       {@code top_k}, {@code metadata}, {@code service_tier}, {@code cache_control} (also inside blocks and tools);
 *       and {@code thinking} when it is {@code {"type":"disabled"}}.</li>
 *   <li>Refused: {@code thinking} when enabled, and every other field that is not null ({@code container},
 *       {@code mcp_servers}, {@code context_management}...): they change what the model may do or what the answer
 *       holds, and a field this code does not know could be either kind.</li>
 * </ul>
 * Inside messages: text, image (base64 or URL), tool_use and tool_result blocks are translated, and thinking and
 * redacted_thinking blocks of earlier assistant turns are left out (Claude itself ignores them unless thinking is
 * enabled, which is refused); any other block (document, search_result, server tool blocks) is refused. A tool
 * result marked {@code is_error} keeps its content with {@value #ERROR_PREFIX} in front, since no other dialect
 * has the flag. The neutral model keeps an assistant turn's text and calls apart, so text written after a tool_use
 * block ends up before the calls (Claude writes its calls last anyway).
 */
final class RequestParser {
    /** What a tool result marked {@code is_error} starts with once translated. */
    static final String ERROR_PREFIX = "Error: ";

    /** The fields translated, and {@code thinking}, which is refused unless disabled. */
    private static final Set<String> HANDLED = Set.of("model", "max_tokens", "system", "messages", "tools",
            "tool_choice", "temperature", "top_p", "stop_sequences", "stream", "thinking");
    private static final Set<String> IGNORED = Set.of("top_k", "metadata", "service_tier", "cache_control");
    private static final Pattern MODEL_NAME = Pattern.compile("[\\x21-\\x7e]{1,256}");

    private static final String USER_BLOCKS = "text, image, tool_result";
    private static final String ASSISTANT_BLOCKS = "text, tool_use, thinking";

    /** Tool names by call id, from the assistant turns read so far: a tool result names its tool (Ollama needs it). */
    private final Map<String, String> toolNames = new HashMap<>();

    private RequestParser() {
    }

    static ChatRequest parse(byte[] body) throws BadRequestException {
        JsonNode root;
        try {
            root = AnthropicCodec.JSON.readTree(body);
        } catch (IOException e) {
            throw new BadRequestException("the request body is not valid JSON", Optional.empty());
        }
        if (root == null || !root.isObject()) {
            throw new BadRequestException("the request body must be a JSON object", Optional.empty());
        }
        return new RequestParser().request(root);
    }

    private ChatRequest request(JsonNode root) throws BadRequestException {
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!HANDLED.contains(name) && !IGNORED.contains(name) && present(root.get(name))) {
                throw new BadRequestException(name + ": the field cannot be translated to another dialect", Optional.of(name));
            }
        }
        thinking(root.get("thinking"));
        String model = model(root.get("model"));
        OptionalInt maxTokens = OptionalInt.of(maxTokens(root.get("max_tokens")));
        List<Message> messages = new ArrayList<>();
        system(root.get("system"), messages);
        JsonNode list = root.get("messages");
        if (!present(list)) {
            throw invalid("messages", "field required");
        }
        if (!list.isArray()) {
            throw invalid("messages", "must be an array of messages");
        }
        for (int i = 0; i < list.size(); i++) {
            message(list.get(i), "messages[" + i + "]", messages);
        }
        return new ChatRequest(model, messages, tools(root.get("tools")), toolChoice(root.get("tool_choice")),
                maxTokens, number(root.get("temperature"), "temperature"), number(root.get("top_p"), "top_p"),
                stopSequences(root.get("stop_sequences")), bool(root.get("stream"), "stream"));
    }

    // ------------------------------------------------------------------ top-level fields

    private static String model(JsonNode model) throws BadRequestException {
        if (!present(model)) {
            throw invalid("model", "field required");
        }
        if (!model.isTextual() || !MODEL_NAME.matcher(model.asText()).matches()) {
            throw invalid("model", "must be a string of 1 to 256 printable characters without spaces");
        }
        return model.asText();
    }

    private static int maxTokens(JsonNode n) throws BadRequestException {
        if (!present(n)) {
            throw invalid("max_tokens", "field required");
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < 1) {
            throw invalid("max_tokens", "must be a positive integer");
        }
        return n.asInt();
    }

    private static void thinking(JsonNode n) throws BadRequestException {
        if (!present(n)) {
            return;
        }
        String type = type(object(n, "thinking"), "thinking");
        if (!type.equals("disabled")) {
            throw untranslatable("thinking.type", type, "disabled, or no thinking");
        }
    }

    /** The top-level system prompt, a string or text blocks, as the first message. */
    private static void system(JsonNode n, List<Message> out) throws BadRequestException {
        if (!present(n)) {
            return;
        }
        if (n.isTextual()) {
            out.add(Message.text(Role.SYSTEM, n.asText()));
            return;
        }
        if (!n.isArray()) {
            throw invalid("system", "must be a string or an array of text blocks");
        }
        List<Part> parts = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            String path = "system[" + i + "]";
            JsonNode block = object(n.get(i), path);
            String type = type(block, path);
            if (!type.equals("text")) {
                throw untranslatable(path + ".type", type, "text");
            }
            parts.add(new Part.Text(string(block.get("text"), path + ".text")));
        }
        if (!parts.isEmpty()) {
            out.add(new Message(Role.SYSTEM, parts, List.of(), Optional.empty(), Optional.empty()));
        }
    }

    private static List<ToolSpec> tools(JsonNode n) throws BadRequestException {
        if (!present(n)) {
            return List.of();
        }
        if (!n.isArray()) {
            throw invalid("tools", "must be an array of tools");
        }
        List<ToolSpec> tools = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            String path = "tools[" + i + "]";
            JsonNode tool = object(n.get(i), path);
            String type = present(tool.get("type")) ? type(tool, path) : "custom";
            if (!type.equals("custom")) {
                // web_search_..., bash_..., text_editor_...: tools Anthropic runs itself
                throw untranslatable(path + ".type", type, "custom");
            }
            JsonNode description = tool.get("description");
            JsonNode schema = tool.get("input_schema");
            if (!present(schema) || !schema.isObject()) {
                throw invalid(path + ".input_schema", "must be a JSON Schema object");
            }
            tools.add(new ToolSpec(string(tool.get("name"), path + ".name"),
                    present(description) ? string(description, path + ".description") : "", schema.toString()));
        }
        return tools;
    }

    private static Optional<ToolChoice> toolChoice(JsonNode n) throws BadRequestException {
        if (!present(n)) {
            return Optional.empty();
        }
        JsonNode choice = object(n, "tool_choice");
        JsonNode parallel = choice.get("disable_parallel_tool_use");
        if (present(parallel) && !(parallel.isBoolean() && !parallel.asBoolean())) {
            throw new BadRequestException("tool_choice.disable_parallel_tool_use: " + parallel
                    + " cannot be translated (expected: false, or absent)", Optional.of("tool_choice.disable_parallel_tool_use"));
        }
        String type = type(choice, "tool_choice");
        return Optional.of(switch (type) {
            case "auto" -> new ToolChoice(ToolChoice.Mode.AUTO, Optional.empty());
            case "any" -> new ToolChoice(ToolChoice.Mode.REQUIRED, Optional.empty());
            case "none" -> new ToolChoice(ToolChoice.Mode.NONE, Optional.empty());
            case "tool" -> new ToolChoice(ToolChoice.Mode.NAMED, Optional.of(string(choice.get("name"), "tool_choice.name")));
            default -> throw invalid("tool_choice.type", quoted(type) + " is not a tool choice (expected: auto, any, tool, none)");
        });
    }

    private static List<String> stopSequences(JsonNode n) throws BadRequestException {
        if (!present(n)) {
            return List.of();
        }
        if (!n.isArray()) {
            throw invalid("stop_sequences", "must be an array of strings");
        }
        List<String> stop = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            stop.add(string(n.get(i), "stop_sequences[" + i + "]"));
        }
        return stop;
    }

    // ------------------------------------------------------------------ messages

    private void message(JsonNode m, String path, List<Message> out) throws BadRequestException {
        JsonNode message = object(m, path);
        String roleName = string(message.get("role"), path + ".role");
        Role role = switch (roleName) {
            case "user" -> Role.USER;
            case "assistant" -> Role.ASSISTANT;
            default -> throw invalid(path + ".role", quoted(roleName) + " is not a role (expected: user, assistant)");
        };
        JsonNode content = message.get("content");
        if (present(content) && content.isTextual()) {
            out.add(Message.text(role, content.asText()));
        } else if (present(content) && content.isArray()) {
            if (role == Role.USER) {
                userBlocks(content, path + ".content", out);
            } else {
                out.add(assistantBlocks(content, path + ".content"));
            }
        } else {
            throw invalid(path + ".content", "must be a string or an array of content blocks");
        }
    }

    /**
     * A user turn's blocks: each tool_result becomes a {@link Role#TOOL} message of its own, the text and images
     * around them user messages, in order.
     */
    private void userBlocks(JsonNode blocks, String path, List<Message> out) throws BadRequestException {
        List<Part> parts = new ArrayList<>();
        boolean any = false;
        for (int i = 0; i < blocks.size(); i++) {
            String at = path + "[" + i + "]";
            JsonNode block = object(blocks.get(i), at);
            String type = type(block, at);
            switch (type) {
                case "text" -> parts.add(text(block, at));
                case "image" -> parts.add(image(block, at));
                case "tool_result" -> {
                    if (!parts.isEmpty()) {
                        out.add(new Message(Role.USER, parts, List.of(), Optional.empty(), Optional.empty()));
                        parts = new ArrayList<>();
                    }
                    out.add(toolResult(block, at));
                    any = true;
                }
                default -> throw untranslatable(at + ".type", type, USER_BLOCKS);
            }
        }
        if (!parts.isEmpty() || !any) {
            out.add(new Message(Role.USER, parts, List.of(), Optional.empty(), Optional.empty()));
        }
    }

    private Message assistantBlocks(JsonNode blocks, String path) throws BadRequestException {
        List<Part> parts = new ArrayList<>();
        List<ToolCall> calls = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            String at = path + "[" + i + "]";
            JsonNode block = object(blocks.get(i), at);
            String type = type(block, at);
            switch (type) {
                case "text" -> parts.add(text(block, at));
                case "tool_use" -> {
                    String id = string(block.get("id"), at + ".id");
                    String name = string(block.get("name"), at + ".name");
                    JsonNode input = block.get("input");
                    if (present(input) && !input.isObject()) {
                        throw invalid(at + ".input", "must be an object");
                    }
                    calls.add(new ToolCall(id, name, AnthropicCodec.argumentsJson(input)));
                    toolNames.put(id, name);
                }
                case "thinking", "redacted_thinking" -> {
                    // reasoning of an earlier turn: Claude ignores it without thinking enabled, other dialects have no place for it
                }
                default -> throw untranslatable(at + ".type", type, ASSISTANT_BLOCKS);
            }
        }
        return new Message(Role.ASSISTANT, parts, calls, Optional.empty(), Optional.empty());
    }

    private Message toolResult(JsonNode block, String path) throws BadRequestException {
        String id = string(block.get("tool_use_id"), path + ".tool_use_id");
        JsonNode content = block.get("content");
        List<Part> parts = new ArrayList<>();
        if (present(content) && content.isTextual()) {
            parts.add(new Part.Text(content.asText()));
        } else if (present(content) && content.isArray()) {
            for (int i = 0; i < content.size(); i++) {
                String at = path + ".content[" + i + "]";
                JsonNode inner = object(content.get(i), at);
                String type = type(inner, at);
                switch (type) {
                    case "text" -> parts.add(text(inner, at));
                    case "image" -> parts.add(image(inner, at));
                    default -> throw untranslatable(at + ".type", type, "text, image");
                }
            }
        } else if (present(content)) {
            throw invalid(path + ".content", "must be a string or an array of content blocks");
        }
        JsonNode isError = block.get("is_error");
        if (present(isError) && isError.asBoolean(false)) {
            if (!parts.isEmpty() && parts.getFirst() instanceof Part.Text t) {
                parts.set(0, new Part.Text(ERROR_PREFIX + t.text()));
            } else {
                parts.addFirst(new Part.Text(ERROR_PREFIX.strip()));
            }
        }
        return new Message(Role.TOOL, parts, List.of(), Optional.of(id), Optional.ofNullable(toolNames.get(id)));
    }

    private static Part text(JsonNode block, String path) throws BadRequestException {
        return new Part.Text(string(block.get("text"), path + ".text"));
    }

    private static Part image(JsonNode block, String path) throws BadRequestException {
        JsonNode source = object(block.get("source"), path + ".source");
        String type = type(source, path + ".source");
        return switch (type) {
            case "base64" -> new Part.ImageData(string(source.get("media_type"), path + ".source.media_type"),
                    string(source.get("data"), path + ".source.data"));
            case "url" -> new Part.ImageUrl(string(source.get("url"), path + ".source.url"));
            default -> throw untranslatable(path + ".source.type", type, "base64, url"); // file: Anthropic's Files API
        };
    }

    // ------------------------------------------------------------------ helpers

    /** JSON null counts as absent, as it does for Anthropic. */
    private static boolean present(JsonNode n) {
        return n != null && !n.isNull();
    }

    private static JsonNode object(JsonNode n, String path) throws BadRequestException {
        if (n == null || !n.isObject()) {
            throw invalid(path, "must be an object");
        }
        return n;
    }

    private static String string(JsonNode n, String path) throws BadRequestException {
        if (!present(n)) {
            throw invalid(path, "field required");
        }
        if (!n.isTextual()) {
            throw invalid(path, "must be a string");
        }
        return n.asText();
    }

    private static OptionalDouble number(JsonNode n, String path) throws BadRequestException {
        if (!present(n)) {
            return OptionalDouble.empty();
        }
        if (!n.isNumber()) {
            throw invalid(path, "must be a number");
        }
        return OptionalDouble.of(n.asDouble());
    }

    private static boolean bool(JsonNode n, String path) throws BadRequestException {
        if (!present(n)) {
            return false;
        }
        if (!n.isBoolean()) {
            throw invalid(path, "must be true or false");
        }
        return n.asBoolean();
    }

    private static BadRequestException invalid(String path, String problem) {
        return new BadRequestException(path + ": " + problem, Optional.of(path));
    }

    /** An object's {@code type}, the name of its kind: a string it must have. */
    private static String type(JsonNode n, String path) throws BadRequestException {
        return string(n.get("type"), path + ".type");
    }

    /** {@code path: "value" cannot be translated (expected: ...)}. */
    private static BadRequestException untranslatable(String path, String value, String expected) {
        return new BadRequestException(path + ": " + quoted(value) + " cannot be translated (expected: " + expected + ")",
                Optional.of(path));
    }

    /** A value of the client's as JSON text, shortened so that no message grows long. */
    private static String quoted(String value) {
        String shown = value.length() > 64 ? value.substring(0, 61) + "..." : value;
        return TextNode.valueOf(shown).toString();
    }
}
