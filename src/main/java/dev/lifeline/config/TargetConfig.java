package dev.lifeline.config;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * One place a route can send a request to.
 *
 * @param backend       the backend's name
 * @param model         the model name there; empty keeps the model the client asked for
 * @param systemPrompt  a system prompt applied only when this target serves
 * @param systemMode    whether {@link #systemPrompt} goes before the client's system messages or replaces them
 * @param contextWindow the model's context window in tokens, if declared (used after a context-length error)
 * @param continuation  true if this target can continue an interrupted answer from assistant prefill
 * @param prewarm       load the model ahead of time and keep it loaded (a local server's cold start takes minutes)
 * @param timeouts      overrides the backend's timeouts for this target
 * @param retries       overrides the backend's retry count for this target
 */
public record TargetConfig(
        String backend,
        Optional<String> model,
        Optional<String> systemPrompt,
        SystemPromptMode systemMode,
        OptionalLong contextWindow,
        boolean continuation,
        boolean prewarm,
        Optional<Timeouts> timeouts,
        OptionalInt retries) {

    public TargetConfig {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(systemPrompt, "systemPrompt");
        Objects.requireNonNull(systemMode, "systemMode");
        Objects.requireNonNull(contextWindow, "contextWindow");
        Objects.requireNonNull(timeouts, "timeouts");
        Objects.requireNonNull(retries, "retries");
    }

    public static TargetConfig of(String backend, Optional<String> model) {
        return new TargetConfig(backend, model, Optional.empty(), SystemPromptMode.PREPEND,
                OptionalLong.empty(), false, false, Optional.empty(), OptionalInt.empty());
    }

    public enum SystemPromptMode { PREPEND, REPLACE }
}
