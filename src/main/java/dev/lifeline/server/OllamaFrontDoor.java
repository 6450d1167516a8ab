package dev.lifeline.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.lifeline.chat.ChatResponse;
import dev.lifeline.chat.Embeddings;
import dev.lifeline.chat.Endpoint;
import dev.lifeline.chat.StreamEvent;
import dev.lifeline.codec.BadRequestException;
import dev.lifeline.codec.ollama.OllamaCodec;
import dev.lifeline.codec.ollama.OllamaStreamEncoder;
import dev.lifeline.codec.ollama.Timing;
import dev.lifeline.config.BackendConfig.Dialect;
import dev.lifeline.routing.ClientAnswer;
import dev.lifeline.routing.ClientProtocol;
import dev.lifeline.routing.ClientRequest;
import dev.lifeline.routing.Refusal;
import dev.lifeline.routing.Target;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;

/**
 * Ollama's native chat, generate and embed endpoints as a front door, for a route that reaches beyond the local Ollama: an
 * app on the Ollama client gets cloud-first continuity like any other. The request is always rebuilt from the neutral
 * model, also for a {@code type: ollama} target, so only what Lifeline understands reaches a model server (no
 * {@code keep_alive} pinning a model, no runner options reloading one); a chat answer from a {@code type: ollama}
 * target comes back byte for byte, any other is written as Ollama would. Routes whose targets are all the local
 * Ollama server stay with the protective pass-through ({@link OllamaPassthrough}), which forwards the native request
 * as it is.
 */
final class OllamaFrontDoor implements ClientProtocol {
    static final OllamaFrontDoor INSTANCE = new OllamaFrontDoor();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] DONE = "{\"done\":true,\"done_reason\":\"stop\"}\n".getBytes(StandardCharsets.UTF_8);

    private OllamaFrontDoor() {
    }

    /** True for the endpoints that run a model: {@code POST /api/chat}, {@code /api/generate} and {@code /api/embed}. */
    static boolean serves(String method, String path) {
        return method.equals("POST") && (path.equals("/api/chat") || path.equals("/api/generate") || path.equals("/api/embed"));
    }

    /** The model a native request names, or empty when the body has none (the pass-through words that error). */
    static Optional<String> model(byte[] body) {
        try {
            JsonNode model = field(JSON.readTree(body), "model");
            return model.isTextual() && !model.asText().isBlank() ? Optional.of(model.asText()) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** A top-level field as Ollama's Go decoder finds it: the name in any case, the last one when repeated. */
    private static JsonNode field(JsonNode root, String name) {
        JsonNode found = MissingNode.getInstance();
        if (root != null) {
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equalsIgnoreCase(name)) {
                    found = e.getValue();
                }
            }
        }
        return found;
    }

    static ClientRequest parse(String path, byte[] body, OptionalInt localMaxTokens, boolean meterTokens, boolean localOnly)
            throws BadRequestException {
        if (path.equals("/api/embed")) {
            OllamaCodec.EmbedRequest embed = OllamaCodec.parseEmbedRequest(body);
            return new Embed(embed, localOnly);
        }
        boolean generate = path.equals("/api/generate");
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw new BadRequestException("the request body is not valid JSON", Optional.empty());
        }
        String model = model(body).orElseThrow(() -> new BadRequestException("model is required", Optional.of("model")));
        JsonNode stream = field(root, "stream");
        if (!stream.isMissingNode() && !stream.isNull() && !stream.isBoolean()) {
            throw new BadRequestException("stream: " + stream + " (expected: true or false)", Optional.of("stream"));
        }
        Translation translation = new Translation(() -> generate ? OllamaCodec.parseGenerateRequest(body)
                : OllamaCodec.parseChatRequest(body), localMaxTokens, meterTokens);
        // Ollama streams unless told not to
        return new Request(model, !stream.isBoolean() || stream.asBoolean(), generate, localOnly, translation);
    }

    static final class Request implements ClientRequest {
        private final String model;
        private final boolean stream;
        private final boolean generate;
        private final boolean localOnly;
        private final Translation translation;

        private Request(String model, boolean stream, boolean generate, boolean localOnly, Translation translation) {
            this.model = model;
            this.stream = stream;
            this.generate = generate;
            this.localOnly = localOnly;
            this.translation = translation;
        }

        @Override
        public Endpoint endpoint() {
            return Endpoint.CHAT;
        }

        @Override
        public String model() {
            return model;
        }

        @Override
        public boolean stream() {
            return stream;
        }

        @Override
        public boolean localOnly() {
            return localOnly;
        }

        @Override
        public Optional<Refusal> refusalFor(Target target) {
            return translation.refusalFor(target);
        }

        @Override
        public byte[] bodyFor(Target target, Optional<String> prefill) {
            return translation.bodyFor(target, prefill);
        }

        @Override
        public ClientAnswer answer() {
            return new TranslatingAnswer(Dialect.OLLAMA, !generate, INSTANCE, new TranslatingAnswer.Writer() {
                @Override
                public Function<StreamEvent, byte[]> newStream(String answering) {
                    return new OllamaStreamEncoder(answering, generate)::encode;
                }

                @Override
                public byte[] response(ChatResponse response) {
                    Timing timing = new Timing(Instant.now(), 0, 0, 0, 0);
                    return generate ? OllamaCodec.encodeGenerateResponse(response, response.model(), timing)
                            : OllamaCodec.encodeChatResponse(response, response.model(), timing);
                }

                @Override
                public String contentType() {
                    return "application/json; charset=utf-8";
                }
            });
        }
    }

    /** {@code POST /api/embed}: never streamed; rebuilt for every target, as chats are. */
    static final class Embed implements ClientRequest {
        private final OllamaCodec.EmbedRequest request;
        private final boolean localOnly;
        private final EmbeddingTranslation translation;

        private Embed(OllamaCodec.EmbedRequest request, boolean localOnly) {
            this.request = request;
            this.localOnly = localOnly;
            this.translation = new EmbeddingTranslation(() -> new Embeddings.Request(request.model(), request.input(), request.dimensions()));
        }

        @Override
        public Endpoint endpoint() {
            return Endpoint.EMBEDDINGS;
        }

        @Override
        public String model() {
            return request.model();
        }

        @Override
        public boolean stream() {
            return false;
        }

        @Override
        public boolean localOnly() {
            return localOnly;
        }

        @Override
        public Optional<Refusal> refusalFor(Target target) {
            return translation.refusalFor(target);
        }

        @Override
        public byte[] bodyFor(Target target, Optional<String> prefill) {
            return translation.bodyFor(target);
        }

        @Override
        public ClientAnswer answer() {
            return EmbeddingTranslation.answer(Dialect.OLLAMA, r -> OllamaCodec.encodeEmbedResponse(r, new Timing(Instant.now(), 0, 0, 0, 0)),
                    "application/json; charset=utf-8");
        }
    }

    @Override
    public String streamContentType() {
        return "application/x-ndjson";
    }

    @Override
    public byte[] streamDone() {
        return DONE;
    }

    @Override
    public byte[] streamError(String message, String code) {
        return OllamaStreamEncoder.streamError(message);
    }

    @Override
    public byte[] errorBody(int status, String message, Optional<String> param, String code) {
        return OllamaCodec.errorBody(message);
    }

    @Override
    public String errorContentType() {
        return "application/json; charset=utf-8";
    }
}
