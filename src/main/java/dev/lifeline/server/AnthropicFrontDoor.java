package dev.lifeline.server;

import dev.lifeline.chat.ChatResponse;
import dev.lifeline.chat.Endpoint;
import dev.lifeline.chat.StreamEvent;
import dev.lifeline.codec.BadRequestException;
import dev.lifeline.codec.Ids;
import dev.lifeline.codec.anthropic.AnthropicCodec;
import dev.lifeline.codec.anthropic.AnthropicPassThrough;
import dev.lifeline.codec.anthropic.AnthropicStreamEncoder;
import dev.lifeline.config.BackendConfig.Dialect;
import dev.lifeline.routing.ClientAnswer;
import dev.lifeline.routing.ClientProtocol;
import dev.lifeline.routing.ClientRequest;
import dev.lifeline.routing.Refusal;
import dev.lifeline.routing.Target;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;

/**
 * Anthropic's Messages API as a front door ({@code POST /v1/messages}): a Claude SDK app points its base URL at the
 * gateway. Claude targets get the client's bytes with the smallest edit; other targets get the request translated,
 * and the answer comes back as Claude's events. The gateway's own errors are in Anthropic's shape.
 */
final class AnthropicFrontDoor implements ClientProtocol {
    static final AnthropicFrontDoor INSTANCE = new AnthropicFrontDoor();
    private static final byte[] MESSAGE_STOP = "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"
            .getBytes(StandardCharsets.UTF_8);

    private AnthropicFrontDoor() {
    }

    static Request parse(byte[] body, boolean localOnly, OptionalInt localMaxTokens, boolean meterTokens)
            throws BadRequestException {
        return new Request(AnthropicPassThrough.parse(body), localOnly, localMaxTokens, meterTokens);
    }

    static final class Request implements ClientRequest {
        private final AnthropicPassThrough.Request parsed;
        private final boolean localOnly;
        private final OptionalInt maxTokensCap;
        private final Translation translation;

        private Request(AnthropicPassThrough.Request parsed, boolean localOnly, OptionalInt localMaxTokens, boolean meterTokens) {
            this.parsed = parsed;
            this.localOnly = localOnly;
            this.maxTokensCap = localMaxTokens;
            this.translation = new Translation(() -> AnthropicCodec.parseRequest(parsed.raw()), localMaxTokens, meterTokens);
        }

        @Override
        public Endpoint endpoint() {
            return Endpoint.CHAT;
        }

        @Override
        public String model() {
            return parsed.model();
        }

        @Override
        public boolean stream() {
            return parsed.stream();
        }

        @Override
        public boolean localOnly() {
            return localOnly;
        }

        @Override
        public Optional<Refusal> refusalFor(Target target) {
            return target.backend().dialect() == Dialect.ANTHROPIC ? Optional.empty() : translation.refusalFor(target);
        }

        @Override
        public byte[] bodyFor(Target target, Optional<String> prefill) {
            if (target.backend().dialect() != Dialect.ANTHROPIC) {
                return translation.bodyFor(target, prefill);
            }
            return AnthropicPassThrough.forTarget(parsed, target.model(), target.spec().systemPrompt(), target.spec().systemMode(),
                    prefill, maxTokensCap);
        }

        @Override
        public ClientAnswer answer() {
            return new TranslatingAnswer(Dialect.ANTHROPIC, true, INSTANCE, new TranslatingAnswer.Writer() {
                @Override
                public Function<StreamEvent, byte[]> newStream(String model) {
                    return new AnthropicStreamEncoder(Ids.anthropicMessage(), model)::encode;
                }

                @Override
                public byte[] response(ChatResponse response) {
                    return AnthropicCodec.encodeResponse(response);
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
        return MESSAGE_STOP;
    }

    @Override
    public byte[] streamError(String message, String code) {
        return AnthropicCodec.streamError(message, "api_error");
    }

    @Override
    public byte[] errorBody(int status, String message, Optional<String> param, String code) {
        return AnthropicCodec.errorBody(status, message, null);
    }

    @Override
    public String errorContentType() {
        return "application/json";
    }
}
