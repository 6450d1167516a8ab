package dev.lifeline.server;

import dev.lifeline.codec.BadRequestException;

/**
 * A client request read into its neutral form at most once, when the first target of another dialect needs it: the
 * result, or why the request has no neutral form, is remembered for every later target.
 */
final class ReadOnce<T> {
    /** Reads the request, or says why it cannot be read. */
    interface Reader<T> {
        T read() throws BadRequestException;
    }

    private final Reader<T> reader;
    private T value;
    private BadRequestException refusal;

    ReadOnce(Reader<T> reader) {
        this.reader = reader;
    }

    T get() throws BadRequestException {
        if (value == null && refusal == null) {
            try {
                value = reader.read();
            } catch (BadRequestException e) {
                refusal = e;
            }
        }
        if (refusal != null) {
            throw refusal;
        }
        return value;
    }
}
