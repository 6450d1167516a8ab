package dev.lifeline.codec.openai;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import dev.lifeline.chat.ChatRequest;
import dev.lifeline.chat.ChatResponse;
import dev.lifeline.chat.FinishReason;
import dev.lifeline.chat.Message;
import dev.lifeline.chat.Part;
import dev.lifeline.chat.Role;
import dev.lifeline.chat.StreamEvent;
import dev.lifeline.chat.ToolCall;
import dev.lifeline.chat.ToolSpec;
import dev.lifeline.codec.BadRequestException;
import dev.lifeline.codec.Ids;
import dev.lifeline.codec.openai.OpenAiCodec.MalformedChunkException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;

/**
 * The OpenAI chat completions dialect translated to and from the neutral model of {@code dev.lifeline.chat}. Only
 * cross-dialect routes use this: an OpenAI client whose target speaks another dialect, or another dialect's client
 * whose target speaks OpenAI. When client and target both speak OpenAI, the client's bytes pass through
 * ({@link OpenAiCodec#forTarget}) and nothing here runs. Streams are written by {@link OpenAiStreamEncoder} and read
 * by {@link OpenAiCodec#decodeChunk}. Pure functions.
 */
public final class OpenAiTranslation {
    private static final ObjectMapper JSON = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
                    .build())
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS) // numbers in schemas and arguments kept exactly
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .build();

    private OpenAiTranslation() {
    }

    // ------------------------------------------------------------------ requests

    /**
     * An OpenAI client's {@code /v1/chat/completions} body in the neutral model, for a target of another dialect.
     * Same-dialect requests never come here: they pass through as bytes.
     *
     * <p>What is read: {@code model}; {@code messages} ({@code system} and {@code developer} become
     * {@link Role#SYSTEM}; text and {@code image_url} parts, a {@code data:} URL becoming inline image data; assistant
     * {@code tool_calls}, whose {@code arguments} text is kept as sent even when it is not valid JSON; {@code tool}
     * results, named after the earlier call with their {@code tool_call_id}); {@code tools} (functions; no
     * {@code parameters} means an object without properties); {@code tool_choice}; {@code max_completion_tokens},
     * else {@code max_tokens}; {@code temperature}; {@code top_p}; {@code stop} (a string or an array); {@code stream}.
     *
     * <p>Refused with a 400 naming the field, since another dialect's model could not honour them: {@code n} other
     * than 1; {@code logprobs} and {@code top_logprobs}; a {@code response_format} other than {@code text}; the legacy
     * {@code functions} and {@code function_call}; {@code audio}, {@code modalities} other than text;
     * {@code prediction}; {@code web_search_options}; audio and file content parts; tool types other than functions.
     *
     * <p>Ignored, as hints, bookkeeping or token ids that do not change what the answer is: {@code user},
     * {@code safety_identifier}, {@code prompt_cache_key}, {@code metadata}, {@code store}, {@code service_tier},
     * {@code seed}, {@code stream_options} (the client's wish for a usage chunk is {@link OpenAiCodec#asksForUsage},
     * honoured by {@link OpenAiStreamEncoder}), {@code parallel_tool_calls}, {@code frequency_penalty},
     * {@code presence_penalty}, {@code logit_bias} (token ids of another tokenizer), {@code reasoning_effort},
     * {@code verbosity}, a tool's {@code strict}, an image's {@code detail}, a message's {@code name}, and fields
     * OpenAI does not define (servers' own extensions).
     */
    public static ChatRequest toNeutral(byte[] body) throws BadRequestException {
        return toNeutral(OpenAiCodec.parseRequest(body));
    }

    /** As {@link #toNeutral(byte[])}, for a request the front door has already parsed. */
    public static ChatRequest toNeutral(OpenAiCodec.Request request) throws BadRequestException {
        return RequestReader.read(JSON, request);
    }

    /** Which field carries the answer's length limit in a request to an OpenAI-dialect target. */
    public enum TokenLimitField {
        /** {@code max_tokens}: what Ollama, llama.cpp, LM Studio and vLLM read. */
        MAX_TOKENS,
        /** {@code max_completion_tokens}: what OpenAI's reasoning models require (they refuse {@code max_tokens}). */
        MAX_COMPLETION_TOKENS
    }

    /**
     * A neutral request as the body for an OpenAI-dialect target, with the length limit as {@code max_tokens}: the
     * field every OpenAI-compatible local server knows (Ollama reads no other). For OpenAI's own reasoning models use
     * {@link #encodeRequest(ChatRequest, boolean, TokenLimitField)}.
     *
     * @param askForUsage when streaming, ask for the usage chunk ({@code stream_options.include_usage})
     */
    public static byte[] encodeRequest(ChatRequest r, boolean askForUsage) {
        return encodeRequest(r, askForUsage, TokenLimitField.MAX_TOKENS);
    }

    /**
     * A neutral request as the body for an OpenAI-dialect target. A message whose content is one text part gets a
     * string, others an array of parts; a tool result without a call id (from a dialect that matches results by name)
     * gets the id of the earliest unanswered call of that name in the assistant turn before it.
     */
    public static byte[] encodeRequest(ChatRequest r, boolean askForUsage, TokenLimitField limitField) {
        ObjectNode root = JSON.createObjectNode();
        root.put("model", r.model());
        messages(root.putArray("messages"), r.messages());
        // OpenAI refuses a tool_choice without tools; without tools there is nothing to choose anyway
        if (!r.tools().isEmpty()) {
            tools(root.putArray("tools"), r.tools());
            r.toolChoice().ifPresent(c -> {
                switch (c.mode()) {
                    case AUTO -> root.put("tool_choice", "auto");
                    case NONE -> root.put("tool_choice", "none");
                    case REQUIRED -> root.put("tool_choice", "required");
                    case NAMED -> root.putObject("tool_choice").put("type", "function")
                            .putObject("function").put("name", c.name().orElseThrow());
                }
            });
        }
        r.maxTokens().ifPresent(n -> root.put(limitField == TokenLimitField.MAX_TOKENS ? "max_tokens" : "max_completion_tokens", n));
        r.temperature().ifPresent(t -> root.put("temperature", t));
        r.topP().ifPresent(p -> root.put("top_p", p));
        if (!r.stop().isEmpty()) {
            ArrayNode stop = root.putArray("stop");
            r.stop().forEach(stop::add);
        }
        root.put("stream", r.stream());
        if (r.stream() && askForUsage) {
            root.putObject("stream_options").put("include_usage", true);
        }
        return write(root);
    }

    private static void messages(ArrayNode out, List<Message> messages) {
        List<ToolCall> unanswered = new ArrayList<>();
        for (Message m : messages) {
            ObjectNode message = out.addObject();
            switch (m.role()) {
                case SYSTEM -> content(message.put("role", "system"), m.parts(), "");
                case USER -> content(message.put("role", "user"), m.parts(), "");
                case ASSISTANT -> {
                    content(message.put("role", "assistant"), m.parts(), m.toolCalls().isEmpty() ? "" : null);
                    if (!m.toolCalls().isEmpty()) {
                        toolCalls(message.putArray("tool_calls"), m.toolCalls());
                    }
                    unanswered = new ArrayList<>(m.toolCalls());
                }
                case TOOL -> {
                    message.put("role", "tool");
                    callId(m, unanswered).ifPresent(id -> message.put("tool_call_id", id));
                    content(message, m.parts(), "");
                }
            }
        }
    }

    private static void tools(ArrayNode out, List<ToolSpec> tools) {
        for (ToolSpec t : tools) {
            ObjectNode f = out.addObject().put("type", "function").putObject("function").put("name", t.name());
            if (!t.description().isEmpty()) {
                f.put("description", t.description());
            }
            f.putRawValue("parameters", new RawValue(t.parametersJson())); // JSON text, carried as it is
        }
    }

    /** {@code tool_calls} of a request's assistant turn or of an answer: the same shape in both. */
    private static void toolCalls(ArrayNode out, List<ToolCall> calls) {
        for (ToolCall c : calls) {
            ObjectNode call = out.addObject().put("id", c.id()).put("type", "function");
            call.putObject("function").put("name", c.name()).put("arguments", c.argumentsJson());
        }
    }

    /**
     * Writes {@code content}: one text part as a string, several parts as an array, no part as {@code empty} (JSON
     * null for an assistant turn that only calls tools, as OpenAI writes it; an empty string otherwise).
     */
    private static void content(ObjectNode out, List<Part> parts, String empty) {
        if (parts.isEmpty()) {
            out.put("content", empty);
        } else if (parts.size() == 1 && parts.getFirst() instanceof Part.Text t) {
            out.put("content", t.text());
        } else {
            ArrayNode array = out.putArray("content");
            for (Part p : parts) {
                switch (p) {
                    case Part.Text t -> array.addObject().put("type", "text").put("text", t.text());
                    case Part.ImageData d -> array.addObject().put("type", "image_url").putObject("image_url")
                            .put("url", "data:" + d.mediaType() + ";base64," + d.base64());
                    case Part.ImageUrl u -> array.addObject().put("type", "image_url").putObject("image_url")
                            .put("url", u.url());
                }
            }
        }
    }

    /** The call a tool result answers: its own id, or the earliest unanswered call with its name (or any, unnamed). */
    private static Optional<String> callId(Message m, List<ToolCall> unanswered) {
        for (Iterator<ToolCall> it = unanswered.iterator(); it.hasNext(); ) {
            ToolCall c = it.next();
            boolean answers = m.toolCallId().isPresent()
                    ? c.id().equals(m.toolCallId().get())
                    : m.toolName().map(c.name()::equals).orElse(true);
            if (answers) {
                it.remove();
                return Optional.of(c.id());
            }
        }
        return m.toolCallId();
    }

    // ------------------------------------------------------------------ responses

    /**
     * A {@code chat.completion} body from an OpenAI-dialect target, for a client of another dialect. Reads the first
     * choice: its text ({@code content}, and a {@code refusal}, which is what the model said), its reasoning
     * ({@code reasoning_content}, else {@code reasoning}, as DeepSeek, vLLM and Ollama send it), its tool calls and
     * finish reason, and the usage. Missing ids of the answer and of its tool calls (some local servers leave them
     * out) are generated; a missing finish reason is
     * {@code tool_calls} when the model called tools, else {@code stop}.
     *
     * @throws MalformedChunkException when the body is not a completion (not JSON, an error object, no choice)
     */
    public static ChatResponse parseResponse(byte[] body) throws MalformedChunkException {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw new MalformedChunkException("the response body is not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw new MalformedChunkException("the response body is not a JSON object");
        }
        if (root.hasNonNull("error")) {
            throw new MalformedChunkException("the response body is an error");
        }
        JsonNode choice = root.path("choices").path(0);
        JsonNode message = choice.path("message");
        if (!message.isObject()) {
            throw new MalformedChunkException("the response has no choice with a message");
        }
        String text = text(message.get("content")) + text(message.get("refusal"));
        String reasoning = message.path("reasoning_content").isTextual()
                ? message.get("reasoning_content").asText() : text(message.get("reasoning"));
        List<ToolCall> calls = new ArrayList<>();
        for (JsonNode call : message.path("tool_calls")) {
            JsonNode function = call.path("function");
            JsonNode args = function.get("arguments");
            String arguments = args == null || args.isNull() ? "{}" : args.isTextual() ? args.asText() : args.toString();
            String id = call.path("id").asText("");
            calls.add(new ToolCall(id.isEmpty() ? Ids.toolCall() : id, function.path("name").asText(""), arguments));
        }
        JsonNode finish = choice.get("finish_reason");
        String finishReason = finish != null && finish.isTextual() ? finish.asText()
                : calls.isEmpty() ? FinishReason.STOP : FinishReason.TOOL_CALLS;
        JsonNode u = root.get("usage");
        Optional<StreamEvent.Usage> usage = u != null && u.isObject()
                ? Optional.of(new StreamEvent.Usage(u.path("prompt_tokens").asLong(0), u.path("completion_tokens").asLong(0)))
                : Optional.empty();
        String id = root.path("id").asText("");
        return new ChatResponse(id.isEmpty() ? Ids.chatCompletion() : id, root.path("model").asText(""), text,
                reasoning, calls, finishReason, usage);
    }

    /**
     * A neutral answer as a {@code chat.completion} body for an OpenAI client: one choice whose message has the text
     * ({@code null} when the model only called tools, as OpenAI writes it), the tool calls and, when there is any,
     * the reasoning as {@code reasoning_content}; the usage when known.
     */
    public static byte[] encodeResponse(ChatResponse r, long createdEpochSeconds) {
        ObjectNode root = JSON.createObjectNode();
        root.put("id", r.id()).put("object", "chat.completion").put("created", createdEpochSeconds).put("model", r.model());
        ObjectNode choice = root.putArray("choices").addObject().put("index", 0);
        ObjectNode message = choice.putObject("message").put("role", "assistant");
        if (r.text().isEmpty() && !r.toolCalls().isEmpty()) {
            message.putNull("content");
        } else {
            message.put("content", r.text());
        }
        message.putNull("refusal");
        if (!r.reasoning().isEmpty()) {
            message.put("reasoning_content", r.reasoning());
        }
        if (!r.toolCalls().isEmpty()) {
            toolCalls(message.putArray("tool_calls"), r.toolCalls());
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", r.finishReason());
        r.usage().ifPresent(u -> root.putObject("usage")
                .put("prompt_tokens", u.promptTokens())
                .put("completion_tokens", u.completionTokens())
                .put("total_tokens", u.promptTokens() + u.completionTokens()));
        return write(root);
    }

    // ------------------------------------------------------------------ helpers

    /** A string, or the text parts of an array joined (Mistral sends content as parts); anything else is empty. */
    private static String text(JsonNode n) {
        if (n == null) {
            return "";
        }
        if (n.isTextual()) {
            return n.asText();
        }
        StringBuilder b = new StringBuilder();
        for (JsonNode part : n) {
            if (part.path("text").isTextual()) {
                b.append(part.get("text").asText());
            }
        }
        return b.toString();
    }


    private static byte[] write(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException("writing a JSON tree cannot fail", e);
        }
    }
}
