package dev.lifeline.server;

import dev.lifeline.chat.ChatRequest;
import dev.lifeline.chat.ChatResponse;
import dev.lifeline.chat.Message;
import dev.lifeline.chat.Role;
import dev.lifeline.codec.BadRequestException;
import dev.lifeline.codec.anthropic.AnthropicCodec;
import dev.lifeline.codec.ollama.OllamaCodec;
import dev.lifeline.codec.openai.OpenAiCodec;
import dev.lifeline.codec.openai.OpenAiTranslation;
import dev.lifeline.config.BackendConfig.Dialect;
import dev.lifeline.config.TargetConfig.SystemPromptMode;
import dev.lifeline.routing.Refusal;
import dev.lifeline.routing.Target;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A client request on its way to targets of other dialects: read once into the neutral model, then written for each
 * target's dialect with the target's edits (model name, system prompt, continuation prefill, length cap). Whether a
 * dialect can carry the request at all is decided once per dialect and remembered. Used by every front door; a target
 * of the client's own dialect never comes here (its bytes pass through).
 */
final class Translation {
    private final ReadOnce<ChatRequest> neutral;
    private final OptionalInt localMaxTokens;
    private final boolean askForUsage;
    /** Per target: the body it gets (without a continuation prefill), or why it cannot get one. */
    private final Map<String, Encoded> encoded = new HashMap<>();

    private record Encoded(byte[] body, Optional<Refusal> refusal) {
    }

    /**
     * @param localMaxTokens {@code limits.max_tokens}: the cap for every target, and the length asked of local targets
     *                       when the request names none
     * @param askForUsage    ask OpenAI-dialect targets for a stream's usage (token budgets are metered from it)
     */
    Translation(ReadOnce.Reader<ChatRequest> reader, OptionalInt localMaxTokens, boolean askForUsage) {
        this.neutral = new ReadOnce<>(reader);
        this.localMaxTokens = localMaxTokens;
        this.askForUsage = askForUsage;
    }

    /** Why the request cannot go to this target's dialect, or empty. */
    Optional<Refusal> refusalFor(Target target) {
        return encoded(target).refusal();
    }

    /**
     * The request written for a target, with the target's own edits, at most once per target: the body that the
     * refusal check made is the one sent, so a target found able to carry the request always gets it.
     */
    private Encoded encoded(Target target) {
        return encoded.computeIfAbsent(target.label(), label -> {
            try {
                return new Encoded(encode(target.backend().dialect(), edited(neutral.get(), target, Optional.empty()), target),
                        Optional.empty());
            } catch (BadRequestException e) {
                return new Encoded(new byte[0], Optional.of(new Refusal(e.getMessage(), e.param())));
            }
        });
    }

    /** The body for a target of another dialect; only called after {@link #refusalFor} found none. */
    byte[] bodyFor(Target target, Optional<String> prefill) {
        if (prefill.isEmpty()) {
            return encoded(target).body();
        }
        try {
            return encode(target.backend().dialect(), edited(neutral.get(), target, prefill), target);
        } catch (BadRequestException e) {
            // cannot happen: a prefill adds one assistant text message, which every dialect carries
            throw new IllegalStateException("a continuation prefill made the request untranslatable", e);
        }
    }

    private byte[] encode(Dialect dialect, ChatRequest r, Target target) throws BadRequestException {
        return switch (dialect) {
            case OPENAI -> OpenAiTranslation.encodeRequest(r, askForUsage);
            case ANTHROPIC -> AnthropicCodec.encodeRequest(r);
            // the backend's keep_alive and options, never the client's
            case OLLAMA -> OllamaCodec.encodeChatRequest(r, target.backend().keepAlive(), target.backend().options());
        };
    }

    /** The target's model, system prompt, prefill and length cap applied. */
    private ChatRequest edited(ChatRequest r, Target target, Optional<String> prefill) {
        List<Message> messages = new ArrayList<>(r.messages());
        Optional<String> system = target.spec().systemPrompt();
        if (system.isPresent()) {
            if (target.spec().systemMode() == SystemPromptMode.REPLACE) {
                messages.removeIf(m -> m.role() == Role.SYSTEM);
            }
            messages.add(0, Message.text(Role.SYSTEM, system.get()));
        }
        prefill.ifPresent(p -> messages.add(Message.text(Role.ASSISTANT, p)));
        // limits.max_tokens caps every target, and is the length asked of a local one when the request names none
        OptionalInt maxTokens = r.maxTokens();
        if (localMaxTokens.isPresent()) {
            int cap = localMaxTokens.getAsInt();
            if (maxTokens.isPresent()) {
                maxTokens = OptionalInt.of(Math.min(cap, maxTokens.getAsInt()));
            } else if (!target.cloud()) {
                maxTokens = OptionalInt.of(cap);
            }
        }
        return new ChatRequest(target.model(), messages, r.tools(), r.toolChoice(), maxTokens, r.temperature(), r.topP(),
                r.stop(), r.stream());
    }

    /** A non-streamed answer of a target's dialect in the neutral model, or empty when it cannot be read. */
    static Optional<ChatResponse> readAnswer(Dialect dialect, byte[] body) {
        try {
            return Optional.of(switch (dialect) {
                case OPENAI -> OpenAiTranslation.parseResponse(body);
                case ANTHROPIC -> AnthropicCodec.parseResponse(body);
                case OLLAMA -> OllamaCodec.parseChatResponse(body);
            });
        } catch (OpenAiCodec.MalformedChunkException | dev.lifeline.codec.anthropic.MalformedResponseException
                 | dev.lifeline.codec.ollama.MalformedResponseException e) {
            return Optional.empty();
        }
    }
}
