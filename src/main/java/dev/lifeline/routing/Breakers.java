package dev.lifeline.routing;

import dev.lifeline.config.BreakerConfig;

import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** One breaker per target ({@code backend/model}), created when the target is first used. Thread-safe. */
public final class Breakers {
    private final BreakerConfig config;
    private final Clock clock;
    private final ConcurrentHashMap<String, Breaker> byTarget = new ConcurrentHashMap<>();

    public Breakers(BreakerConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
    }

    public Breaker forTarget(String backend, String model) {
        String key = backend + "/" + model;
        return byTarget.computeIfAbsent(key, k -> new Breaker(k, config, clock));
    }

    /** The breaker of a target, if it has been used. */
    public Optional<Breaker> find(String backend, String model) {
        return Optional.ofNullable(byTarget.get(backend + "/" + model));
    }

    /** The breakers of every target on one backend. */
    public List<Breaker> ofBackend(String backend) {
        String prefix = backend + "/";
        return byTarget.entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).map(java.util.Map.Entry::getValue).toList();
    }

    public Collection<Breaker> all() {
        return List.copyOf(byTarget.values());
    }
}
