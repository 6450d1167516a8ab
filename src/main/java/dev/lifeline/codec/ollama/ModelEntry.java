package dev.lifeline.codec.ollama;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One model of an {@code /api/tags} answer, in Ollama's shape. For a route that is not an Ollama model, the gateway
 * fills in what it knows and leaves the rest empty ({@link #of}); clients list the names and ignore what is empty.
 *
 * @param name       the model's name ({@code llama3.2:latest}); also written as {@code model}, as Ollama does
 * @param modifiedAt when the model was last changed
 * @param size       its size on disk in bytes
 * @param digest     the SHA-256 of its manifest, 64 hex digits (empty when there is none)
 * @param details    what it is
 */
public record ModelEntry(String name, Instant modifiedAt, long size, String digest, Details details) {
    public ModelEntry {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(modifiedAt, "modifiedAt");
        Objects.requireNonNull(digest, "digest");
        Objects.requireNonNull(details, "details");
    }

    /** A model the gateway knows only by name. */
    public static ModelEntry of(String name, Instant modifiedAt) {
        return new ModelEntry(name, modifiedAt, 0, "", Details.UNKNOWN);
    }

    /**
     * @param parentModel       the model this one was made from (usually empty)
     * @param format            the weights' file format ({@code gguf})
     * @param family            the architecture ({@code llama})
     * @param families          every architecture it uses; empty is written as {@code null}, as Ollama writes it
     * @param parameterSize     {@code 8.0B}
     * @param quantizationLevel {@code Q4_K_M}
     */
    public record Details(String parentModel, String format, String family, List<String> families, String parameterSize,
                          String quantizationLevel) {
        public static final Details UNKNOWN = new Details("", "", "", List.of(), "", "");

        public Details {
            Objects.requireNonNull(parentModel, "parentModel");
            Objects.requireNonNull(format, "format");
            Objects.requireNonNull(family, "family");
            families = List.copyOf(families);
            Objects.requireNonNull(parameterSize, "parameterSize");
            Objects.requireNonNull(quantizationLevel, "quantizationLevel");
        }
    }
}
