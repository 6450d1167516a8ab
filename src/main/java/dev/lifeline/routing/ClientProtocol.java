package dev.lifeline.routing;

import java.util.Optional;

/** How the gateway's own words are written in the client's dialect. Pure functions. */
public interface ClientProtocol {
    String streamContentType();

    /** The dialect's explicit end of a stream, sent when the upstream finished its answer but left out its own. */
    byte[] streamDone();

    /** An error event inside a started stream: the answer is incomplete. */
    byte[] streamError(String message, String code);

    /** A complete error response body. */
    byte[] errorBody(int status, String message, Optional<String> param, String code);

    String errorContentType();
}
