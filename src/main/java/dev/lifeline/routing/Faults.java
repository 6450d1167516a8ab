package dev.lifeline.routing;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The gateway's drill state: at most one {@link DrillFault} at a time. Thread-safe. Expiry needs no timer: every
 * reader checks the fault's end against the clock, so a fault lifts itself even when nobody is left to lift it.
 */
public final class Faults {
    private static final Logger LOG = LoggerFactory.getLogger(Faults.class);

    /** The longest a drill may switch the cloud off: long enough for any drill, short enough to survive a forgotten one. */
    public static final Duration MAX_LENGTH = Duration.ofHours(24);

    private final List<String> cloudBackends;
    private final Clock clock;
    private final AtomicReference<Optional<DrillFault>> fault = new AtomicReference<>(Optional.empty());

    public Faults(List<String> cloudBackends, Clock clock) {
        this.cloudBackends = List.copyOf(cloudBackends);
        this.clock = clock;
    }

    /** The backends a drill makes fail: those with {@code cloud: true}. */
    public List<String> cloudBackends() {
        return cloudBackends;
    }

    /**
     * Starts a fault on every cloud backend for {@code length}, replacing a running one.
     *
     * @throws IllegalArgumentException when {@code length} is not positive or longer than {@link #MAX_LENGTH}
     * @throws IllegalStateException    when there is no cloud backend to drill
     */
    public DrillFault start(DrillFault.Mode mode, Duration length) {
        if (length.isNegative() || length.isZero() || length.compareTo(MAX_LENGTH) > 0) {
            throw new IllegalArgumentException("a drill lasts more than 0 and at most 24h, not " + length);
        }
        if (cloudBackends.isEmpty()) {
            throw new IllegalStateException("no backend has cloud: true: there is nothing to drill");
        }
        Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS); // readable in the admin API and the logs
        DrillFault started = new DrillFault(mode, now, now.plus(length), cloudBackends);
        fault.set(Optional.of(started));
        LOG.warn("drill started: cloud backends {} fail as {} until {}", String.join(", ", cloudBackends), mode.wireName(), started.until());
        return started;
    }

    /** The running fault; empty when none was started, it was lifted, or it has expired. */
    public Optional<DrillFault> current() {
        Optional<DrillFault> f = fault.get();
        if (f.isPresent() && !f.get().activeAt(clock.instant())) {
            if (fault.compareAndSet(f, Optional.empty())) {
                LOG.warn("drill over: the {} fault expired at {}, cloud targets are used again", f.get().mode().wireName(), f.get().until());
            }
            return Optional.empty();
        }
        return f;
    }

    public boolean active() {
        return current().isPresent();
    }

    /** Lifts the fault at once. Returns the fault that was running, if one was. */
    public Optional<DrillFault> lift() {
        Optional<DrillFault> running = fault.getAndSet(Optional.empty()).filter(f -> f.activeAt(clock.instant()));
        running.ifPresent(f -> LOG.warn("drill lifted: the {} fault is over, cloud targets are used again", f.mode().wireName()));
        return running;
    }

    /** The fault an attempt on {@code t} must suffer now, if any. */
    Optional<DrillFault> faultFor(Target t) {
        return current().filter(f -> f.covers(t.backendName()));
    }

    /** The drill's clock, for the time left. */
    public Instant now() {
        return clock.instant();
    }
}
