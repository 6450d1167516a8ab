package dev.lifeline.backend;

/** A call in flight. Methods must be called on the call's event loop. */
public interface UpstreamCall {
    /** Abandons the call and its connection; the listener hears nothing more. */
    void cancel();

    /** Stops reading from the upstream (the client is slower than the model). */
    void pause();

    void resume();
}
