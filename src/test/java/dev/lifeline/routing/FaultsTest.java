package dev.lifeline.routing;

import dev.lifeline.backend.Failure;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The drill's fault over time, with a clock the test moves: started, replaced, lifted, and lifting itself. */
class FaultsTest {
    private final BreakerTest.ManualClock clock = new BreakerTest.ManualClock();
    private final Faults drill = new Faults(List.of("openai", "anthropic"), clock);

    @Test
    void aFaultCoversEveryCloudBackendUntilItsEnd() {
        DrillFault f = drill.start(DrillFault.Mode.REFUSED, Duration.ofMinutes(15));

        assertThat(f.backends()).containsExactly("openai", "anthropic");
        assertThat(f.covers("openai")).isTrue();
        assertThat(f.covers("ollama")).isFalse();
        assertThat(f.until()).isEqualTo(f.started().plus(Duration.ofMinutes(15)));
        assertThat(drill.current()).contains(f);

        clock.advance(Duration.ofMinutes(10));
        assertThat(drill.active()).isTrue();
        assertThat(f.remaining(drill.now())).isEqualTo(Duration.ofMinutes(5));

        clock.advance(Duration.ofMinutes(5));
        assertThat(drill.current()).as("lifted by itself at its end, with nobody calling lift").isEmpty();
        assertThat(drill.lift()).as("nothing left to lift").isEmpty();
    }

    @Test
    void aSecondStartReplacesTheFirstAndLiftEndsIt() {
        drill.start(DrillFault.Mode.REFUSED, Duration.ofMinutes(15));
        clock.advance(Duration.ofMinutes(1));
        DrillFault silent = drill.start(DrillFault.Mode.SILENT, Duration.ofHours(1));

        assertThat(drill.current()).contains(silent);
        assertThat(drill.lift()).contains(silent);
        assertThat(drill.current()).isEmpty();
        assertThat(drill.lift()).isEmpty();
    }

    @Test
    void aFaultFailsAsTheRealOutageWould() {
        Failure refused = drill.start(DrillFault.Mode.REFUSED, Duration.ofSeconds(30)).failure();
        Failure silent = drill.start(DrillFault.Mode.SILENT, Duration.ofSeconds(30)).failure();

        assertThat(refused.kind()).isEqualTo(Failure.Kind.CONNECT_REFUSED);
        assertThat(refused.reason()).isEqualTo("connection refused");
        assertThat(silent.kind()).isEqualTo(Failure.Kind.CONNECT_TIMEOUT);
        assertThat(FailureRules.countsAgainstTarget(refused)).isTrue();
        assertThat(FailureRules.countsAgainstTarget(silent)).isTrue();
    }

    @Test
    void lengthsAndModesAreChecked() {
        assertThatThrownBy(() -> drill.start(DrillFault.Mode.REFUSED, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> drill.start(DrillFault.Mode.REFUSED, Duration.ofHours(24).plusMillis(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(drill.start(DrillFault.Mode.REFUSED, Duration.ofHours(24)).until()).isNotNull();
        assertThat(DrillFault.Mode.parse("silent")).contains(DrillFault.Mode.SILENT);
        assertThat(DrillFault.Mode.parse("SILENT")).isEmpty();
    }

    @Test
    void withoutCloudBackendsThereIsNothingToDrill() {
        Faults none = new Faults(List.of(), clock);

        assertThatThrownBy(() -> none.start(DrillFault.Mode.REFUSED, Duration.ofMinutes(1))).isInstanceOf(IllegalStateException.class);
        assertThat(none.current()).isEmpty();
    }
}
