package dev.lifeline.cli;

import dev.lifeline.config.Config;
import dev.lifeline.config.ConfigException;
import dev.lifeline.config.ConfigLoader;
import dev.lifeline.config.DefaultConfig;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** The configuration a command runs with, and its problems printed the same way by every command. */
final class ConfigFiles {
    private ConfigFiles() {
    }

    /** {@code file}, or the embedded default when none is given; empty, with every problem on {@code err}, when it is unusable. */
    static Optional<Config> load(Path file, Map<String, String> env, PrintWriter err) {
        try {
            return Optional.of(file == null ? DefaultConfig.load(env) : ConfigLoader.load(file, env));
        } catch (ConfigException e) {
            err.printf("lifeline: %s has %d problem%s:%n", file, e.problems().size(), e.problems().size() == 1 ? "" : "s");
            e.problems().forEach(p -> err.println("  " + p));
            return Optional.empty();
        }
    }
}
