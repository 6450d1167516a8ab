package dev.lifeline.backend;

import dev.lifeline.chat.ChatResponse;
import dev.lifeline.chat.Endpoint;
import dev.lifeline.chat.StreamEvent;
import dev.lifeline.codec.SseDecoder;
import dev.lifeline.codec.anthropic.AnthropicCodec;
import dev.lifeline.codec.anthropic.AnthropicStreamDecoder;
import dev.lifeline.codec.anthropic.MalformedResponseException;
import dev.lifeline.config.BackendConfig;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Anthropic's Messages API ({@code url: https://api.anthropic.com/v1}, path {@code /messages}): {@code x-api-key} and
 * {@code anthropic-version} headers, SSE streams of named events ending in {@code message_stop}, {@code error} events
 * after a 200 (an {@code overloaded_error} is an in-band failure like any other), and error bodies typed
 * {@code overloaded_error}, {@code rate_limit_error}... which the failure rules read as codes.
 */
final class AnthropicWire implements Wire {
    static final AnthropicWire INSTANCE = new AnthropicWire();

    private AnthropicWire() {
    }

    @Override
    public String path(Endpoint endpoint) {
        if (endpoint != Endpoint.CHAT) {
            throw new IllegalArgumentException("Anthropic has no " + endpoint + " endpoint");
        }
        return "/messages";
    }

    @Override
    public void addFixedHeaders(Map<String, String> headers, BackendConfig config) {
        config.apiKey().ifPresent(k -> headers.put("x-api-key", k.value()));
        headers.putIfAbsent("anthropic-version", AnthropicCodec.API_VERSION);
    }

    @Override
    public String accept(boolean stream) {
        return stream ? "text/event-stream" : "application/json";
    }

    @Override
    public boolean isStream(String contentType) {
        return contentType.startsWith("text/event-stream");
    }

    @Override
    public StreamReader newStream() {
        SseDecoder sse = new SseDecoder();
        AnthropicStreamDecoder decoder = new AnthropicStreamDecoder();
        return (bytes, out) -> {
            try {
                for (SseDecoder.Event e : sse.feed(bytes)) {
                    List<StreamEvent> events = decoder.decode(e.event(), e.dataBytes());
                    if (!out.test(new Frame(SseDecoder.encode(e), events))) {
                        return;
                    }
                }
            } catch (SseDecoder.MalformedStreamException | MalformedResponseException ex) {
                throw new MalformedException(ex.getMessage());
            }
        };
    }

    @Override
    public Body readBody(Endpoint endpoint, byte[] body) throws MalformedException {
        Optional<String> errorType = AnthropicCodec.errorType(body);
        if (errorType.isPresent()) {
            return new Body(Optional.of(new StreamEvent.Error(errorType.get(), "")), Optional.empty());
        }
        try {
            ChatResponse r = AnthropicCodec.parseResponse(body);
            return new Body(Optional.empty(), r.usage());
        } catch (MalformedResponseException e) {
            throw new MalformedException(e.getMessage());
        }
    }

    @Override
    public Optional<String> errorCode(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8);
        return ErrorCodes.fromMessage(text).or(() -> AnthropicCodec.errorType(body));
    }
}
