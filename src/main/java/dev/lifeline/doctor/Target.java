package dev.lifeline.doctor;

import java.net.URI;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One server the doctor examines.
 *
 * @param name     how the report names it: the backend's name in the configuration, or the server usual on the port
 * @param source   why it is examined
 * @param url      the base URL clients use, as written ({@code http://localhost:11434}, {@code http://127.0.0.1:8080/v1})
 * @param expected what should answer there, when known
 * @param api      the API clients speak to it ({@code ollama} or {@code openai}), when configured; a base URL is judged by it
 * @param headers  what requests to it carry: the backend's credentials and extra headers from the configuration
 */
public record Target(String name, Source source, URI url, Optional<ServerKind> expected, Optional<Api> api, Map<String, String> headers) {
    public Target {
        Objects.requireNonNull(name);
        Objects.requireNonNull(source);
        Objects.requireNonNull(url);
        Objects.requireNonNull(expected);
        Objects.requireNonNull(api);
        headers = Map.copyOf(headers);
    }

    public enum Source {
        /** A backend of the configuration: it must work. */
        CONFIGURED,
        /** Given with {@code --url} or {@code --host/--port}: it must work. */
        COMMAND_LINE,
        /** A well-known port on this machine: reported only when something is there. */
        WELL_KNOWN
    }

    /** The API a client speaks, which decides where the base URL must point. */
    public enum Api {
        /** Ollama's own: the base URL is the server's root. */
        OLLAMA,
        /** OpenAI-compatible: the base URL ends where {@code /models} and {@code /chat/completions} hang, usually {@code /v1}. */
        OPENAI
    }

    public String host() {
        String h = url.getHost();
        return h.startsWith("[") ? h.substring(1, h.length() - 1) : h;
    }

    public int port() {
        if (url.getPort() > 0) {
            return url.getPort();
        }
        return "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
    }

    public boolean tls() {
        return "https".equalsIgnoreCase(url.getScheme());
    }

    /** {@code ollama (http://localhost:11434)}: the heading of this target's findings. */
    public String label() {
        return name + " (" + shown() + ")";
    }

    /** The URL as printed: without credentials written into it ({@code http://user:secret@host}). */
    public String shown() {
        return url.getRawUserInfo() == null ? url.toString() : url.toString().replace(url.getRawUserInfo() + "@", "");
    }

    /** The URL with its host replaced by {@code address}: what a client should use when the name misleads it. */
    public String withAddress(java.net.InetAddress address) {
        String host = dev.lifeline.doctor.listen.Addresses.format(address);
        host = host.contains(":") ? "[" + host + "]" : host;
        return url.getScheme() + "://" + host + ":" + port() + (url.getRawPath() == null ? "" : url.getRawPath());
    }

    public boolean mustWork() {
        return source != Source.WELL_KNOWN;
    }
}
