package dev.lifeline.backend;

import dev.lifeline.chat.ChatResponse;
import dev.lifeline.chat.Endpoint;
import dev.lifeline.chat.StreamEvent;
import dev.lifeline.codec.ollama.MalformedResponseException;
import dev.lifeline.codec.ollama.OllamaCodec;
import dev.lifeline.codec.ollama.OllamaStreamDecoder;
import dev.lifeline.config.BackendConfig;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

/**
 * Ollama's native API ({@code url: http://127.0.0.1:11434}, the server's root; paths {@code /api/chat} and
 * {@code /api/embed}), for what only it offers ({@code keep_alive}, {@code options}): NDJSON streams ending in a
 * {@code "done": true} line, {@code {"error": "..."}} lines and bodies with free-text messages, from which the
 * codes the failure rules know are derived.
 */
final class OllamaWire implements Wire {
    static final OllamaWire INSTANCE = new OllamaWire();

    private OllamaWire() {
    }

    @Override
    public String path(Endpoint endpoint) {
        return endpoint == Endpoint.CHAT ? "/api/chat" : "/api/embed";
    }

    @Override
    public void addFixedHeaders(Map<String, String> headers, BackendConfig config) {
        // Ollama has no keys; one behind an authenticating proxy gets the configured key as a bearer token
        config.apiKey().ifPresent(k -> headers.put("authorization", "Bearer " + k.value()));
    }

    @Override
    public String accept(boolean stream) {
        return stream ? "application/x-ndjson" : "application/json";
    }

    @Override
    public boolean isStream(String contentType) {
        return contentType.startsWith("application/x-ndjson");
    }

    @Override
    public StreamReader newStream() {
        OllamaStreamDecoder decoder = new OllamaStreamDecoder();
        return (bytes, out) -> {
            try {
                for (OllamaStreamDecoder.Line line : decoder.lines(bytes, 0, bytes.length)) {
                    byte[] wire = Arrays.copyOf(line.bytes(), line.bytes().length + 1);
                    wire[wire.length - 1] = '\n';
                    if (!out.test(new Frame(wire, line.events()))) {
                        return;
                    }
                }
            } catch (MalformedResponseException ex) {
                throw new MalformedException(ex.getMessage());
            }
        };
    }

    @Override
    public Body readBody(Endpoint endpoint, byte[] body) throws MalformedException {
        Optional<String> error = OllamaCodec.errorMessage(body);
        if (error.isPresent()) {
            return new Body(Optional.of(new StreamEvent.Error("error", error.get())), Optional.empty());
        }
        try {
            if (endpoint == Endpoint.EMBEDDINGS) {
                long prompt = OllamaCodec.parseEmbedResponse(body).promptTokens();
                return new Body(Optional.empty(), Optional.of(new StreamEvent.Usage(prompt, 0)));
            }
            ChatResponse r = OllamaCodec.parseChatResponse(body);
            return new Body(Optional.empty(), r.usage());
        } catch (MalformedResponseException e) {
            throw new MalformedException(e.getMessage());
        }
    }

    @Override
    public Optional<String> errorCode(byte[] body) {
        return OllamaCodec.errorMessage(body).flatMap(ErrorCodes::fromMessage);
    }
}
