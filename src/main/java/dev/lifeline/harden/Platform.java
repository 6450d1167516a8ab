package dev.lifeline.harden;

import java.util.Locale;

/** Where Ollama runs: each keeps its settings in a different place (a systemd unit, launchd, the user's environment). */
public enum Platform {
    LINUX, MACOS, WINDOWS;

    /** This machine's, by {@code os.name}; Linux for anything unknown, since every other Unix with Ollama runs systemd. */
    public static Platform current() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        return os.startsWith("mac") || os.startsWith("darwin") ? MACOS : os.startsWith("windows") ? WINDOWS : LINUX;
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
