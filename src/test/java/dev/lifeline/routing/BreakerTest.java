package dev.lifeline.routing;

import dev.lifeline.backend.Failure;
import dev.lifeline.config.BreakerConfig;
import dev.lifeline.routing.Breaker.State;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** A target's circuit over time, with a clock the test moves: when it is skipped, probed, and trusted again. */
class BreakerTest {
    private static final Duration OPEN_FOR = Duration.ofSeconds(30);
    private static final Duration TOOK = Duration.ofMillis(20);
    private static final Failure REFUSED = Failure.of(Failure.Kind.CONNECT_REFUSED, "127.0.0.1:1");

    /** A clock that only moves when told to. */
    static final class ManualClock extends Clock {
        private volatile Instant now = Instant.parse("2025-06-01T12:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }
    }

    private final ManualClock clock = new ManualClock();
    private final Breakers breakers = new Breakers(new BreakerConfig(50, 4, 10, OPEN_FOR), clock);
    private final Breaker breaker = breakers.forTarget("cloud", "gpt-4o");

    /** One attempt as the engine makes it: ask, then report. */
    private void attempt(boolean ok) {
        assertThat(breaker.tryAcquire()).as("the attempt was allowed").isTrue();
        if (ok) {
            breaker.success(TOOK);
        } else {
            breaker.failure(TOOK, REFUSED);
        }
    }

    private void open() {
        for (int i = 0; i < 4; i++) {
            attempt(false);
        }
        assertThat(breaker.state()).isEqualTo(State.OPEN);
    }

    @Test
    void oneBreakerPerTarget() {
        assertThat(breaker.name()).isEqualTo("cloud/gpt-4o");
        assertThat(breakers.forTarget("cloud", "gpt-4o")).isSameAs(breaker);
        assertThat(breakers.forTarget("cloud", "gpt-4o-mini")).isNotSameAs(breaker);
        assertThat(breakers.all()).hasSize(2);
    }

    @Test
    void staysClosedUntilTheMinimumNumberOfCalls() {
        for (int i = 0; i < 3; i++) {
            attempt(false);
        }

        assertThat(breaker.state()).isEqualTo(State.CLOSED);
        assertThat(breaker.tryAcquire()).isTrue();
        assertThat(breaker.retryIn()).isEmpty();
    }

    @Test
    void opensOnceEnoughCallsFail() {
        open();

        assertThat(breaker.isOpen()).isTrue();
        assertThat(breaker.tryAcquire()).as("an open circuit skips the target").isFalse();
        assertThat(breaker.lastFailure()).isEqualTo("connection refused");
        assertThat(breaker.retryIn()).hasValue(OPEN_FOR);
    }

    @Test
    void aLowFailureRateKeepsItClosed() {
        for (int i = 0; i < 10; i++) {
            attempt(i % 4 != 0); // 3 of 10 fail: 30% < 50%
        }

        assertThat(breaker.state()).isEqualTo(State.CLOSED);
    }

    @Test
    void releasedAttemptsSayNothingAboutTheTarget() {
        for (int i = 0; i < 20; i++) {
            assertThat(breaker.tryAcquire()).isTrue();
            breaker.release();
        }
        for (int i = 0; i < 3; i++) {
            attempt(false);
        }

        assertThat(breaker.state()).as("released attempts are not successes either").isEqualTo(State.CLOSED);
        attempt(false);
        assertThat(breaker.state()).isEqualTo(State.OPEN);
    }

    @Test
    void skipsWhileOpen() {
        open();
        clock.advance(OPEN_FOR.minusSeconds(1));

        assertThat(breaker.tryAcquire()).isFalse();
        assertThat(breaker.state()).isEqualTo(State.OPEN);
        assertThat(breaker.retryIn()).hasValue(Duration.ofSeconds(1));
    }

    @Test
    void letsOneProbeThroughAfterOpenFor() {
        open();
        clock.advance(OPEN_FOR.plusMillis(1));

        assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);
        assertThat(breaker.isOpen()).isFalse();
        assertThat(breaker.tryAcquire()).as("the probe").isTrue();
        assertThat(breaker.tryAcquire()).as("a second request while the probe is out").isFalse();
    }

    @Test
    void successfulProbeClosesTheCircuit() {
        open();
        clock.advance(OPEN_FOR.plusMillis(1));

        attempt(true);

        assertThat(breaker.state()).isEqualTo(State.CLOSED);
        assertThat(breaker.tryAcquire()).isTrue();
        assertThat(breaker.tryAcquire()).isTrue();
    }

    @Test
    void failedProbeOpensItAgainForAnotherPeriod() {
        open();
        clock.advance(OPEN_FOR.plusMillis(1));

        attempt(false);

        assertThat(breaker.state()).isEqualTo(State.OPEN);
        assertThat(breaker.tryAcquire()).isFalse();
        assertThat(breaker.retryIn()).hasValue(OPEN_FOR);
        clock.advance(OPEN_FOR.plusMillis(1));
        assertThat(breaker.tryAcquire()).isTrue();
    }

    @Test
    void coolDownOpensAClosedCircuitAtOnce() {
        breaker.coolDown(Duration.ofSeconds(60), "HTTP 429 insufficient_quota");

        assertThat(breaker.state()).isEqualTo(State.OPEN);
        assertThat(breaker.tryAcquire()).isFalse();
        assertThat(breaker.lastFailure()).isEqualTo("HTTP 429 insufficient_quota");
        assertThat(breaker.retryIn()).hasValue(Duration.ofSeconds(60));
    }

    @Test
    void coolDownKeepsTheLaterDeadline() {
        breaker.coolDown(Duration.ofSeconds(60), "HTTP 429");
        clock.advance(Duration.ofSeconds(10));
        breaker.coolDown(Duration.ofSeconds(5), "HTTP 503");

        assertThat(breaker.retryIn()).as("the earlier, longer cool-down still holds").hasValue(Duration.ofSeconds(50));
        clock.advance(Duration.ofSeconds(30));
        assertThat(breaker.tryAcquire()).isFalse();
        assertThat(breaker.state()).isEqualTo(State.OPEN);

        clock.advance(Duration.ofSeconds(20).plusMillis(1));
        assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);
        assertThat(breaker.tryAcquire()).isTrue();
    }

    @Test
    void longerCoolDownExtendsAnOpenCircuit() {
        open();
        breaker.coolDown(Duration.ofMinutes(5), "HTTP 401");

        clock.advance(OPEN_FOR.plusSeconds(1));

        assertThat(breaker.tryAcquire()).as("open_for has passed, the cool-down has not").isFalse();
        assertThat(breaker.retryIn()).map(Duration::toSeconds).isEqualTo(Optional.of(5 * 60L - 31));
    }
}
