package dev.lifeline.codec.ollama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lifeline.chat.ChatRequest;
import dev.lifeline.chat.ChatResponse;
import dev.lifeline.chat.Embeddings;
import dev.lifeline.chat.Message;
import dev.lifeline.chat.Part;
import dev.lifeline.chat.Role;
import dev.lifeline.chat.StreamEvent;
import dev.lifeline.chat.ToolCall;
import dev.lifeline.chat.ToolChoice;
import dev.lifeline.chat.ToolSpec;
import dev.lifeline.codec.BadRequestException;
import dev.lifeline.codec.Ids;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.lifeline.codec.ollama.Json.MAPPER;
import static dev.lifeline.codec.ollama.Json.absent;
import static dev.lifeline.codec.ollama.Json.refuse;

/**
 * Ollama's native API ({@code /api/chat}, {@code /api/generate}, {@code /api/embed}, {@code /api/tags},
 * {@code /api/version}) as pure functions over bytes. Streams are in {@link OllamaStreamDecoder} and
 * {@link OllamaStreamEncoder}.
 *
 * <p>Translation happens only when a request crosses dialects (an Ollama client routed to an OpenAI or Anthropic
 * backend, or the other way round). An Ollama client's request for an Ollama backend passes through as the bytes the
 * client sent, and none of the parsing here runs for it.
 */
public final class OllamaCodec {
    private static final Pattern DATA_URL = Pattern.compile("data:(image/[A-Za-z0-9.+-]+);base64,(.*)", Pattern.DOTALL);
    private static final Pattern INTEGER = Pattern.compile("-?\\d{1,18}");

    private OllamaCodec() {
    }

    // ------------------------------------------------------------------ requests from Ollama clients

    /**
     * An Ollama client's {@code POST /api/chat} body in the neutral model, for a backend of another dialect. Fields are
     * read as Ollama's Go server reads them: names without regard to case, {@code null} as absent, and
     * <b>{@code stream} true when absent</b>.
     *
     * <ul>
     *   <li>{@code messages[]}: {@code role} (system, user, assistant, tool; any case), {@code content};
     *       {@code images} become {@link Part.ImageData} after the text, typed from their first bytes (PNG, JPEG, GIF or
     *       WebP, anything else is refused); an assistant's {@code tool_calls} keep their {@code id} or get
     *       {@code call_0}, {@code call_1}, ... in conversation order, with the {@code arguments} object as JSON text;
     *       a {@code tool} message keeps {@code tool_name} and {@code tool_call_id}, and without an id it answers the
     *       first unanswered call of the latest assistant turn with that name (results of parallel calls to one tool
     *       pair up in order), whose id and name it takes. An earlier answer's {@code thinking} is dropped: no other
     *       dialect takes reasoning back.</li>
     *   <li>{@code tools[]} of type {@code function} become {@link ToolSpec}s, the parameters schema unchanged; a tool
     *       without parameters gets an empty object schema.</li>
     *   <li>{@code options}: {@code num_predict} (above zero; zero or less sets no limit), {@code temperature},
     *       {@code top_p} and {@code stop} are carried. The rest are dropped as harmless: {@code seed}, {@code top_k},
     *       {@code min_p}, {@code typical_p}, the penalties and mirostat tune sampling, which the target does its own
     *       way; {@code num_ctx}, {@code num_keep} and the runner options ({@code num_gpu}, {@code num_thread}, ...)
     *       configure an Ollama runner the target does not have. Unknown options are dropped, as Ollama drops them.</li>
     *   <li>Dropped as harmless: {@code keep_alive} (there is no Ollama model to keep loaded), {@code think} (a
     *       reasoning model of the target reasons or not on its own terms; its reasoning comes back as
     *       {@code thinking} either way, which clients that did not ask for it ignore), {@code truncate},
     *       {@code shift} and {@code top_logprobs}.</li>
     *   <li>Refused with a 400 naming the field, since no other dialect can be asked for them: {@code format}
     *       ({@code "json"} or a schema; empty is fine), {@code logprobs: true}, {@code _debug_render_only: true}, and
     *       an empty or missing {@code messages}, which only loads a model on an Ollama server.</li>
     * </ul>
     * Refusals name the field path in the message and as the parameter:
     * {@code messages[1].images[0]: not a PNG, JPEG, GIF or WebP image}.
     */
    public static ChatRequest parseChatRequest(byte[] body) throws BadRequestException {
        return RequestParser.chat(body);
    }

    /**
     * An Ollama client's {@code POST /api/generate} body in the neutral model: {@code system} becomes a system message,
     * {@code prompt} and {@code images} one user message. Options, {@code stream} (true when absent) and the dropped
     * and refused fields are as in {@link #parseChatRequest}. Also refused: {@code raw: true} (a prompt already in the
     * model's template), a non-empty {@code suffix} (fill-in-the-middle), a non-empty {@code context} (token ids of the
     * Ollama model) and a non-empty {@code template}; and an empty prompt without images, which only loads a model.
     */
    public static ChatRequest parseGenerateRequest(byte[] body) throws BadRequestException {
        return RequestParser.generate(body);
    }

    // ------------------------------------------------------------------ requests to Ollama backends

    /**
     * The {@code POST /api/chat} body for an Ollama backend. Text parts are joined with a line break into the
     * message's {@code content}, images go to {@code images} (an image URL is refused, except a base64 {@code data:}
     * URL, which is inline data); tool calls carry their id and their arguments as an object; a tool result carries
     * {@code tool_call_id} and {@code tool_name} (its own, or that of the earlier call with its id). {@code maxTokens}
     * is {@code options.num_predict}; {@code stream} is always written, since Ollama would stream without it.
     * Ollama has no {@code tool_choice}: {@code none} sends no tools, and {@code required} or a named tool are
     * refused, since Ollama cannot be made to call one.
     *
     * @param keepAlive {@code keep_alive} to send: a Go duration ({@code "5m"}) or a number of seconds
     *                  ({@code "300"}, {@code "-1"}), written as a number
     * @throws BadRequestException for what Ollama cannot take, naming the field of the neutral request
     */
    public static byte[] encodeChatRequest(ChatRequest r, Optional<String> keepAlive) throws BadRequestException {
        return encodeChatRequest(r, keepAlive, Map.of());
    }

    /**
     * As {@link #encodeChatRequest(ChatRequest, Optional)}, with the backend's own {@code options} ({@code num_ctx},
     * {@code num_gpu}...: numbers, booleans or strings) under the request's: what the request says wins for the
     * options it sets.
     */
    public static byte[] encodeChatRequest(ChatRequest r, Optional<String> keepAlive, Map<String, Object> backendOptions)
            throws BadRequestException {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("model", r.model());
        ArrayNode messages = root.putArray("messages");
        Map<String, String> callNames = new HashMap<>();
        for (int i = 0; i < r.messages().size(); i++) {
            messages.add(message(r.messages().get(i), "messages[" + i + "]", callNames));
        }
        ToolChoice.Mode choice = r.toolChoice().map(ToolChoice::mode).orElse(ToolChoice.Mode.AUTO);
        if (choice == ToolChoice.Mode.REQUIRED || choice == ToolChoice.Mode.NAMED) {
            throw refuse("tool_choice", "Ollama cannot be made to call a tool; only auto and none can be sent to it");
        }
        if (!r.tools().isEmpty() && choice != ToolChoice.Mode.NONE) {
            ArrayNode tools = root.putArray("tools");
            for (int i = 0; i < r.tools().size(); i++) {
                ToolSpec spec = r.tools().get(i);
                int at = i;
                ObjectNode function = tools.addObject().put("type", "function").putObject("function");
                function.put("name", spec.name());
                function.put("description", spec.description());
                function.set("parameters", object(spec.parametersJson())
                        .orElseThrow(() -> refuse("tools[" + at + "].function.parameters", "must be a JSON object")));
            }
        }
        root.put("stream", r.stream());
        if (!backendOptions.isEmpty() || r.maxTokens().isPresent() || r.temperature().isPresent() || r.topP().isPresent()
                || !r.stop().isEmpty()) {
            ObjectNode options = root.putObject("options");
            backendOptions.forEach((name, value) -> options.set(name, MAPPER.valueToTree(value)));
            r.maxTokens().ifPresent(n -> options.put("num_predict", n));
            r.temperature().ifPresent(t -> options.put("temperature", t));
            r.topP().ifPresent(p -> options.put("top_p", p));
            if (!r.stop().isEmpty()) {
                ArrayNode stop = options.putArray("stop");
                r.stop().forEach(stop::add);
            }
        }
        keepAlive.ifPresent(k -> {
            if (INTEGER.matcher(k).matches()) {
                root.put("keep_alive", Long.parseLong(k));
            } else {
                root.put("keep_alive", k);
            }
        });
        return Json.bytes(root);
    }

    private static ObjectNode message(Message m, String path, Map<String, String> callNames) throws BadRequestException {
        ObjectNode out = MAPPER.createObjectNode();
        out.put("role", m.role().name().toLowerCase(Locale.ROOT));
        StringBuilder text = new StringBuilder();
        ArrayNode images = MAPPER.createArrayNode();
        for (int j = 0; j < m.parts().size(); j++) {
            int at = j;
            switch (m.parts().get(j)) {
                case Part.Text t -> {
                    if (!text.isEmpty()) {
                        text.append('\n');
                    }
                    text.append(t.text());
                }
                case Part.ImageData d -> images.add(d.base64());
                case Part.ImageUrl u -> images.add(inlineData(u.url())
                        .orElseThrow(() -> refuse(path + ".content[" + at + "]",
                                "Ollama takes images only as base64 data, not by URL")));
            }
        }
        out.put("content", text.toString());
        if (!images.isEmpty()) {
            out.set("images", images);
        }
        if (!m.toolCalls().isEmpty()) {
            ArrayNode calls = out.putArray("tool_calls");
            for (int k = 0; k < m.toolCalls().size(); k++) {
                ToolCall call = m.toolCalls().get(k);
                int at = k;
                callNames.put(call.id(), call.name());
                ObjectNode c = calls.addObject();
                c.put("id", call.id());
                ObjectNode function = c.putObject("function");
                function.put("name", call.name());
                function.set("arguments", arguments(call.argumentsJson())
                        .orElseThrow(() -> refuse(path + ".tool_calls[" + at + "].function.arguments",
                                "must be a JSON object")));
            }
        }
        if (m.role() == Role.TOOL) {
            Optional<String> name = m.toolName().or(() -> m.toolCallId().map(callNames::get));
            name.ifPresent(n -> out.put("tool_name", n));
            m.toolCallId().ifPresent(id -> out.put("tool_call_id", id));
        }
        return out;
    }

    /** The base64 data of a {@code data:image/...;base64,} URL; empty for any other URL. */
    private static Optional<String> inlineData(String url) {
        Matcher m = DATA_URL.matcher(url);
        return m.matches() && Images.isBase64(m.group(2)) ? Optional.of(m.group(2)) : Optional.empty();
    }

    // ------------------------------------------------------------------ answers from Ollama backends

    /**
     * A non-streamed {@code /api/chat} answer from an Ollama backend: {@code message.content} is the text,
     * {@code message.thinking} the reasoning, {@code message.tool_calls} the calls (with their id, or a generated
     * one); {@code done_reason} is mapped as {@link OllamaStreamDecoder} maps it ({@code stop} after tool calls is
     * {@code tool_calls}; {@code load}, {@code unload} and none are {@code stop}); {@code prompt_eval_count} and
     * {@code eval_count} are the usage. Ollama answers have no id, so one is generated.
     *
     * @throws MalformedResponseException when the body is not a complete answer ({@code done} true) or is an error
     */
    public static ChatResponse parseChatResponse(byte[] body) throws MalformedResponseException {
        JsonNode n = readObject(body, "response body");
        Optional<String> error = errorOf(n);
        if (error.isPresent()) {
            throw new MalformedResponseException("the backend answered with an error: " + error.get());
        }
        if (!n.path("done").asBoolean(false)) {
            throw new MalformedResponseException("the response is not a complete answer (done is not true)");
        }
        JsonNode message = n.get("message");
        if (message == null || !message.isObject()) {
            throw new MalformedResponseException("the response has no message");
        }
        List<ToolCall> calls = new ArrayList<>();
        for (JsonNode call : message.path("tool_calls")) {
            calls.add(toolCall(call));
        }
        String doneReason = n.path("done_reason").isTextual() ? n.get("done_reason").asText() : null;
        return new ChatResponse(Ids.ollamaResponse(), n.path("model").asText(""), message.path("content").asText(""),
                message.path("thinking").asText(""), calls, DoneReason.toNeutral(doneReason, !calls.isEmpty()), usage(n));
    }

    /** A tool call as Ollama writes it: {@code {"id", "function": {"index", "name", "arguments": {...}}}}. */
    static ToolCall toolCall(JsonNode call) throws MalformedResponseException {
        JsonNode function = call.path("function");
        String name = function.path("name").asText("");
        if (name.isEmpty()) {
            throw new MalformedResponseException("a tool call has no function name");
        }
        JsonNode args = function.get("arguments");
        String id = call.path("id").asText("");
        return new ToolCall(id.isEmpty() ? Ids.toolCall() : id, name, args == null || !args.isObject() ? "{}" : Json.text(args));
    }

    /** Usage from an answer's counts; empty when it has neither (Ollama leaves zero counts out). */
    static Optional<StreamEvent.Usage> usage(JsonNode n) {
        JsonNode prompt = n.get("prompt_eval_count");
        JsonNode eval = n.get("eval_count");
        if ((prompt == null || !prompt.isNumber()) && (eval == null || !eval.isNumber())) {
            return Optional.empty();
        }
        return Optional.of(new StreamEvent.Usage(prompt == null ? 0 : prompt.asLong(0), eval == null ? 0 : eval.asLong(0)));
    }

    /**
     * The message of an Ollama error body, {@code {"error":"..."}} (the message of an object {@code error} too, as
     * proxies write it); empty when the body is not one.
     */
    public static Optional<String> errorMessage(byte[] body) {
        try {
            return errorOf(readObject(body, "error body"));
        } catch (MalformedResponseException e) {
            return Optional.empty();
        }
    }

    static Optional<String> errorOf(JsonNode n) {
        JsonNode e = n.get("error");
        if (e == null || e.isNull()) {
            return Optional.empty();
        }
        return Optional.of(e.isTextual() ? e.asText() : e.path("message").asText(e.toString()));
    }

    // ------------------------------------------------------------------ answers to Ollama clients

    /**
     * A complete answer as Ollama's non-streamed {@code /api/chat} writes it: {@code model}, {@code created_at},
     * {@code message} ({@code role}, {@code content}, {@code thinking} when there is reasoning, {@code tool_calls}
     * with {@code id}, {@code index}, {@code name} and the arguments as an object), {@code done_reason}
     * ({@code tool_calls} is {@code stop} in Ollama's words), {@code done: true}, then the durations and counts,
     * each left out when zero as Ollama leaves it out. Tool call arguments that are not a JSON object (a model that
     * wrote broken JSON) are sent as an empty object: Ollama's clients cannot represent anything else.
     */
    public static byte[] encodeChatResponse(ChatResponse r, String model, Timing t) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("model", model);
        root.put("created_at", Timing.rfc3339(t.createdAt()));
        ObjectNode message = root.putObject("message");
        message.put("role", "assistant");
        message.put("content", r.text());
        if (!r.reasoning().isEmpty()) {
            message.put("thinking", r.reasoning());
        }
        if (!r.toolCalls().isEmpty()) {
            ArrayNode calls = message.putArray("tool_calls");
            for (int i = 0; i < r.toolCalls().size(); i++) {
                ToolCall c = r.toolCalls().get(i);
                calls.add(toolCallNode(i, c.id(), c.name(), c.argumentsJson()));
            }
        }
        root.put("done_reason", DoneReason.toOllama(r.finishReason()));
        root.put("done", true);
        metrics(root, t, r.usage());
        return Json.bytes(root);
    }

    /**
     * A complete answer as Ollama's non-streamed {@code /api/generate} writes it: like {@link #encodeChatResponse}
     * with {@code response} (and {@code thinking}) in place of {@code message}, and without {@code context}, which
     * would be token ids of a model the answer did not come from. A generate request has no tools, so its answer has
     * no tool calls.
     */
    public static byte[] encodeGenerateResponse(ChatResponse r, String model, Timing t) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("model", model);
        root.put("created_at", Timing.rfc3339(t.createdAt()));
        root.put("response", r.text());
        if (!r.reasoning().isEmpty()) {
            root.put("thinking", r.reasoning());
        }
        root.put("done", true);
        root.put("done_reason", DoneReason.toOllama(r.finishReason()));
        metrics(root, t, r.usage());
        return Json.bytes(root);
    }

    static ObjectNode toolCallNode(int index, String id, String name, String argumentsJson) {
        ObjectNode call = MAPPER.createObjectNode();
        call.put("id", id);
        ObjectNode function = call.putObject("function");
        function.put("index", index);
        function.put("name", name);
        function.set("arguments", arguments(argumentsJson).orElseGet(MAPPER::createObjectNode));
        return call;
    }

    /** The durations and counts an answer ends with, in Ollama's order, zeros left out. */
    static void metrics(ObjectNode root, Timing t, Optional<StreamEvent.Usage> usage) {
        long prompt = usage.map(StreamEvent.Usage::promptTokens).orElse(0L);
        long eval = usage.map(StreamEvent.Usage::completionTokens).orElse(0L);
        putPositive(root, "total_duration", t.totalNanos());
        putPositive(root, "load_duration", t.loadNanos());
        putPositive(root, "prompt_eval_count", prompt);
        putPositive(root, "prompt_eval_duration", t.promptEvalNanos());
        putPositive(root, "eval_count", eval);
        putPositive(root, "eval_duration", t.evalNanos());
    }

    private static void putPositive(ObjectNode n, String field, long value) {
        if (value > 0) {
            n.put(field, value);
        }
    }

    // ------------------------------------------------------------------ what the gateway itself says

    /** An error body as Ollama writes one: {@code {"error":"..."}}. */
    public static byte[] errorBody(String message) {
        return Json.bytes(MAPPER.createObjectNode().put("error", message));
    }

    /** The {@code GET /api/tags} answer listing these models. */
    public static byte[] tags(List<ModelEntry> models) {
        ObjectNode root = MAPPER.createObjectNode();
        ArrayNode list = root.putArray("models");
        for (ModelEntry m : models) {
            ObjectNode entry = list.addObject();
            entry.put("name", m.name());
            entry.put("model", m.name());
            entry.put("modified_at", Timing.rfc3339(m.modifiedAt()));
            entry.put("size", m.size());
            entry.put("digest", m.digest());
            ModelEntry.Details d = m.details();
            ObjectNode details = entry.putObject("details");
            details.put("parent_model", d.parentModel());
            details.put("format", d.format());
            details.put("family", d.family());
            if (d.families().isEmpty()) {
                details.putNull("families");
            } else {
                ArrayNode families = details.putArray("families");
                d.families().forEach(families::add);
            }
            details.put("parameter_size", d.parameterSize());
            details.put("quantization_level", d.quantizationLevel());
        }
        return Json.bytes(root);
    }

    /** The {@code GET /api/version} answer. */
    public static byte[] version(String version) {
        return Json.bytes(MAPPER.createObjectNode().put("version", version));
    }

    // ------------------------------------------------------------------ embeddings

    /**
     * An {@code /api/embed} request in the terms every dialect shares.
     *
     * @param model      the model
     * @param input      the texts, in order (Ollama takes one string or an array)
     * @param truncate   whether an input longer than the context is cut (Ollama's default) or refused
     * @param dimensions the size of the vectors, for models that can shorten them
     */
    public record EmbedRequest(String model, List<String> input, boolean truncate, OptionalInt dimensions) {
        public EmbedRequest {
            Objects.requireNonNull(model, "model");
            input = List.copyOf(input);
            Objects.requireNonNull(dimensions, "dimensions");
        }
    }

    /**
     * An Ollama client's {@code POST /api/embed} body. {@code input} is a string or an array of strings, and must not
     * be empty (an empty input only loads the model); {@code truncate} is true when absent; {@code dimensions} is
     * carried when above zero. {@code keep_alive} and {@code options} are dropped, as for chat.
     */
    public static EmbedRequest parseEmbedRequest(byte[] body) throws BadRequestException {
        JsonNode node;
        try {
            node = body.length == 0 ? null : MAPPER.readTree(body);
        } catch (IOException e) {
            throw new BadRequestException("the request body is not valid JSON", Optional.empty());
        }
        if (node == null || !node.isObject()) {
            throw new BadRequestException(body.length == 0 ? "missing request body" : "the request body must be a JSON object",
                    Optional.empty());
        }
        Map<String, JsonNode> top = Json.fields(node);
        JsonNode model = top.get("model");
        if (absent(model) || !model.isTextual() || model.asText().isEmpty()) {
            throw refuse("model", "is required");
        }
        JsonNode in = top.get("input");
        List<String> input = new ArrayList<>();
        if (!absent(in) && in.isTextual()) {
            input.add(in.asText());
        } else if (!absent(in) && in.isArray()) {
            for (int i = 0; i < in.size(); i++) {
                if (!in.get(i).isTextual()) {
                    throw refuse("input[" + i + "]", "must be a string");
                }
                input.add(in.get(i).asText());
            }
        } else if (!absent(in)) {
            throw refuse("input", "must be a string or an array of strings");
        }
        if (input.isEmpty() || (input.size() == 1 && input.getFirst().isEmpty())) {
            throw refuse("input", "is empty: an empty input only loads the model on an Ollama server");
        }
        JsonNode truncate = top.get("truncate");
        if (!absent(truncate) && !truncate.isBoolean()) {
            throw refuse("truncate", "must be true or false");
        }
        JsonNode dims = top.get("dimensions");
        if (!absent(dims) && !dims.isIntegralNumber()) {
            throw refuse("dimensions", "must be a whole number");
        }
        OptionalInt dimensions = !absent(dims) && dims.asInt() > 0 ? OptionalInt.of(dims.asInt()) : OptionalInt.empty();
        return new EmbedRequest(model.asText(), input, absent(truncate) || truncate.asBoolean(), dimensions);
    }

    /** The {@code POST /api/embed} body for an Ollama backend: {@code truncate} only when false (Ollama's default is true). */
    public static byte[] encodeEmbedRequest(EmbedRequest r) {
        return encodeEmbedRequest(r, Optional.empty(), Map.of());
    }

    /** As {@link #encodeEmbedRequest(EmbedRequest)}, with the backend's {@code keep_alive} and {@code options}. */
    public static byte[] encodeEmbedRequest(EmbedRequest r, Optional<String> keepAlive, Map<String, Object> backendOptions) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("model", r.model());
        ArrayNode input = root.putArray("input");
        r.input().forEach(input::add);
        if (!r.truncate()) {
            root.put("truncate", false);
        }
        r.dimensions().ifPresent(d -> root.put("dimensions", d));
        if (!backendOptions.isEmpty()) {
            ObjectNode options = root.putObject("options");
            backendOptions.forEach((name, value) -> options.set(name, MAPPER.valueToTree(value)));
        }
        keepAlive.ifPresent(k -> {
            if (INTEGER.matcher(k).matches()) {
                root.put("keep_alive", Long.parseLong(k));
            } else {
                root.put("keep_alive", k);
            }
        });
        return Json.bytes(root);
    }

    /** An Ollama backend's {@code /api/embed} answer. */
    public static Embeddings.Response parseEmbedResponse(byte[] body) throws MalformedResponseException {
        JsonNode n = readObject(body, "response body");
        Optional<String> error = errorOf(n);
        if (error.isPresent()) {
            throw new MalformedResponseException("the backend answered with an error: " + error.get());
        }
        JsonNode list = n.get("embeddings");
        if (list == null || !list.isArray()) {
            throw new MalformedResponseException("the response has no embeddings array");
        }
        List<float[]> embeddings = new ArrayList<>(list.size());
        for (JsonNode vector : list) {
            if (!vector.isArray()) {
                throw new MalformedResponseException("an embedding is not an array of numbers");
            }
            float[] v = new float[vector.size()];
            for (int i = 0; i < v.length; i++) {
                if (!vector.get(i).isNumber()) {
                    throw new MalformedResponseException("an embedding is not an array of numbers");
                }
                v[i] = vector.get(i).floatValue();
            }
            embeddings.add(v);
        }
        return new Embeddings.Response(n.path("model").asText(""), embeddings, n.path("prompt_eval_count").asLong(0));
    }

    /**
     * The {@code /api/embed} answer to an Ollama client: {@code model}, {@code embeddings} (32-bit floats, as Ollama
     * has them), then {@code total_duration}, {@code load_duration} and {@code prompt_eval_count}, each left out when
     * zero. {@code t.createdAt} is not used: embed answers have no {@code created_at}.
     */
    public static byte[] encodeEmbedResponse(Embeddings.Response r, Timing t) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("model", r.model());
        ArrayNode list = root.putArray("embeddings");
        for (float[] vector : r.vectors()) {
            ArrayNode v = list.addArray();
            for (float x : vector) {
                v.add(x);
            }
        }
        putPositive(root, "total_duration", t.totalNanos());
        putPositive(root, "load_duration", t.loadNanos());
        putPositive(root, "prompt_eval_count", r.promptTokens());
        return Json.bytes(root);
    }

    // ------------------------------------------------------------------ helpers

    private static JsonNode readObject(byte[] body, String what) throws MalformedResponseException {
        JsonNode n;
        try {
            n = MAPPER.readTree(body);
        } catch (IOException e) {
            throw new MalformedResponseException("the " + what + " is not valid JSON");
        }
        if (n == null || !n.isObject()) {
            throw new MalformedResponseException("the " + what + " is not a JSON object");
        }
        return n;
    }

    /** Tool arguments as the object Ollama wants; empty (blank text) is an empty object, anything but an object none. */
    static Optional<JsonNode> arguments(String json) {
        return json.isBlank() ? Optional.of(MAPPER.createObjectNode()) : object(json);
    }

    private static Optional<JsonNode> object(String json) {
        try {
            JsonNode n = MAPPER.readTree(json);
            return n != null && n.isObject() ? Optional.of(n) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
