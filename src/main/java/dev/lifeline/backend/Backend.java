package dev.lifeline.backend;

import dev.lifeline.config.BackendConfig;

import java.util.concurrent.ScheduledExecutorService;

/** A model server speaking one wire dialect. Implementations are thread-safe; each call is confined to one event loop. */
public interface Backend extends AutoCloseable {
    BackendConfig config();

    /**
     * Starts a call on {@code loop} (the event loop of the client's connection, so that a request never changes
     * threads); every listener callback runs there.
     */
    UpstreamCall call(UpstreamRequest request, ScheduledExecutorService loop, UpstreamListener listener);

    @Override
    void close();
}
