package dev.lifeline;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The layering rules of docs/architecture.md, checked on every source file's imports. */
class ArchitectureTest {
    private static final Path MAIN = Path.of("src/main/java/dev/lifeline");

    /** For each package: import prefixes it must not use. */
    private static final Map<String, List<String>> FORBIDDEN = Map.ofEntries(
            Map.entry("chat", List.of("dev.lifeline.", "com.fasterxml", "io.netty")),
            Map.entry("config", List.of("dev.lifeline.routing", "dev.lifeline.backend", "dev.lifeline.server", "dev.lifeline.cli", "io.netty")),
            Map.entry("codec", List.of("dev.lifeline.routing", "dev.lifeline.backend", "dev.lifeline.server", "dev.lifeline.cli", "io.netty", "java.net")),
            Map.entry("backend", List.of("dev.lifeline.routing", "dev.lifeline.server", "dev.lifeline.cli", "dev.lifeline.observe")),
            Map.entry("routing", List.of("dev.lifeline.server", "dev.lifeline.cli", "dev.lifeline.observe", "dev.lifeline.probe", "io.netty",
                    "dev.lifeline.codec")),
            Map.entry("observe", List.of("dev.lifeline.server", "dev.lifeline.cli", "io.netty")),
            Map.entry("probe", List.of("dev.lifeline.server", "dev.lifeline.cli", "io.netty")),
            Map.entry("monitor", List.of("dev.lifeline.server", "dev.lifeline.routing", "dev.lifeline.backend", "dev.lifeline.codec",
                    "dev.lifeline.cli", "io.netty")),
            Map.entry("doctor", List.of("dev.lifeline.server", "dev.lifeline.routing", "dev.lifeline.backend", "dev.lifeline.codec",
                    "dev.lifeline.cli", "dev.lifeline.monitor", "io.netty")),
            Map.entry("firewall", List.of("dev.lifeline.chat", "dev.lifeline.codec", "dev.lifeline.backend", "dev.lifeline.routing",
                    "dev.lifeline.server", "dev.lifeline.observe", "dev.lifeline.probe", "dev.lifeline.monitor", "dev.lifeline.doctor",
                    "dev.lifeline.cli", "dev.lifeline.auth", "io.netty")),
            Map.entry("harden", List.of("dev.lifeline.chat", "dev.lifeline.codec", "dev.lifeline.backend", "dev.lifeline.routing",
                    "dev.lifeline.server", "dev.lifeline.observe", "dev.lifeline.probe", "dev.lifeline.monitor", "dev.lifeline.doctor",
                    "dev.lifeline.cli", "dev.lifeline.auth", "io.netty")),
            Map.entry("drill", List.of("dev.lifeline.chat", "dev.lifeline.codec", "dev.lifeline.backend", "dev.lifeline.routing",
                    "dev.lifeline.server", "dev.lifeline.observe", "dev.lifeline.probe", "dev.lifeline.monitor", "dev.lifeline.doctor",
                    "dev.lifeline.cli", "dev.lifeline.auth", "io.netty")),
            Map.entry("os", List.of("dev.lifeline.", "io.netty", "com.fasterxml")),
            Map.entry("auth", List.of("dev.lifeline.chat", "dev.lifeline.codec", "dev.lifeline.backend", "dev.lifeline.routing",
                    "dev.lifeline.server", "dev.lifeline.observe", "dev.lifeline.probe", "dev.lifeline.cli", "io.netty")));

    @Test
    void layersOnlyDependDownwards() throws IOException {
        List<String> violations = new ArrayList<>();
        FORBIDDEN.forEach((pkg, forbidden) -> {
            try (Stream<Path> files = Files.walk(MAIN.resolve(pkg))) {
                files.filter(f -> f.toString().endsWith(".java")).forEach(f -> {
                    for (String line : lines(f)) {
                        if (line.startsWith("import ")) {
                            String imported = line.substring(7).replace("static ", "");
                            for (String prefix : forbidden) {
                                if (imported.startsWith(prefix) && !imported.startsWith("dev.lifeline." + pkg)) {
                                    violations.add(MAIN.relativize(f) + ": " + line);
                                }
                            }
                        }
                    }
                });
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        assertThat(violations).isEmpty();
    }

    private static List<String> lines(Path f) {
        try {
            return Files.readAllLines(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
