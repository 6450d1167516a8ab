package dev.lifeline.routing;

import java.util.Map;

/**
 * Where an exchange writes its answer: the client's connection, seen from the engine. Implemented by the HTTP
 * server; called on the connection's event loop only. Header values may carry provider text: the sink keeps them
 * to what HTTP allows.
 */
public interface ClientSink {
    /** Sends status 200 and headers for a streamed answer. Nothing can be taken back after this: the commit point. */
    void startStream(String contentType, Map<String, String> headers);

    /** One chunk of a started stream; it leaves with the next {@link #flush()} or the end of the stream. */
    void send(byte[] chunk);

    /** Sends what was written: called when the upstream has nothing more to read for now, so no event waits. */
    void flush();

    /** Ends a started stream. */
    void endStream();

    /** Sends a complete answer or error. */
    void respond(int status, String contentType, Map<String, String> headers, byte[] body);

    /** Closes the client's connection without another byte: the client stopped reading. */
    void abort();

    /** False while the client reads more slowly than the upstream writes. */
    boolean isWritable();
}
