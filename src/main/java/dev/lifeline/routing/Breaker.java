package dev.lifeline.routing;

import dev.lifeline.backend.Failure;
import dev.lifeline.config.BreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The circuit breaker of one target, over Resilience4j's state machine. Adds what a gateway needs on top:
 * an explicit cool-down from a provider's {@code Retry-After} (keeping the later deadline when cooled twice), and
 * the reason the circuit last opened, for headers and logs.
 */
public final class Breaker {
    public enum State { CLOSED, OPEN, HALF_OPEN }

    private final String name;
    private final CircuitBreaker circuit;
    private final Clock clock;
    private volatile String lastFailure = "";
    private volatile Instant openUntil = Instant.MIN;

    Breaker(String name, BreakerConfig config, Clock clock) {
        this.name = name;
        this.clock = clock;
        this.circuit = CircuitBreaker.of(name, CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(config.window())
                .minimumNumberOfCalls(Math.min(config.minimumCalls(), config.window()))
                .failureRateThreshold(config.failureRate())
                .waitDurationInOpenState(config.openFor())
                .permittedNumberOfCallsInHalfOpenState(1)
                .automaticTransitionFromOpenToHalfOpenEnabled(false)
                .clock(clock)
                .currentTimestampFunction(c -> clock.millis(), TimeUnit.MILLISECONDS)
                .build());
    }

    public String name() {
        return name;
    }

    /** Asks to send one attempt. False while the circuit is open (or its one half-open probe is out): skip the target. */
    public boolean tryAcquire() {
        return circuit.tryAcquirePermission();
    }

    public void success(Duration took) {
        circuit.onSuccess(took.toNanos(), TimeUnit.NANOSECONDS);
    }

    public void failure(Duration took, Failure f) {
        failure(took, f, f.reason());
    }

    /** A failure, remembered under {@code reason} (a drill's failure says it is one). */
    public void failure(Duration took, Failure f, String reason) {
        lastFailure = reason;
        circuit.onError(took.toNanos(), TimeUnit.NANOSECONDS, new UpstreamFailure(f));
        if (circuit.getState() == CircuitBreaker.State.OPEN) {
            openUntil = later(openUntil, clock.instant().plus(waitDuration()));
        }
    }

    /** The attempt ended without saying anything about the target (client cancelled, client error). */
    public void release() {
        circuit.releasePermission();
    }

    /** Keeps the circuit open for at least {@code d}: the provider asked us to stay away. */
    public void coolDown(Duration d, String reason) {
        Instant until = later(openUntil, clock.instant().plus(d));
        lastFailure = reason;
        openUntil = until;
        circuit.transitionToOpenStateUntil(until);
    }

    public State state() {
        return switch (circuit.getState()) {
            case OPEN, FORCED_OPEN -> clock.instant().isBefore(openUntil) || openUntil.equals(Instant.MIN) ? State.OPEN : State.HALF_OPEN;
            case HALF_OPEN -> State.HALF_OPEN;
            default -> State.CLOSED;
        };
    }

    /** True while the target is skipped without a probe. */
    public boolean isOpen() {
        return state() == State.OPEN;
    }

    /** When an open circuit lets its next probe through. */
    public Optional<Duration> retryIn() {
        if (circuit.getState() != CircuitBreaker.State.OPEN) {
            return Optional.empty();
        }
        Duration left = Duration.between(clock.instant(), openUntil);
        return Optional.of(left.isNegative() ? Duration.ZERO : left);
    }

    public String lastFailure() {
        return lastFailure;
    }

    private Duration waitDuration() {
        return Duration.ofMillis(circuit.getCircuitBreakerConfig().getWaitIntervalFunctionInOpenState().apply(1));
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    /** Carries a failure into Resilience4j's metrics without a stack trace. */
    static final class UpstreamFailure extends RuntimeException {
        UpstreamFailure(Failure f) {
            super(f.reason(), null, false, false);
        }
    }
}
