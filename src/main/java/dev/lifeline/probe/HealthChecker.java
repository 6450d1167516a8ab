package dev.lifeline.probe;

import dev.lifeline.config.BackendConfig;
import dev.lifeline.config.Config;
import dev.lifeline.routing.BackendHealth;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Probes every backend at start-up and then periodically ({@link BackendProbe}: no tokens spent), and logs when one
 * goes down or comes back. Only reachability counts as "down": a server that answers, even with an error, is up.
 */
public final class HealthChecker implements BackendHealth, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HealthChecker.class);

    private final List<BackendConfig> backends;
    private final BackendProbe probe;
    private final Map<String, BackendProbe.Result> latest = new ConcurrentHashMap<>();
    private final CountDownLatch firstRound = new CountDownLatch(1);
    private final ScheduledExecutorService timer;

    private HealthChecker(Config config, Duration timeout) {
        this.backends = List.copyOf(config.backends().values());
        this.probe = new BackendProbe(timeout);
        this.timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("lifeline-health").factory());
    }

    /** Starts periodic checks; with checks disabled ({@code interval: off}) it probes nothing and knows nothing. */
    public static HealthChecker start(Config config) {
        HealthChecker h = new HealthChecker(config, config.health().timeout());
        if (config.health().enabled()) {
            h.timer.scheduleWithFixedDelay(h::round, 0, config.health().interval().toMillis(), TimeUnit.MILLISECONDS);
        } else {
            h.firstRound.countDown();
        }
        return h;
    }

    private void round() {
        try {
            List<BackendProbe.Result> results = probe.probeAll(backends);
            for (BackendProbe.Result r : results) {
                BackendProbe.Result before = latest.put(r.backend(), r);
                if (before != null && before.reachable() != r.reachable()) {
                    if (r.reachable()) {
                        LOG.info("backend {} is reachable again: {}", r.backend(), r.summary());
                    } else {
                        LOG.warn("backend {} went down: {}", r.backend(), r.summary());
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("health check round failed: {}", e.toString());
        } finally {
            firstRound.countDown();
        }
    }

    /** The results of the first round, in configuration order, waiting for it at most {@code wait}. */
    public List<BackendProbe.Result> firstResults(Duration wait) throws InterruptedException {
        firstRound.await(wait.toMillis(), TimeUnit.MILLISECONDS);
        return backends.stream().map(b -> latest.getOrDefault(b.name(),
                new BackendProbe.Result(b.name(), true, "not probed (health checks off)", List.of(), Duration.ZERO))).toList();
    }

    @Override
    public Optional<String> down(String backend) {
        BackendProbe.Result r = latest.get(backend);
        return r != null && !r.reachable() ? Optional.of(r.summary()) : Optional.empty();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
