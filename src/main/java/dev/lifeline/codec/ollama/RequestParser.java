package dev.lifeline.codec.ollama;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lifeline.chat.ChatRequest;
import dev.lifeline.chat.Message;
import dev.lifeline.chat.Part;
import dev.lifeline.chat.Role;
import dev.lifeline.chat.ToolCall;
import dev.lifeline.chat.ToolSpec;
import dev.lifeline.codec.BadRequestException;
import dev.lifeline.codec.Ids;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Pattern;

import static dev.lifeline.codec.ollama.Json.absent;
import static dev.lifeline.codec.ollama.Json.refuse;

/**
 * Reads Ollama clients' {@code /api/chat} and {@code /api/generate} bodies into the neutral model, the way Ollama's
 * Go server reads them (field names without regard to case, {@code null} as absent, {@code stream} true unless
 * given). The decisions for each field are listed on {@link OllamaCodec#parseChatRequest} and
 * {@link OllamaCodec#parseGenerateRequest}.
 */
final class RequestParser {
    private static final Pattern MODEL_NAME = Pattern.compile("[\\x21-\\x7e]{1,256}");
    /** The schema of a tool declared without parameters: an object with none. */
    static final String NO_PARAMETERS = "{\"type\":\"object\",\"properties\":{}}";

    private RequestParser() {
    }

    static ChatRequest chat(byte[] body) throws BadRequestException {
        Map<String, JsonNode> top = root(body);
        String model = model(top);
        refuseUntranslatable(top);
        JsonNode list = top.get("messages");
        if (absent(list) || (list.isArray() && list.isEmpty())) {
            throw refuse("messages", "an empty conversation only loads the model on an Ollama server; "
                    + "there is nothing to send to a backend of another dialect");
        }
        if (!list.isArray()) {
            throw refuse("messages", "must be an array");
        }
        List<Message> messages = new Conversation(list).read();
        Options o = options(top.get("options"));
        return new ChatRequest(model, messages, tools(top.get("tools")), Optional.empty(), o.maxTokens(), o.temperature(),
                o.topP(), o.stop(), stream(top));
    }

    static ChatRequest generate(byte[] body) throws BadRequestException {
        Map<String, JsonNode> top = root(body);
        String model = model(top);
        refuseUntranslatable(top);
        if (bool(top.get("raw"), "raw")) {
            throw refuse("raw", "a raw prompt is written in the model's own template, which a backend of another dialect "
                    + "does not use");
        }
        if (!string(top.get("suffix"), "suffix").isEmpty()) {
            throw refuse("suffix", "fill-in-the-middle cannot be carried to a backend of another dialect");
        }
        JsonNode context = top.get("context");
        if (!absent(context) && !(context.isArray() && context.isEmpty())) {
            throw refuse("context", "holds token ids of an Ollama model, which a backend of another dialect cannot read; "
                    + "send the conversation to /api/chat instead");
        }
        if (!string(top.get("template"), "template").isEmpty()) {
            throw refuse("template", "a prompt template cannot be carried to a backend of another dialect");
        }
        String system = string(top.get("system"), "system");
        String prompt = string(top.get("prompt"), "prompt");
        List<Part> images = images(top.get("images"), "images");
        if (prompt.isEmpty() && images.isEmpty()) {
            throw refuse("prompt", "an empty prompt only loads the model on an Ollama server; "
                    + "there is nothing to send to a backend of another dialect");
        }
        List<Message> messages = new ArrayList<>(2);
        if (!system.isEmpty()) {
            messages.add(Message.text(Role.SYSTEM, system));
        }
        List<Part> parts = new ArrayList<>(1 + images.size());
        if (!prompt.isEmpty()) {
            parts.add(new Part.Text(prompt));
        }
        parts.addAll(images);
        messages.add(new Message(Role.USER, parts, List.of(), Optional.empty(), Optional.empty()));
        Options o = options(top.get("options"));
        return new ChatRequest(model, messages, List.of(), Optional.empty(), o.maxTokens(), o.temperature(), o.topP(),
                o.stop(), stream(top));
    }

    // ------------------------------------------------------------------ top level

    private static Map<String, JsonNode> root(byte[] body) throws BadRequestException {
        if (body.length == 0) {
            throw new BadRequestException("missing request body", Optional.empty());
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new BadRequestException("the request body is not valid JSON", Optional.empty());
        }
        if (node == null || !node.isObject()) {
            throw new BadRequestException("the request body must be a JSON object", Optional.empty());
        }
        return Json.fields(node);
    }

    private static String model(Map<String, JsonNode> top) throws BadRequestException {
        String model = string(top.get("model"), "model");
        if (model.isEmpty()) {
            throw refuse("model", "is required");
        }
        if (!MODEL_NAME.matcher(model).matches()) {
            throw refuse("model", "must be at most 256 printable characters without spaces");
        }
        return model;
    }

    /** Fields that change what the client gets back in ways no other dialect can be asked for. */
    private static void refuseUntranslatable(Map<String, JsonNode> top) throws BadRequestException {
        JsonNode format = top.get("format");
        if (!absent(format) && !(format.isTextual() && format.asText().isEmpty())) {
            throw refuse("format", "structured output (\"json\" or a schema) cannot be carried to a backend of another dialect");
        }
        if (bool(top.get("logprobs"), "logprobs")) {
            throw refuse("logprobs", "log probabilities cannot be carried to a backend of another dialect");
        }
        if (bool(top.get("_debug_render_only"), "_debug_render_only")) {
            throw refuse("_debug_render_only",
                    "renders Ollama's prompt template, which a backend of another dialect does not have");
        }
    }

    private static boolean stream(Map<String, JsonNode> top) throws BadRequestException {
        JsonNode v = top.get("stream");
        return absent(v) || bool(v, "stream"); // Ollama streams unless told not to
    }

    // ------------------------------------------------------------------ messages

    /** One conversation's messages, with the tool calls still waiting for their results. */
    private static final class Conversation {
        private final JsonNode list;
        /** Ids the client gave, which a generated id must not repeat. */
        private final Set<String> givenIds = new HashSet<>();
        private int nextId;
        /** The calls of the latest assistant turn that no tool message has answered yet, in order. */
        private final List<ToolCall> unanswered = new ArrayList<>();

        Conversation(JsonNode list) {
            this.list = list;
            for (JsonNode m : list) {
                JsonNode calls = m.isObject() ? Json.fields(m).get("tool_calls") : null;
                if (calls != null && calls.isArray()) {
                    for (JsonNode call : calls) {
                        JsonNode id = call.isObject() ? Json.fields(call).get("id") : null;
                        if (id != null && id.isTextual()) {
                            givenIds.add(id.asText());
                        }
                    }
                }
            }
        }

        List<Message> read() throws BadRequestException {
            List<Message> out = new ArrayList<>(list.size());
            for (int i = 0; i < list.size(); i++) {
                out.add(message(list.get(i), "messages[" + i + "]"));
            }
            return out;
        }

        private Message message(JsonNode node, String path) throws BadRequestException {
            if (!node.isObject()) {
                throw refuse(path, "must be an object");
            }
            Map<String, JsonNode> f = Json.fields(node);
            Role role = role(f.get("role"), path + ".role");
            List<Part> parts = new ArrayList<>(1);
            String content = string(f.get("content"), path + ".content");
            if (!content.isEmpty()) {
                parts.add(new Part.Text(content));
            }
            parts.addAll(images(f.get("images"), path + ".images"));
            JsonNode calls = f.get("tool_calls");
            if (role != Role.ASSISTANT && !absent(calls) && !(calls.isArray() && calls.isEmpty())) {
                throw refuse(path + ".tool_calls", "only assistant messages call tools");
            }
            // message.thinking (an earlier answer's reasoning) is left out: no other dialect takes it back
            return switch (role) {
                case ASSISTANT -> {
                    List<ToolCall> toolCalls = toolCalls(calls, path + ".tool_calls");
                    unanswered.clear();
                    unanswered.addAll(toolCalls);
                    yield new Message(role, parts, toolCalls, Optional.empty(), Optional.empty());
                }
                case TOOL -> {
                    String name = string(f.get("tool_name"), path + ".tool_name");
                    String id = string(f.get("tool_call_id"), path + ".tool_call_id");
                    Optional<ToolCall> answered = answer(id, name);
                    yield new Message(role, parts, List.of(),
                            id.isEmpty() ? answered.map(ToolCall::id) : Optional.of(id),
                            name.isEmpty() ? answered.map(ToolCall::name) : Optional.of(name));
                }
                default -> new Message(role, parts, List.of(), Optional.empty(), Optional.empty());
            };
        }

        /**
         * The call a tool message answers: the one with its {@code tool_call_id}, else the first unanswered call of
         * the latest assistant turn with its {@code tool_name} (any name when it gives none), so that results of
         * parallel calls to one tool pair with the calls in order.
         */
        private Optional<ToolCall> answer(String id, String name) {
            for (Iterator<ToolCall> it = unanswered.iterator(); it.hasNext(); ) {
                ToolCall call = it.next();
                boolean match = id.isEmpty() ? name.isEmpty() || call.name().equals(name) : call.id().equals(id);
                if (match) {
                    it.remove();
                    return Optional.of(call);
                }
            }
            return Optional.empty();
        }

        private List<ToolCall> toolCalls(JsonNode calls, String path) throws BadRequestException {
            if (absent(calls)) {
                return List.of();
            }
            if (!calls.isArray()) {
                throw refuse(path, "must be an array");
            }
            List<ToolCall> out = new ArrayList<>(calls.size());
            for (int j = 0; j < calls.size(); j++) {
                String p = path + "[" + j + "]";
                Map<String, JsonNode> call = object(calls.get(j), p);
                JsonNode fn = call.get("function");
                if (absent(fn)) {
                    throw refuse(p + ".function", "is required");
                }
                Map<String, JsonNode> function = object(fn, p + ".function");
                String name = string(function.get("name"), p + ".function.name");
                if (name.isEmpty()) {
                    throw refuse(p + ".function.name", "is required");
                }
                JsonNode args = function.get("arguments");
                if (!absent(args) && !args.isObject()) {
                    throw refuse(p + ".function.arguments", "must be an object");
                }
                String id = string(call.get("id"), p + ".id");
                out.add(new ToolCall(id.isEmpty() ? generatedId() : id, name, absent(args) ? "{}" : Json.text(args)));
            }
            return out;
        }

        /** {@code call_0}, {@code call_1}, ... in the order of the conversation, skipping ids the client used. */
        private String generatedId() {
            String id;
            do {
                id = "call_" + nextId++;
            } while (givenIds.contains(id));
            return id;
        }
    }

    private static Role role(JsonNode v, String path) throws BadRequestException {
        String role = string(v, path).toLowerCase(Locale.ROOT); // Ollama lower-cases roles
        return switch (role) {
            case "system" -> Role.SYSTEM;
            case "user" -> Role.USER;
            case "assistant" -> Role.ASSISTANT;
            case "tool" -> Role.TOOL;
            case "" -> throw refuse(path, "is required");
            default -> throw refuse(path, "must be system, user, assistant or tool");
        };
    }

    private static List<Part> images(JsonNode v, String path) throws BadRequestException {
        if (absent(v)) {
            return List.of();
        }
        if (!v.isArray()) {
            throw refuse(path, "must be an array of base64 strings");
        }
        List<Part> out = new ArrayList<>(v.size());
        for (int k = 0; k < v.size(); k++) {
            JsonNode image = v.get(k);
            if (!image.isTextual()) {
                throw refuse(path + "[" + k + "]", "must be a base64 string");
            }
            out.add(Images.read(image.asText(), path + "[" + k + "]"));
        }
        return out;
    }

    // ------------------------------------------------------------------ tools and options

    private static List<ToolSpec> tools(JsonNode v) throws BadRequestException {
        if (absent(v)) {
            return List.of();
        }
        if (!v.isArray()) {
            throw refuse("tools", "must be an array");
        }
        List<ToolSpec> out = new ArrayList<>(v.size());
        for (int i = 0; i < v.size(); i++) {
            String p = "tools[" + i + "]";
            Map<String, JsonNode> tool = object(v.get(i), p);
            String type = string(tool.get("type"), p + ".type");
            if (!type.isEmpty() && !type.equals("function")) {
                throw refuse(p + ".type", "must be \"function\"");
            }
            JsonNode fn = tool.get("function");
            if (absent(fn)) {
                throw refuse(p + ".function", "is required");
            }
            Map<String, JsonNode> function = object(fn, p + ".function");
            String name = string(function.get("name"), p + ".function.name");
            if (name.isEmpty()) {
                throw refuse(p + ".function.name", "is required");
            }
            JsonNode parameters = function.get("parameters");
            if (!absent(parameters) && !parameters.isObject()) {
                throw refuse(p + ".function.parameters", "must be a JSON Schema object");
            }
            out.add(new ToolSpec(name, string(function.get("description"), p + ".function.description"),
                    absent(parameters) ? NO_PARAMETERS : Json.text(parameters)));
        }
        return out;
    }

    private record Options(OptionalInt maxTokens, OptionalDouble temperature, OptionalDouble topP, List<String> stop) {
    }

    /**
     * The options that have a neutral meaning. {@code options} is a map in Ollama's Go types, so its names are exact.
     * A {@code num_predict} of zero or less (Ollama: -1 unlimited, -2 until the context is full) sets no limit.
     */
    private static Options options(JsonNode v) throws BadRequestException {
        if (absent(v)) {
            return new Options(OptionalInt.empty(), OptionalDouble.empty(), OptionalDouble.empty(), List.of());
        }
        if (!v.isObject()) {
            throw refuse("options", "must be an object");
        }
        OptionalDouble numPredict = number(v.get("num_predict"), "options.num_predict");
        OptionalInt maxTokens = numPredict.isPresent() && numPredict.getAsDouble() >= 1
                ? OptionalInt.of((int) Math.min(numPredict.getAsDouble(), Integer.MAX_VALUE)) // truncated, as Go does
                : OptionalInt.empty();
        List<String> stop = new ArrayList<>();
        JsonNode s = v.get("stop");
        if (!absent(s)) {
            if (!s.isArray()) {
                throw refuse("options.stop", "must be an array of strings");
            }
            for (int k = 0; k < s.size(); k++) {
                if (!s.get(k).isTextual()) {
                    throw refuse("options.stop[" + k + "]", "must be a string");
                }
                stop.add(s.get(k).asText());
            }
        }
        return new Options(maxTokens, number(v.get("temperature"), "options.temperature"),
                number(v.get("top_p"), "options.top_p"), stop);
    }

    // ------------------------------------------------------------------ values

    private static Map<String, JsonNode> object(JsonNode v, String path) throws BadRequestException {
        if (v == null || !v.isObject()) {
            throw refuse(path, "must be an object");
        }
        return Json.fields(v);
    }

    /** A string field; absent or {@code null} is empty, as Go leaves a string it did not get. */
    private static String string(JsonNode v, String path) throws BadRequestException {
        if (absent(v)) {
            return "";
        }
        if (!v.isTextual()) {
            throw refuse(path, "must be a string");
        }
        return v.asText();
    }

    private static boolean bool(JsonNode v, String path) throws BadRequestException {
        if (absent(v)) {
            return false;
        }
        if (!v.isBoolean()) {
            throw refuse(path, "must be true or false");
        }
        return v.asBoolean();
    }

    private static OptionalDouble number(JsonNode v, String path) throws BadRequestException {
        if (absent(v)) {
            return OptionalDouble.empty();
        }
        if (!v.isNumber()) {
            throw refuse(path, "must be a number");
        }
        return OptionalDouble.of(v.doubleValue());
    }
}
