package dev.lifeline.chat;

import java.util.Objects;
import java.util.Optional;

/**
 * Whether the model must call a tool.
 *
 * @param mode what is asked
 * @param name for {@link Mode#NAMED}: the tool it must call
 */
public record ToolChoice(Mode mode, Optional<String> name) {
    public enum Mode {
        /** The model decides. */
        AUTO,
        /** No tool calls. */
        NONE,
        /** At least one tool call, any tool. */
        REQUIRED,
        /** A call to the named tool. */
        NAMED
    }

    public ToolChoice {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(name, "name");
        if ((mode == Mode.NAMED) != name.isPresent()) {
            throw new IllegalArgumentException("a tool name goes with NAMED, and only with it");
        }
    }
}
