package dev.lifeline.backend;

import dev.lifeline.chat.Endpoint;
import dev.lifeline.chat.StreamEvent;
import dev.lifeline.codec.SseDecoder;
import dev.lifeline.codec.openai.OpenAiCodec;
import dev.lifeline.config.BackendConfig;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The OpenAI API: OpenAI itself, and the OpenAI-compatible APIs of Ollama ({@code /v1}), LM Studio, vLLM and
 * llama.cpp's {@code llama-server}. Streams are SSE with one JSON chunk per event and a {@code [DONE]} marker; each
 * event is forwarded as it came (re-framed only to normalise line endings).
 */
final class OpenAiWire implements Wire {
    static final OpenAiWire INSTANCE = new OpenAiWire();

    private OpenAiWire() {
    }

    @Override
    public String path(Endpoint endpoint) {
        return endpoint == Endpoint.CHAT ? "/chat/completions" : "/embeddings";
    }

    @Override
    public void addFixedHeaders(Map<String, String> headers, BackendConfig config) {
        config.apiKey().ifPresent(k -> headers.put("authorization", "Bearer " + k.value()));
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
        return (bytes, out) -> {
            try {
                for (SseDecoder.Event e : sse.feed(bytes)) {
                    byte[] data = e.dataBytes();
                    List<StreamEvent> events = OpenAiCodec.decodeChunk(data, 0, data.length);
                    if (!out.test(new Frame(SseDecoder.encode(e), events))) {
                        return;
                    }
                }
            } catch (SseDecoder.MalformedStreamException | OpenAiCodec.MalformedChunkException ex) {
                throw new MalformedException(ex.getMessage());
            }
        };
    }

    @Override
    public Body readBody(Endpoint endpoint, byte[] body) throws MalformedException {
        try {
            OpenAiCodec.Body read = OpenAiCodec.readBody(body);
            return new Body(read.error(), read.usage());
        } catch (OpenAiCodec.MalformedChunkException e) {
            throw new MalformedException(e.getMessage());
        }
    }

    @Override
    public Optional<String> errorCode(byte[] body) {
        return OpenAiCodec.errorCode(body);
    }
}
