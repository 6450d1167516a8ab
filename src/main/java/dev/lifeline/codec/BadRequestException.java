package dev.lifeline.codec;

import java.util.Optional;

/** A client request the gateway refuses before any upstream sees it; rendered as a 400 in the client's dialect. */
public final class BadRequestException extends Exception {
    private final Optional<String> param;

    public BadRequestException(String message, Optional<String> param) {
        super(message, null, false, false);
        this.param = param;
    }

    public Optional<String> param() {
        return param;
    }
}
