package dev.lifeline.config;

import java.net.InetSocketAddress;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A validated gateway configuration. Built by {@link ConfigLoader}; every instance is known to be consistent
 * (each target names an existing backend, each route has targets). {@code ollama} is present when Ollama's native
 * API is passed through; {@code monitor} is what {@code lifeline monitor} checks and whom it alerts.
 */
public record Config(
        InetSocketAddress listen,
        Map<String, BackendConfig> backends,
        List<RouteConfig> routes,
        boolean contingency,
        BreakerConfig breaker,
        HealthConfig health,
        Limits limits,
        Security security,
        String source,
        Optional<OllamaConfig> ollama,
        MonitorConfig monitor) {

    public Config {
        Objects.requireNonNull(listen, "listen");
        backends = Collections.unmodifiableMap(new LinkedHashMap<>(backends));
        routes = List.copyOf(routes);
        Objects.requireNonNull(breaker, "breaker");
        Objects.requireNonNull(health, "health");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(security, "security");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(ollama, "ollama");
        Objects.requireNonNull(monitor, "monitor");
    }

    /** A configuration without Ollama's native API. */
    public Config(InetSocketAddress listen, Map<String, BackendConfig> backends, List<RouteConfig> routes, boolean contingency,
                  BreakerConfig breaker, HealthConfig health, Limits limits, Security security, String source) {
        this(listen, backends, routes, contingency, breaker, health, limits, security, source, Optional.empty(), MonitorConfig.DEFAULT);
    }

    public static final long DEFAULT_MAX_BODY = Limits.DEFAULT.maxBodyBytes();

    public long maxBodyBytes() {
        return limits.maxBodyBytes();
    }

    public BackendConfig backend(String name) {
        BackendConfig b = backends.get(name);
        if (b == null) {
            throw new IllegalArgumentException("no backend named " + name);
        }
        return b;
    }

    public Config withListen(InetSocketAddress address) {
        return new Config(address, backends, routes, contingency, breaker, health, limits, security, source, ollama, monitor);
    }

    public Config withContingency(boolean on) {
        return new Config(listen, backends, routes, on, breaker, health, limits, security, source, ollama, monitor);
    }
}
