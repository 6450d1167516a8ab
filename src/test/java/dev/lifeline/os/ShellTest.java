package dev.lifeline.os;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Running a tool: what it printed and how it ended, and never an exception for a tool that is missing or hangs. */
class ShellTest {
    @Test
    void capturesOutputErrorsAndExitCode() {
        Shell.Result r = Shell.local().run("sh", "-c", "echo out; echo oops >&2; exit 3");

        assertThat(r.ran()).isTrue();
        assertThat(r.ok()).isFalse();
        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.stdout()).isEqualTo("out\n");
        assertThat(r.firstErrorLine()).isEqualTo("oops");
        assertThat(r.problem()).isEqualTo("sh exited 3: oops");
    }

    @Test
    void aMissingToolIsAResultNotAnException() {
        Shell.Result r = Shell.local().run("lifeline-no-such-tool", "-x");

        assertThat(r.notInstalled()).isTrue();
        assertThat(r.problem()).isEqualTo("lifeline-no-such-tool is not installed");
    }

    @Test
    void aHangingToolIsStoppedAtTheTimeout() {
        long start = System.nanoTime();
        Shell.Result r = Shell.local().withTimeout(Duration.ofMillis(300)).run("sleep", "30");
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertThat(r.outcome()).isEqualTo(Shell.Outcome.TIMED_OUT);
        assertThat(r.problem()).isEqualTo("sleep did not answer within the timeout");
        assertThat(millis).isLessThan(3000);
    }

    @Test
    void aToolThatReadsItsInputSeesItsEndAtOnce() {
        Shell.Result r = Shell.local().withTimeout(Duration.ofSeconds(5)).run("cat");

        assertThat(r.ok()).isTrue();
        assertThat(r.stdout()).isEmpty();
    }
}
