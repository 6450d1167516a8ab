package dev.lifeline.server;

import dev.lifeline.backend.Frame;
import dev.lifeline.chat.Embeddings;
import dev.lifeline.codec.BadRequestException;
import dev.lifeline.codec.ollama.MalformedResponseException;
import dev.lifeline.codec.ollama.OllamaCodec;
import dev.lifeline.codec.openai.OpenAiCodec;
import dev.lifeline.codec.openai.OpenAiEmbeddings;
import dev.lifeline.config.BackendConfig.Dialect;
import dev.lifeline.routing.ClientAnswer;
import dev.lifeline.routing.Refusal;
import dev.lifeline.routing.Target;

import java.util.Optional;
import java.util.function.Function;

/**
 * Embeddings on routes that cross dialects: OpenAI's {@code /v1/embeddings} and Ollama's {@code /api/embed}, either
 * way. Claude has no embeddings API, so an Anthropic target is always skipped.
 */
final class EmbeddingTranslation {
    private final ReadOnce<Embeddings.Request> neutral;

    EmbeddingTranslation(ReadOnce.Reader<Embeddings.Request> reader) {
        this.neutral = new ReadOnce<>(reader);
    }

    Optional<Refusal> refusalFor(Target target) {
        if (target.backend().dialect() == Dialect.ANTHROPIC) {
            return Optional.of(new Refusal("Anthropic's API has no embeddings (backend " + target.backendName() + ")", Optional.empty()));
        }
        try {
            neutral.get();
            return Optional.empty();
        } catch (BadRequestException e) {
            return Optional.of(new Refusal(e.getMessage(), e.param()));
        }
    }

    /** The body for a target; only called after {@link #refusalFor} found none. */
    byte[] bodyFor(Target target) {
        Embeddings.Request r;
        try {
            r = neutral.get();
        } catch (BadRequestException e) {
            throw new IllegalStateException("refused after the request was found translatable", e);
        }
        return switch (target.backend().dialect()) {
            case OPENAI -> OpenAiEmbeddings.encodeRequest(new Embeddings.Request(target.model(), r.input(), r.dimensions()));
            case OLLAMA -> OllamaCodec.encodeEmbedRequest(new OllamaCodec.EmbedRequest(target.model(), r.input(), true, r.dimensions()),
                    target.backend().keepAlive(), target.backend().options());
            case ANTHROPIC -> throw new IllegalStateException("Anthropic targets are refused");
        };
    }

    /** A target's answer in the neutral form, or empty when it cannot be read. */
    static Optional<Embeddings.Response> readAnswer(Dialect dialect, byte[] body) {
        try {
            return switch (dialect) {
                case OPENAI -> Optional.of(OpenAiEmbeddings.parseResponse(body));
                case OLLAMA -> Optional.of(OllamaCodec.parseEmbedResponse(body));
                case ANTHROPIC -> Optional.empty();
            };
        } catch (OpenAiCodec.MalformedChunkException | MalformedResponseException e) {
            return Optional.empty();
        }
    }

    /** The answer in the client's dialect: a target of that dialect passes through, any other is rewritten. */
    static ClientAnswer answer(Dialect client, Function<Embeddings.Response, byte[]> writer, String contentType) {
        return new ClientAnswer() {
            @Override
            public boolean passesThrough(Target from) {
                return from.backend().dialect() == client;
            }

            @Override
            public byte[] frame(Target from, Frame frame) {
                throw new IllegalStateException("embeddings are never streamed");
            }

            @Override
            public byte[] done() {
                return new byte[0];
            }

            @Override
            public Optional<Body> body(Target from, byte[] body, String ct) {
                if (passesThrough(from)) {
                    return Optional.of(new Body(body, ct.isEmpty() ? "application/json" : ct));
                }
                return readAnswer(from.backend().dialect(), body).map(r -> new Body(writer.apply(r), contentType));
            }

            @Override
            public boolean canContinueOn(Target target) {
                return false;
            }
        };
    }
}
