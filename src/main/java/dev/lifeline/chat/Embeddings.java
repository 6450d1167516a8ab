package dev.lifeline.chat;

import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/** Embeddings in no particular dialect, for routes that cross dialects. */
public final class Embeddings {
    private Embeddings() {
    }

    /**
     * @param model      the model name as the client gave it
     * @param input      the texts, one vector each
     * @param dimensions the size of the vectors, for models that can shorten them
     */
    public record Request(String model, List<String> input, OptionalInt dimensions) {
        public Request {
            Objects.requireNonNull(model, "model");
            input = List.copyOf(input);
            Objects.requireNonNull(dimensions, "dimensions");
        }
    }

    /**
     * @param model        the model that answered
     * @param vectors      one vector per input, in order
     * @param promptTokens the tokens read, zero when not reported
     */
    public record Response(String model, List<float[]> vectors, long promptTokens) {
        public Response {
            Objects.requireNonNull(model, "model");
            vectors = List.copyOf(vectors);
        }
    }
}
