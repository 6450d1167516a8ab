package dev.lifeline.server;

import dev.lifeline.chat.Endpoint;
import dev.lifeline.codec.openai.OpenAiCodec;
import dev.lifeline.routing.ClientProtocol;
import dev.lifeline.routing.ClientRequest;
import dev.lifeline.routing.Target;

import java.util.Optional;
import java.util.OptionalInt;

/** The OpenAI dialect as the engine sees it: requests parsed by {@link OpenAiCodec}, and the gateway's own words. */
final class OpenAiFrontDoor implements ClientProtocol {
    static final OpenAiFrontDoor INSTANCE = new OpenAiFrontDoor();

    private OpenAiFrontDoor() {
    }

    /** A parsed OpenAI request. Targets speak OpenAI too (for now), so bodies pass through with minimal edits. */
    /**
     * @param localMaxTokens {@code limits.max_tokens}, set on requests to local targets that name no length limit
     * @param meterTokens    the client's key has a token budget: streams are asked for their usage, which is then
     *                       kept from a client that did not ask for it
     */
    record Request(Endpoint endpoint, OpenAiCodec.Request parsed, boolean localOnly, OptionalInt localMaxTokens,
                   boolean meterTokens) implements ClientRequest {
        Request(Endpoint endpoint, OpenAiCodec.Request parsed, boolean localOnly) {
            this(endpoint, parsed, localOnly, OptionalInt.empty(), false);
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
        public byte[] bodyFor(Target target, Optional<String> prefill) {
            Optional<String> system = endpoint == Endpoint.CHAT ? target.spec().systemPrompt() : Optional.empty();
            OptionalInt limit = endpoint == Endpoint.CHAT && !target.cloud() ? localMaxTokens : OptionalInt.empty();
            return OpenAiCodec.forTarget(parsed, target.model(),
                    new OpenAiCodec.Edits(system, target.spec().systemMode(), prefill, limit, meterTokens));
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
