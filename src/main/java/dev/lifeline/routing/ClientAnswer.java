package dev.lifeline.routing;

import dev.lifeline.backend.Frame;

import java.util.Optional;

/**
 * How one exchange's answer reaches the client, in the client's dialect. When a target speaks that dialect its bytes
 * pass through unchanged; otherwise what they mean (the frame's events, the parsed body) is written anew. One per
 * exchange, made by {@link ClientRequest#answer()}: a translated stream keeps its encoder's state across a
 * continuation on another target. Called on the exchange's event loop only.
 */
public interface ClientAnswer {
    /** True if the target speaks the client's dialect, so its bytes (frames, bodies, error bodies) can go unchanged. */
    boolean passesThrough(Target from);

    /** The bytes for the client for one stream frame from a target; empty to send nothing for it. */
    byte[] frame(Target from, Frame frame);

    /** The end of a stream whose upstream finished its answer without its own end marker. */
    byte[] done();

    /** A non-streamed success body from a target, for the client; empty when it cannot be read for translation. */
    Optional<Body> body(Target from, byte[] body, String contentType);

    /**
     * True if an interrupted stream may be continued on this target: the client's stream can only go on in the form it
     * started (passed through from the client's dialect, or translated by this answer's encoder).
     */
    boolean canContinueOn(Target target);

    /** A complete body and its content type. */
    record Body(byte[] bytes, String contentType) {
    }

    /** Every target speaks the client's dialect: everything passes through. */
    static ClientAnswer passThrough(ClientProtocol protocol) {
        return new ClientAnswer() {
            @Override
            public boolean passesThrough(Target from) {
                return true;
            }

            @Override
            public byte[] frame(Target from, Frame frame) {
                return frame.wire();
            }

            @Override
            public byte[] done() {
                return protocol.streamDone();
            }

            @Override
            public Optional<Body> body(Target from, byte[] body, String contentType) {
                return Optional.of(new Body(body, contentType.isEmpty() ? "application/json" : contentType));
            }

            @Override
            public boolean canContinueOn(Target target) {
                return true;
            }
        };
    }
}
