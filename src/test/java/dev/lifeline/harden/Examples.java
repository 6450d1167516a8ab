package dev.lifeline.harden;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** The settings the golden files and the systemd checks are made from. */
final class Examples {
    private Examples() {
    }

    /** Every default, on a four-core machine: loopback, no origins, the installer's user and home. */
    static OllamaHardening defaults(Platform platform) {
        return ollama(platform, Optional.empty(), List.of(), Optional.empty());
    }

    /** Listening on the LAN, two origins, models elsewhere (under /home on Linux, which changes ProtectHome). */
    static OllamaHardening exposed(Platform platform) {
        Optional<String> models = Optional.of(switch (platform) {
            case LINUX -> "/home/models/ollama";
            case MACOS -> "/Volumes/Models/ollama";
            case WINDOWS -> "D:\\ollama\\models";
        });
        return ollama(platform, Optional.of("10.0.0.5:11434"),
                List.of("https://app.example.com", "chrome-extension://abcdefghijklmnopabcdefghijklmnop"), models);
    }

    static OllamaHardening ollama(Platform platform, Optional<String> listen, List<String> origins, Optional<String> models) {
        try {
            return OllamaHardening.of(platform, listen, origins, Optional.empty(), models, Optional.empty(), Optional.empty(),
                    OllamaHardening.DEFAULT_HOME, 4);
        } catch (InvalidOptions e) {
            throw new AssertionError(String.valueOf(e.problems()), e);
        }
    }

    static final ServeUnit SERVE = new ServeUnit(Path.of("/opt/lifeline/lifeline"), Path.of("/opt/lifeline/target/run/lifeline.jar"),
            Path.of("/usr/lib/jvm/temurin-25-jdk-amd64"), ServeUnit.DEFAULT_CONFIG, ServeUnit.DEFAULT_USER, 8470);

    static final ServeUnit SERVE_USER_PORT_443 = new ServeUnit(Path.of("/home/alice/lifeline/lifeline"),
            Path.of("/home/alice/lifeline/target/run/lifeline.jar"), Path.of("/usr/lib/jvm/temurin-25-jdk-amd64"),
            Path.of("/etc/lifeline/gateway 100%.yaml"), "gateway", 443);
}
