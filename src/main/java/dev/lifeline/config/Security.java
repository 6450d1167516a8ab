package dev.lifeline.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Who may use the gateway and how they reach it.
 *
 * @param keysFile    the API key file ({@code lifeline keys}); authentication is on whenever it holds an active key
 *                    or an admin key is set
 * @param adminKey    a credential for the admin endpoints, besides keys created with {@code --admin}
 * @param tls         certificate and key (PEM) to serve HTTPS
 * @param corsOrigins web origins allowed to call the gateway from a browser (none by default)
 */
public record Security(Path keysFile, Optional<Secret> adminKey, Optional<Tls> tls, List<String> corsOrigins) {
    public Security {
        Objects.requireNonNull(keysFile, "keysFile");
        Objects.requireNonNull(adminKey, "adminKey");
        Objects.requireNonNull(tls, "tls");
        corsOrigins = List.copyOf(corsOrigins);
    }

    /**
     * Where {@code lifeline keys} and {@code lifeline serve} keep API keys unless told otherwise:
     * {@code $LIFELINE_KEYS_FILE}, else {@code $XDG_CONFIG_HOME/lifeline/keys.json}, else
     * {@code ~/.config/lifeline/keys.json}.
     */
    public static Path defaultKeysFile(Map<String, String> env) {
        String explicit = env.get("LIFELINE_KEYS_FILE");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String xdg = env.get("XDG_CONFIG_HOME");
        String home = env.get("HOME");
        if (home == null || home.isBlank()) {
            home = System.getProperty("user.home");
        }
        // The XDG spec: a relative XDG_CONFIG_HOME is invalid and ignored.
        Path base = xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute() ? Path.of(xdg) : Path.of(home, ".config");
        return base.resolve("lifeline").resolve("keys.json");
    }

    /** A PEM certificate chain and its private key. */
    public record Tls(Path certificate, Path privateKey) {
        public Tls {
            Objects.requireNonNull(certificate, "certificate");
            Objects.requireNonNull(privateKey, "privateKey");
        }
    }
}
