package dev.lifeline.backend;

import dev.lifeline.chat.Endpoint;
import dev.lifeline.chat.StreamEvent;
import dev.lifeline.config.BackendConfig;

import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * What differs between backends of different wire dialects (OpenAI, Anthropic, Ollama): the path, the credentials,
 * how a stream is framed and what its events mean, what a body and an error body say. {@link HttpBackend} does the
 * rest, the same for every dialect. Implementations are stateless; {@link #newStream()} makes the per-call state.
 */
interface Wire {
    /** The path after the backend's URL for an endpoint, e.g. {@code /chat/completions}. */
    String path(Endpoint endpoint);

    /** The headers every call carries: credentials, protocol versions. Content type and user agent are set already. */
    void addFixedHeaders(Map<String, String> headers, BackendConfig config);

    /** The {@code accept} header for a call. */
    String accept(boolean stream);

    /** True if a success response with this content type is the stream that was asked for. */
    boolean isStream(String contentType);

    /** A fresh reader for one streamed answer. */
    StreamReader newStream();

    /** A non-streamed success body of an endpoint: an error inside a 200, and the token counts. */
    Body readBody(Endpoint endpoint, byte[] body) throws MalformedException;

    /** The provider's error code or type from an error body, for the failure rules. */
    Optional<String> errorCode(byte[] body);

    /** Frames a stream and says what each frame means. Single-threaded, one per call. */
    interface StreamReader {
        /**
         * Hands each complete frame in these bytes to {@code out}, in order, while it returns true; a partial frame
         * waits for the next read. A malformed frame throws after the frames before it were handed over.
         */
        void feed(byte[] bytes, Predicate<Frame> out) throws MalformedException;
    }

    record Body(Optional<StreamEvent.Error> error, Optional<StreamEvent.Usage> usage) {
    }

    /** The upstream's answer is not what its dialect allows. */
    final class MalformedException extends Exception {
        MalformedException(String message) {
            super(message, null, false, false);
        }
    }
}
