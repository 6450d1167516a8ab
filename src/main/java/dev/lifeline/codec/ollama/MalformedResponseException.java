package dev.lifeline.codec.ollama;

/** An answer from an Ollama server that is not what its API promises: not JSON, not complete, not the right shape. */
public final class MalformedResponseException extends Exception {
    public MalformedResponseException(String message) {
        super(message, null, false, false);
    }
}
