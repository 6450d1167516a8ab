package dev.lifeline.codec.anthropic;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lifeline.chat.ChatRequest;
import dev.lifeline.chat.ChatResponse;
import dev.lifeline.chat.FinishReason;
import dev.lifeline.chat.StreamEvent;
import dev.lifeline.chat.ToolCall;
import dev.lifeline.codec.BadRequestException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The Anthropic Messages dialect ({@code POST /v1/messages}), as pure functions over bytes.
 *
 * <p>A request from an Anthropic client to a Claude target passes through as the client's bytes and never comes here.
 * This codec is for translation: {@link #parseRequest} reads an Anthropic client's request into the neutral
 * {@link ChatRequest} when its target speaks another dialect, {@link #encodeRequest} writes a neutral request for a
 * Claude backend, {@link #parseResponse} and {@link AnthropicStreamDecoder} read Claude's answers, and
 * {@link #encodeResponse} and {@link AnthropicStreamEncoder} write answers for an Anthropic client. Its refusals
 * therefore only ever hit requests routed across dialects.
 *
 * <p>Where the dialects differ, the choices made (each documented on the method that makes it):
 * <ul>
 *   <li>Stop reasons: {@code end_turn}, {@code stop_sequence} and {@code pause_turn} are {@code stop};
 *       {@code max_tokens} and {@code model_context_window_exceeded} are {@code length}; {@code tool_use} is
 *       {@code tool_calls}; {@code refusal} is {@code content_filter}. Back the other way {@code stop} is
 *       {@code end_turn}, {@code length} {@code max_tokens}, {@code tool_calls} {@code tool_use},
 *       {@code content_filter} {@code refusal}. Anything else passes through as it came.</li>
 *   <li>Prompt tokens are Claude's {@code input_tokens} plus its cache reads and writes, which Claude counts apart
 *       but every other dialect counts as prompt.</li>
 * </ul>
 */
public final class AnthropicCodec {
    /** The {@code anthropic-version} header value every request to Claude carries. */
    public static final String API_VERSION = "2023-06-01";

    /** {@code max_tokens} for a Claude target when the request names none: Anthropic requires one, others do not. */
    public static final int DEFAULT_MAX_TOKENS = 4096;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
            .build();

    /**
     * Exact decimals, so that numbers inside tool schemas and arguments are carried over as they were written; text
     * after the JSON value is an error, not ignored.
     */
    static final ObjectMapper JSON = JsonMapper.builder(FACTORY)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS, DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .build();

    private static final Pattern ERROR_TYPE = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");

    private AnthropicCodec() {
    }

    // ------------------------------------------------------------------ requests

    /**
     * Reads an Anthropic client's request body into the neutral model, for a target that speaks another dialect.
     * Anything the neutral model cannot carry is refused with a {@link BadRequestException} whose message and
     * {@code param} name the field, e.g. {@code messages[2].content[0].type: "document" cannot be translated
     * (expected: text, image, tool_result)}. Same-dialect routes never call this, so they take every field Anthropic
     * does. See {@link RequestParser} for what is translated, ignored and refused.
     */
    public static ChatRequest parseRequest(byte[] body) throws BadRequestException {
        return RequestParser.parse(body);
    }

    /**
     * Writes a neutral request as a Messages request body for a Claude backend. System messages become the top-level
     * {@code system}, tool results user messages of {@code tool_result} blocks, consecutive messages of one role one
     * message, and a missing {@code max_tokens} {@value #DEFAULT_MAX_TOKENS}. See {@link RequestEncoder}.
     *
     * @throws BadRequestException for what Claude cannot take: an image in a system or assistant message, tool
     *                             arguments or a schema that are not a JSON object, a tool result that answers no call
     */
    public static byte[] encodeRequest(ChatRequest request) throws BadRequestException {
        return RequestEncoder.encode(request);
    }

    // ------------------------------------------------------------------ responses

    /**
     * Reads a non-streamed Messages response. Text blocks are joined into the text, thinking blocks into the
     * reasoning; {@code redacted_thinking} and blocks of server tools (which a translated request cannot ask for) are
     * left out. A response without {@code usage} has none; one without a stop reason stopped.
     *
     * @throws MalformedResponseException when the body is not a Messages response (an error body included)
     */
    public static ChatResponse parseResponse(byte[] body) throws MalformedResponseException {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw new MalformedResponseException("the response body is not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw new MalformedResponseException("the response body is not a JSON object");
        }
        String type = root.path("type").asText("");
        if (type.equals("error")) {
            JsonNode error = root.path("error");
            throw new MalformedResponseException("the response is an error: " + error.path("type").asText("error")
                    + ": " + error.path("message").asText(""));
        }
        if (!type.equals("message")) {
            throw new MalformedResponseException("the response is not a message (type: " + root.path("type") + ")");
        }
        JsonNode content = root.get("content");
        if (content == null || !content.isArray()) {
            throw new MalformedResponseException("the response has no content array");
        }
        StringBuilder text = new StringBuilder();
        StringBuilder reasoning = new StringBuilder();
        List<ToolCall> calls = new ArrayList<>();
        for (JsonNode block : content) {
            switch (block.path("type").asText("")) {
                case "text" -> text.append(block.path("text").asText(""));
                case "thinking" -> reasoning.append(block.path("thinking").asText(""));
                case "tool_use" -> calls.add(new ToolCall(block.path("id").asText(""), block.path("name").asText(""),
                        argumentsJson(block.get("input"))));
                default -> {
                    // redacted_thinking, server tool blocks, blocks of future API versions: nothing the neutral model holds
                }
            }
        }
        JsonNode stop = root.get("stop_reason");
        String finish = stop != null && stop.isTextual() ? finishReason(stop.asText()) : FinishReason.STOP;
        return new ChatResponse(root.path("id").asText(""), root.path("model").asText(""), text.toString(),
                reasoning.toString(), calls, finish, usage(root.get("usage"), 0));
    }

    /**
     * Writes a neutral answer as a non-streamed Messages response: thinking, text and tool_use blocks in that order,
     * the stop reason mapped back, {@code stop_sequence} null (the neutral model does not say which one matched).
     * Reasoning becomes a thinking block with an empty {@code signature}: it did not come from Claude, so there is no
     * signature to give. A response without usage reports zero tokens, since the field is required.
     */
    public static byte[] encodeResponse(ChatResponse response) {
        ObjectNode root = JSON.createObjectNode();
        root.put("id", response.id());
        root.put("type", "message");
        root.put("role", "assistant");
        root.put("model", response.model());
        ArrayNode content = root.putArray("content");
        if (!response.reasoning().isEmpty()) {
            content.addObject().put("type", "thinking").put("thinking", response.reasoning()).put("signature", "");
        }
        if (!response.text().isEmpty()) {
            content.addObject().put("type", "text").put("text", response.text());
        }
        for (ToolCall call : response.toolCalls()) {
            ObjectNode block = content.addObject().put("type", "tool_use").put("id", call.id()).put("name", call.name());
            block.set("input", toolInput(call.argumentsJson()));
        }
        root.put("stop_reason", stopReason(response.finishReason()));
        root.putNull("stop_sequence");
        StreamEvent.Usage usage = response.usage().orElse(new StreamEvent.Usage(0, 0));
        root.putObject("usage").put("input_tokens", usage.promptTokens()).put("output_tokens", usage.completionTokens());
        return bytes(root);
    }

    // ------------------------------------------------------------------ errors

    /**
     * An error body in Anthropic's shape: {@code {"type":"error","error":{"type":...,"message":...}}}.
     *
     * @param status  the HTTP status it goes with
     * @param message what went wrong, for the client
     * @param type    Anthropic's error type, or null for the one {@link #errorType(int) the status implies}
     */
    public static byte[] errorBody(int status, String message, String type) {
        ObjectNode root = JSON.createObjectNode();
        root.put("type", "error");
        root.putObject("error").put("type", type == null || type.isEmpty() ? errorType(status) : type).put("message", message);
        return bytes(root);
    }

    /** Anthropic's error type for an HTTP status ({@code overloaded_error} for 529 and 503). */
    public static String errorType(int status) {
        return switch (status) {
            case 400 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 402 -> "billing_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 409 -> "conflict_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 503, 529 -> "overloaded_error";
            case 504 -> "timeout_error";
            default -> status >= 400 && status < 500 ? "invalid_request_error" : "api_error";
        };
    }

    /**
     * The {@code error.type} of a Claude error body ({@code overloaded_error}, {@code rate_limit_error}...), for
     * classifying the failure; empty when the body is not one or the type is not a plain identifier (it ends up in
     * logs and headers, so free text is never taken).
     */
    public static Optional<String> errorType(byte[] errorBody) {
        try {
            JsonNode type = JSON.readTree(errorBody).path("error").path("type");
            return type.isTextual() && ERROR_TYPE.matcher(type.asText()).matches() ? Optional.of(type.asText()) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * An error event inside a stream, the way Claude reports a failure after its 200:
     * {@code event: error} with an error body as data.
     */
    public static byte[] streamError(String message, String type) {
        return AnthropicStreamEncoder.streamError(message, type);
    }

    // ------------------------------------------------------------------ shared by the package

    /** Claude's stop reason in the neutral vocabulary of {@link FinishReason}. */
    static String finishReason(String stopReason) {
        return switch (stopReason) {
            // pause_turn: a server tool's long turn paused. Only server tools cause it, and translation refuses them.
            case "end_turn", "stop_sequence", "pause_turn" -> FinishReason.STOP;
            case "max_tokens", "model_context_window_exceeded" -> FinishReason.LENGTH;
            case "tool_use" -> FinishReason.TOOL_CALLS;
            case "refusal" -> FinishReason.CONTENT_FILTER;
            default -> stopReason;
        };
    }

    /** A neutral finish reason as Claude's stop reason. */
    static String stopReason(String finishReason) {
        return switch (finishReason) {
            case FinishReason.STOP -> "end_turn";
            case FinishReason.LENGTH -> "max_tokens";
            case FinishReason.TOOL_CALLS, "function_call" -> "tool_use";
            case FinishReason.CONTENT_FILTER -> "refusal";
            default -> finishReason;
        };
    }

    /**
     * Token counts from a {@code usage} object. Prompt tokens are {@code input_tokens} plus cache writes and reads;
     * {@code fallbackPrompt} stands in when the object has no {@code input_tokens} (a stream's {@code message_delta}
     * may leave them to {@code message_start}). Empty without an {@code output_tokens} count.
     */
    static Optional<StreamEvent.Usage> usage(JsonNode usage, long fallbackPrompt) {
        if (usage == null || !usage.isObject() || !usage.path("output_tokens").isNumber()) {
            return Optional.empty();
        }
        long prompt = usage.path("input_tokens").isNumber() ? promptTokens(usage) : fallbackPrompt;
        return Optional.of(new StreamEvent.Usage(prompt, usage.path("output_tokens").asLong()));
    }

    /** All input tokens of a {@code usage} object: the uncached ones and the cache writes and reads. */
    static long promptTokens(JsonNode usage) {
        return usage.path("input_tokens").asLong(0) + usage.path("cache_creation_input_tokens").asLong(0)
                + usage.path("cache_read_input_tokens").asLong(0);
    }

    /** A tool_use block's {@code input} as JSON text; a block without one called the tool with no arguments. */
    static String argumentsJson(JsonNode input) {
        return input == null || input.isNull() ? "{}" : input.toString();
    }

    /**
     * Arguments' JSON text as a tool_use {@code input} object. Text that is not a JSON object (a model may stream a
     * broken one) is kept under {@code "arguments"} rather than lost; callers that must refuse it use
     * {@link #parseObject}.
     */
    static JsonNode toolInput(String argumentsJson) {
        Optional<ObjectNode> parsed = parseObject(argumentsJson);
        return parsed.isPresent() ? parsed.get() : JSON.createObjectNode().put("arguments", argumentsJson);
    }

    /** JSON text as an object: blank text is the empty object; anything else that is not an object is empty. */
    static Optional<ObjectNode> parseObject(String json) {
        if (json.isBlank()) {
            return Optional.of(JSON.createObjectNode());
        }
        try {
            return JSON.readTree(json) instanceof ObjectNode o ? Optional.of(o) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    static byte[] bytes(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException("writing a JSON tree cannot fail", e);
        }
    }
}
