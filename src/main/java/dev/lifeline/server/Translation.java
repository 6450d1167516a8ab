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
import java.util.EnumMap;
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
    /** Reads the client's request into the neutral model, or says why it has no neutral form. */
    interface Reader {
        ChatRequest read() throws BadRequestException;
    }

    private final Reader reader;
    private final OptionalInt localMaxTokens;
    private final boolean askForUsage;
    private ChatRequest neutral;
    private BadRequestException unreadable;
    private final Map<Dialect, Optional<Refusal>> refusals = new EnumMap<>(Dialect.class);

    /**
     * @param localMaxTokens {@code limits.max_tokens}, the cap for local targets when the request names none
     * @param askForUsage    ask OpenAI-dialect targets for a stream's usage (token budgets are metered from it)
     */
    Translation(Reader reader, OptionalInt localMaxTokens, boolean askForUsage) {
        this.reader = reader;
        this.localMaxTokens = localMaxTokens;
        this.askForUsage = askForUsage;
    }

    /** Why the request cannot go to this target's dialect, or empty. */
    Optional<Refusal> refusalFor(Target target) {
        return refusals.computeIfAbsent(target.backend().dialect(), d -> {
            try {
                encode(d, neutral(), null);
                return Optional.empty();
            } catch (BadRequestException e) {
                return Optional.of(new Refusal(e.getMessage(), e.param()));
            }
        });
    }

    /** The body for a target of another dialect; only called after {@link #refusalFor} found none. */
    byte[] bodyFor(Target target, Optional<String> prefill) {
        try {
            return encode(target.backend().dialect(), edited(neutral(), target, prefill), target);
        } catch (BadRequestException e) {
            throw new IllegalStateException("refused after the dialect was found able to carry the request", e);
        }
    }

    private ChatRequest neutral() throws BadRequestException {
        if (neutral == null && unreadable == null) {
            try {
                neutral = reader.read();
            } catch (BadRequestException e) {
                unreadable = e;
            }
        }
        if (unreadable != null) {
            throw unreadable;
        }
        return neutral;
    }

    /** {@code target} is null when only checking whether the dialect can carry the request. */
    private byte[] encode(Dialect dialect, ChatRequest r, Target target) throws BadRequestException {
        return switch (dialect) {
            case OPENAI -> OpenAiTranslation.encodeRequest(r, askForUsage);
            case ANTHROPIC -> AnthropicCodec.encodeRequest(r);
            // the backend's keep_alive and options, never the client's
            case OLLAMA -> target == null ? OllamaCodec.encodeChatRequest(r, Optional.empty())
                    : OllamaCodec.encodeChatRequest(r, target.backend().keepAlive(), target.backend().options());
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
        OptionalInt maxTokens = r.maxTokens();
        if (!target.cloud() && localMaxTokens.isPresent()) { // limits.max_tokens protects local servers
            int cap = localMaxTokens.getAsInt();
            maxTokens = OptionalInt.of(maxTokens.isEmpty() ? cap : Math.min(cap, maxTokens.getAsInt()));
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
