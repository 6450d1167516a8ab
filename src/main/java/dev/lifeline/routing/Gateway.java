package dev.lifeline.routing;

import dev.lifeline.backend.Failure;
import dev.lifeline.backend.Backend;
import dev.lifeline.config.BackendConfig;
import dev.lifeline.config.Config;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The routing engine: routes, targets, breakers and contingency mode, independent of the HTTP server and the CLI,
 * so that it can be embedded. Thread-safe; each {@link Exchange} it opens is confined to one event loop.
 */
public final class Gateway implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

    private final Config config;
    private final Router router;
    private final Breakers breakers;
    private final Map<String, Backend> backends;
    private final ExchangeObserver observer;
    private final Clock clock;
    private final AtomicBoolean contingency;
    private final BackendHealth health;
    private final Map<String, BackendGate> gates;
    private final Faults drill;

    public Gateway(Config config, Map<String, Backend> backends, ExchangeObserver observer, BackendHealth health, Clock clock) {
        this.config = config;
        this.router = new Router(config);
        this.breakers = new Breakers(config.breaker(), clock);
        this.backends = Map.copyOf(backends);
        this.observer = observer;
        this.clock = clock;
        this.contingency = new AtomicBoolean(config.contingency());
        this.health = health;
        Map<String, BackendGate> g = new java.util.HashMap<>();
        config.backends().values().stream().filter(b -> b.concurrency().limited())
                .forEach(b -> g.put(b.name(), new BackendGate(b.name(), b.concurrency())));
        this.gates = Map.copyOf(g);
        this.drill = new Faults(config.backends().values().stream().filter(BackendConfig::cloud).map(BackendConfig::name).toList(), clock);
        for (String name : config.backends().keySet()) {
            if (!backends.containsKey(name)) {
                throw new IllegalArgumentException("no backend implementation for " + name);
            }
        }
    }

    /** Opens an exchange for one client request; call {@link Exchange#start()} on {@code loop}. */
    public Exchange open(String requestId, ClientRequest request, ClientProtocol protocol, ClientSink sink, ScheduledExecutorService loop) {
        return new Exchange(this, requestId, request, protocol, sink, loop, clock);
    }

    public Config config() {
        return config;
    }

    public Router router() {
        return router;
    }

    public Breakers breakers() {
        return breakers;
    }

    /** Why the health checks last found this backend unreachable; empty when they did not (or have not looked yet). */
    public Optional<String> knownDown(String backend) {
        return health.down(backend);
    }

    public boolean contingency() {
        return contingency.get();
    }

    /** Turns contingency mode on (every request goes to non-cloud targets only) or off. Returns the previous state. */
    public boolean setContingency(boolean on) {
        boolean was = contingency.getAndSet(on);
        if (was != on) {
            LOG.warn(on ? "contingency mode ON: cloud targets are skipped, every request goes local"
                    : "contingency mode OFF: routes use their cloud targets again");
        }
        return was;
    }

    /** The failover drill: a fault that makes every cloud backend fail as in a real outage, for a while. */
    public Faults drill() {
        return drill;
    }

    /** The concurrency gate of a backend, or null when it has no cap. */
    BackendGate gate(String backend) {
        return gates.get(backend);
    }

    Backend backend(String name) {
        return backends.get(name);
    }

    public ExchangeObserver observer() {
        return observer;
    }

    void warnCredentialsRefused(Target t, Failure f) {
        LOG.warn("backend {} refused our credentials ({}) for model {}: check its api_key; failing over meanwhile",
                t.backendName(), f.reason(), t.model());
    }

    /** When the first of these targets' open circuits lets a probe through. */
    Optional<Duration> retryIn(List<Target> targets) {
        return targets.stream()
                .map(t -> breakers.forTarget(t.backendName(), t.model()).retryIn())
                .flatMap(Optional::stream)
                .min(Duration::compareTo);
    }

    /**
     * A route is ready when at least one of its targets is not known to be down: not skipped by contingency mode,
     * its backend not unreachable by the health checks, its circuit not open.
     */
    public Readiness readiness() {
        List<Readiness.RouteState> states = new ArrayList<>();
        boolean ready = true;
        for (Route r : router.routes()) {
            List<String> usable = new ArrayList<>();
            List<String> down = new ArrayList<>();
            for (var tc : r.targetConfigs()) {
                // A target without a model of its own serves the name the client asked for: the route's name, or
                // for a glob any name, in which case the backend is down when every target on it that has been used is.
                Optional<String> model = tc.model().or(() -> r.isGlob() ? Optional.empty() : Optional.of(r.name()));
                boolean cloud = config.backend(tc.backend()).cloud();
                String label = tc.backend() + " " + model.orElse("(client's model)");
                Optional<Breaker> open = model.isPresent()
                        ? breakers.find(tc.backend(), model.get()).filter(Breaker::isOpen)
                        : allOpen(breakers.ofBackend(tc.backend()));
                Optional<String> unreachable = health.down(tc.backend());
                if (contingency() && cloud) {
                    down.add(label + " (contingency mode)");
                } else if (unreachable.isPresent()) {
                    down.add(label + " (" + unreachable.get() + ")");
                } else if (open.isPresent()) {
                    down.add(label + " (circuit open after " + open.get().lastFailure() + ")");
                } else {
                    usable.add(label);
                }
            }
            ready &= !usable.isEmpty();
            states.add(new Readiness.RouteState(r.name(), usable, down));
        }
        return new Readiness(ready, contingency(), states);
    }

    private static Optional<Breaker> allOpen(List<Breaker> breakers) {
        return !breakers.isEmpty() && breakers.stream().allMatch(Breaker::isOpen) ? Optional.of(breakers.get(0)) : Optional.empty();
    }

    @Override
    public void close() {
        backends.values().forEach(Backend::close);
    }
}
