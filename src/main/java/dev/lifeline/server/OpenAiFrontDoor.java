package dev.lifeline.server;

import dev.lifeline.chat.Endpoint;
import dev.lifeline.codec.openai.OpenAiCodec;
import dev.lifeline.routing.ClientProtocol;
import dev.lifeline.routing.ClientRequest;
import dev.lifeline.routing.Target;

import java.util.Optional;

/** The OpenAI dialect as the engine sees it: requests parsed by {@link OpenAiCodec}, and the gateway's own words. */
final class OpenAiFrontDoor implements ClientProtocol {
    static final OpenAiFrontDoor INSTANCE = new OpenAiFrontDoor();

    private OpenAiFrontDoor() {
    }

    /** A parsed OpenAI request. Targets speak OpenAI too (for now), so bodies pass through with minimal edits. */
    record Request(Endpoint endpoint, OpenAiCodec.Request parsed, boolean localOnly) implements ClientRequest {
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
            return OpenAiCodec.forTarget(parsed, target.model(), system, target.spec().systemMode(), prefill);
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
