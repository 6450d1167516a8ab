package dev.lifeline.auth;

/**
 * The outcome of {@link KeyStore#authenticate}. Only {@link Valid} lets a request through. {@link Revoked} and
 * {@link Expired} are only ever returned for a token whose secret matched, so they reveal nothing to a guesser;
 * a wrong secret for a known id is {@link Unknown}, exactly like an unknown id.
 */
public sealed interface Authentication {
    Unknown UNKNOWN = new Unknown();

    /** The secret matched and the key is active. */
    record Valid(ApiKey key) implements Authentication {
    }

    /** Shaped like a Lifeline token, but no key has this id and secret. */
    record Unknown() implements Authentication {
    }

    /** Not shaped like a Lifeline token ({@code ll_<8-char id>_<43-char secret>}); {@code reason} never quotes the token. */
    record Malformed(String reason) implements Authentication {
    }

    /** The secret matched a key that has been revoked. */
    record Revoked(ApiKey key) implements Authentication {
    }

    /** The secret matched a key whose expiry has passed. */
    record Expired(ApiKey key) implements Authentication {
    }
}
