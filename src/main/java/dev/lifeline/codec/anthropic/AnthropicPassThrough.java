package dev.lifeline.codec.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lifeline.codec.BadRequestException;
import dev.lifeline.config.TargetConfig.SystemPromptMode;

import java.io.IOException;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * An Anthropic client's request on its way to a Claude target: read only as far as routing needs (model, stream),
 * and forwarded with the smallest edit (the target's model name, system prompt and continuation prefill); every
 * other field, {@code cache_control} and {@code thinking} included, goes through as the client wrote it.
 */
public final class AnthropicPassThrough {
    private static final Pattern MODEL_NAME = Pattern.compile("[\\x21-\\x7e]{1,256}");

    private AnthropicPassThrough() {
    }

    /** A parsed request: the raw bytes stay the source of truth. */
    public record Request(byte[] raw, ObjectNode json, String model, boolean stream) {
    }

    public static Request parse(byte[] body) throws BadRequestException {
        JsonNode root;
        try {
            root = AnthropicCodec.JSON.readTree(body);
        } catch (IOException e) {
            throw new BadRequestException("the request body is not valid JSON", Optional.empty());
        }
        if (!(root instanceof ObjectNode json)) {
            throw new BadRequestException("the request body must be a JSON object", Optional.empty());
        }
        JsonNode model = json.get("model");
        if (model == null || !model.isTextual() || !MODEL_NAME.matcher(model.asText()).matches()) {
            throw new BadRequestException("model: " + (model == null ? "missing" : model.toString())
                    + " (expected: a model name, at most 256 printable characters)", Optional.of("model"));
        }
        JsonNode messages = json.get("messages");
        if (messages == null || !messages.isArray()) {
            throw new BadRequestException("messages: " + (messages == null ? "missing" : "not an array")
                    + " (expected: an array of messages)", Optional.of("messages"));
        }
        JsonNode stream = json.get("stream");
        if (stream != null && !stream.isNull() && !stream.isBoolean()) {
            throw new BadRequestException("stream: " + stream + " (expected: true or false)", Optional.of("stream"));
        }
        return new Request(body, json, model.asText(), stream != null && stream.asBoolean(false));
    }

    /**
     * The body for a Claude target: its model, its system prompt and a prefill when there are any, and
     * {@code max_tokens} no larger than {@code maxTokensCap} ({@code limits.max_tokens}).
     */
    public static byte[] forTarget(Request req, String model, Optional<String> systemPrompt, SystemPromptMode mode,
                                   Optional<String> prefill, OptionalInt maxTokensCap) {
        JsonNode asked = req.json().get("max_tokens");
        boolean clamp = maxTokensCap.isPresent() && asked != null && asked.canConvertToLong()
                && asked.asLong() > maxTokensCap.getAsInt();
        if (systemPrompt.isEmpty() && prefill.isEmpty() && !clamp && model.equals(req.model())) {
            return req.raw();
        }
        ObjectNode copy = req.json().deepCopy();
        copy.put("model", model);
        if (clamp) {
            copy.put("max_tokens", maxTokensCap.getAsInt());
        }
        systemPrompt.ifPresent(p -> {
            JsonNode existing = copy.get("system");
            if (mode == SystemPromptMode.REPLACE || existing == null || existing.isNull()
                    || (existing.isTextual() && existing.asText().isEmpty())) {
                copy.put("system", p);
            } else if (existing.isTextual()) {
                copy.put("system", p + "\n\n" + existing.asText());
            } else if (existing instanceof ArrayNode blocks) {
                blocks.insertObject(0).put("type", "text").put("text", p);
            }
        });
        prefill.ifPresent(p -> {
            JsonNode messages = copy.get("messages");
            if (messages instanceof ArrayNode list) {
                // Claude refuses a final assistant turn that ends in white space
                list.addObject().put("role", "assistant").put("content", p.stripTrailing());
            }
        });
        try {
            return AnthropicCodec.JSON.writeValueAsBytes(copy);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
