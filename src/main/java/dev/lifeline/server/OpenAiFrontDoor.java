package dev.lifeline.server;

import dev.lifeline.chat.ChatResponse;
import dev.lifeline.chat.Endpoint;
import dev.lifeline.chat.StreamEvent;
import dev.lifeline.codec.Ids;
import dev.lifeline.codec.openai.OpenAiCodec;
import dev.lifeline.codec.openai.OpenAiEmbeddings;
import dev.lifeline.codec.openai.OpenAiStreamEncoder;
import dev.lifeline.codec.openai.OpenAiTranslation;
import dev.lifeline.config.BackendConfig.Dialect;
import dev.lifeline.routing.ClientAnswer;
import dev.lifeline.routing.ClientProtocol;
import dev.lifeline.routing.ClientRequest;
import dev.lifeline.routing.Refusal;
import dev.lifeline.routing.Target;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;

/** The OpenAI dialect as the engine sees it: requests parsed by {@link OpenAiCodec}, answers, and the gateway's own words. */
final class OpenAiFrontDoor implements ClientProtocol {
    static final OpenAiFrontDoor INSTANCE = new OpenAiFrontDoor();

    private OpenAiFrontDoor() {
    }

    /**
     * A parsed OpenAI request. A target that speaks OpenAI gets the client's bytes with the smallest edit; any other
     * target gets the request translated through the neutral model, and its answer translated back.
     */
    static final class Request implements ClientRequest {
        private final Endpoint endpoint;
        private final OpenAiCodec.Request parsed;
        private final boolean localOnly;
        private final OptionalInt localMaxTokens;
        private final boolean meterTokens;
        private final Translation translation;
        private final EmbeddingTranslation embeddings;

        /**
         * @param localMaxTokens {@code limits.max_tokens}, set on requests to local targets that name no length limit
         * @param meterTokens    the client's key has a token budget: streams are asked for their usage, which is then
         *                       kept from a client that did not ask for it
         */
        Request(Endpoint endpoint, OpenAiCodec.Request parsed, boolean localOnly, OptionalInt localMaxTokens, boolean meterTokens) {
            this.endpoint = endpoint;
            this.parsed = parsed;
            this.localOnly = localOnly;
            this.localMaxTokens = localMaxTokens;
            this.meterTokens = meterTokens;
            this.translation = new Translation(() -> OpenAiTranslation.toNeutral(parsed), localMaxTokens, meterTokens);
            this.embeddings = new EmbeddingTranslation(() -> OpenAiEmbeddings.toNeutral(parsed));
        }

        @Override
        public Endpoint endpoint() {
            return endpoint;
        }

        @Override
        public boolean localOnly() {
            return localOnly;
        }

        @Override
        public boolean hideUsageOnlyChunks() {
            return meterTokens && stream() && !OpenAiCodec.asksForUsage(parsed);
        }

        @Override
        public String model() {
            return parsed.model();
        }

        @Override
        public boolean stream() {
            return endpoint == Endpoint.CHAT && parsed.stream();
        }

        @Override
        public Optional<Refusal> refusalFor(Target target) {
            if (target.backend().dialect() == Dialect.OPENAI) {
                return Optional.empty();
            }
            return endpoint == Endpoint.CHAT ? translation.refusalFor(target) : embeddings.refusalFor(target);
        }

        @Override
        public byte[] bodyFor(Target target, Optional<String> prefill) {
            if (target.backend().dialect() != Dialect.OPENAI) {
                return endpoint == Endpoint.CHAT ? translation.bodyFor(target, prefill) : embeddings.bodyFor(target);
            }
            Optional<String> system = endpoint == Endpoint.CHAT ? target.spec().systemPrompt() : Optional.empty();
            OptionalInt limit = endpoint == Endpoint.CHAT && !target.cloud() ? localMaxTokens : OptionalInt.empty();
            return OpenAiCodec.forTarget(parsed, target.model(),
                    new OpenAiCodec.Edits(system, target.spec().systemMode(), prefill, limit, meterTokens));
        }

        @Override
        public ClientAnswer answer() {
            if (endpoint == Endpoint.EMBEDDINGS) {
                boolean base64 = OpenAiEmbeddings.wantsBase64(parsed);
                return EmbeddingTranslation.answer(Dialect.OPENAI, r -> OpenAiEmbeddings.encodeResponse(r, base64), "application/json");
            }
            boolean includeUsage = OpenAiCodec.asksForUsage(parsed);
            return new TranslatingAnswer(Dialect.OPENAI, true, INSTANCE, new TranslatingAnswer.Writer() {
                @Override
                public Function<StreamEvent, byte[]> newStream(String model) {
                    return new OpenAiStreamEncoder(Ids.chatCompletion(), model, Instant.now().getEpochSecond(), includeUsage)::encode;
                }

                @Override
                public byte[] response(ChatResponse response) {
                    return OpenAiTranslation.encodeResponse(response, Instant.now().getEpochSecond());
                }

                @Override
                public String contentType() {
                    return "application/json";
                }
            });
        }
    }

    @Override
    public String streamContentType() {
        return "text/event-stream; charset=utf-8";
    }

    @Override
    public byte[] streamDone() {
        return OpenAiCodec.DONE;
    }

    @Override
    public byte[] streamError(String message, String code) {
        return OpenAiCodec.streamError(message, "server_error", code);
    }

    @Override
    public byte[] errorBody(int status, String message, Optional<String> param, String code) {
        return OpenAiCodec.errorBody(message, errorType(status), param, code);
    }

    @Override
    public String errorContentType() {
        return "application/json";
    }

    /** OpenAI's error types by status, so that SDKs raise the exception class users expect. */
    static String errorType(int status) {
        return switch (status) {
            case 400, 404, 405, 413, 415, 422 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 429 -> "rate_limit_error";
            default -> "server_error";
        };
    }
}
