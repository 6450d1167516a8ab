package dev.lifeline.auth;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** A key file that exists but cannot be used: not JSON, an unknown version, a key with a bad field. Names the file and every problem. */
public final class KeyFileException extends IOException {
    private final transient Path file;
    private final List<String> problems;

    public KeyFileException(Path file, List<String> problems) {
        super(file + ": " + (problems.size() == 1 ? problems.get(0) : problems.size() + " problems: " + String.join("; ", problems)));
        this.file = file;
        this.problems = List.copyOf(problems);
    }

    public Path file() {
        return file;
    }

    /** Each as {@code path: value (expected: ...)}, e.g. {@code keys[2].rpm: 0 (expected: ...)}. */
    public List<String> problems() {
        return problems;
    }
}
