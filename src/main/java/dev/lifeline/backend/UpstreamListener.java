package dev.lifeline.backend;

import dev.lifeline.chat.StreamEvent;
import dev.lifeline.backend.Failure;

import java.util.Optional;

/**
 * Receives the outcome of one upstream call. All methods run on the event loop the call was started on, in order;
 * after {@link #onEnd}, {@link #onBody} or {@link #onFailure} nothing more arrives.
 */
public interface UpstreamListener {
    /** Response headers with a success status arrived. */
    default void onResponseStarted() {
    }

    /** One event of a streamed success answer. */
    void onFrame(Frame frame);

    /** Everything the upstream had sent so far has been delivered: a good moment to flush to the client. */
    default void onReadComplete() {
    }

    /** The streamed answer ended cleanly at the transport level (its last chunk arrived). */
    void onEnd();

    /** The whole non-streamed success body, checked: an error object inside a 200 arrives as a failure instead. */
    void onBody(byte[] body, String contentType, Optional<StreamEvent.Usage> usage);

    /** The call failed: transport error, error status (with the provider's body), or a broken response. */
    void onFailure(Failure failure);
}
