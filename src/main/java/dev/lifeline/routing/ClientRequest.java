package dev.lifeline.routing;

import dev.lifeline.chat.Endpoint;

import java.util.Optional;

/** A client's request as the engine needs it, whatever dialect it arrived in. */
public interface ClientRequest {
    Endpoint endpoint();

    /** The model name the client asked for. */
    String model();

    boolean stream();

    /** True when the stream was asked for its usage on the gateway's behalf: usage-only chunks are not forwarded. */
    default boolean hideUsageOnlyChunks() {
        return false;
    }

    /** True when the client's key may never reach a cloud backend: its cloud targets are skipped. */
    default boolean localOnly() {
        return false;
    }

    /**
     * The request body for one target, in the target's dialect: the model name replaced, the target's system prompt
     * applied, and for a continuation the text already sent to the client as an assistant prefill.
     */
    byte[] bodyFor(Target target, Optional<String> prefill);

    /** Why this request cannot go to the target at all (its dialect cannot carry part of it), or empty. */
    default Optional<Refusal> refusalFor(Target target) {
        return Optional.empty();
    }

    /** A fresh writer of this exchange's answer in the client's dialect. */
    ClientAnswer answer();
}
