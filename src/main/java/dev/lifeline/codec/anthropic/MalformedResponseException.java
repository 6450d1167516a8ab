package dev.lifeline.codec.anthropic;

/** Thrown for an answer from a Claude backend that is not what the Messages API sends: not JSON, or the wrong shape. */
public final class MalformedResponseException extends Exception {
    public MalformedResponseException(String message) {
        super(message, null, false, false);
    }
}
