package dev.lifeline.monitor;

import dev.lifeline.probe.Check;
import dev.lifeline.probe.Status;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Alert dedup, recovery and re-notify over sequences of runs, as cron would make them: each run starts from the state
 * the last one left, and a sink that fails is told on a later run.
 */
class AlertingTest {
    private static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");
    private static final List<String> SINKS = List.of("slack", "email");

    /** Replays runs through the state like the monitor does, recording what each sink received. */
    private static final class Runs {
        final Alerting alerting;
        AlertState state = AlertState.EMPTY;
        int run;
        final Map<String, List<Notice>> received = Map.of("slack", new ArrayList<>(), "email", new ArrayList<>());
        Set<String> failing = Set.of();

        Runs(int threshold, Optional<Duration> renotify) {
            alerting = new Alerting(threshold, renotify);
        }

        /** One run five minutes after the last, with the service in {@code status}. */
        Runs run(Status status) {
            return run(Check.of("ollama", "service", status, status.isOk() ? "Ollama is running" : "connection refused"));
        }

        Runs run(Check... checks) {
            Report r = new Report("gpu-box", T0.plus(Duration.ofMinutes(5L * run++)), List.of(checks));
            Alerting.Plan plan = alerting.plan(state, r, Set.of("ollama"), SINKS);
            state = plan.state();
            plan.notices().forEach((sink, n) -> {
                if (!failing.contains(sink)) {
                    received.get(sink).add(n);
                    state = Alerting.delivered(state, sink, n);
                }
            });
            return this;
        }

        List<String> lines(String sink) {
            return received.get(sink).stream().flatMap(n -> n.items().stream()).map(Notice.Item::line).toList();
        }
    }

    @Test
    void oneFailedRunTellsNobodyTwoInARowTellEverySinkOnce() {
        Runs runs = new Runs(2, Optional.empty());

        runs.run(Status.OK).run(Status.CRITICAL);
        assertThat(runs.lines("slack")).isEmpty();

        runs.run(Status.CRITICAL).run(Status.CRITICAL).run(Status.CRITICAL);
        assertThat(runs.lines("slack")).containsExactly("ollama/service is CRITICAL: connection refused");
        assertThat(runs.lines("email")).containsExactly("ollama/service is CRITICAL: connection refused");
    }

    @Test
    void aFlappingCheckBelowTheThresholdNeverAlerts() {
        Runs runs = new Runs(2, Optional.empty());

        for (int i = 0; i < 10; i++) {
            runs.run(i % 2 == 0 ? Status.CRITICAL : Status.OK);
        }

        assertThat(runs.received.get("slack")).isEmpty();
    }

    @Test
    void recoveryIsAnnouncedOnceAndOnlyAfterAnAlert() {
        Runs runs = new Runs(1, Optional.empty());

        runs.run(Status.CRITICAL).run(Status.OK).run(Status.OK).run(Status.OK);

        assertThat(runs.lines("slack")).containsExactly(
                "ollama/service is CRITICAL: connection refused",
                "ollama/service recovered (was CRITICAL): Ollama is running");
        assertThat(runs.received.get("slack").get(1).title()).isEqualTo("[RECOVERED] ollama/service on gpu-box");
    }

    @Test
    void aWorseStatusIsANewAlertAndABetterOneToo() {
        Runs runs = new Runs(1, Optional.empty());

        runs.run(Status.WARNING).run(Status.WARNING).run(Status.CRITICAL).run(Status.WARNING);

        assertThat(runs.lines("slack")).containsExactly(
                "ollama/service is WARNING: connection refused",
                "ollama/service is CRITICAL: connection refused",
                "ollama/service is WARNING: connection refused");
    }

    @Test
    void aStillFailingCheckIsRemindedAfterTheRenotifyInterval() {
        Runs runs = new Runs(1, Optional.of(Duration.ofMinutes(15)));

        for (int i = 0; i < 8; i++) {   // runs at 0, 5, ... 35 minutes
            runs.run(Status.CRITICAL);
        }

        assertThat(runs.received.get("slack")).extracting(n -> n.items().getFirst().kind())
                .containsExactly(Notice.Kind.PROBLEM, Notice.Kind.REMINDER, Notice.Kind.REMINDER);
        assertThat(runs.lines("slack").get(1)).isEqualTo("ollama/service is still CRITICAL: connection refused");
        assertThat(runs.received.get("slack")).extracting(Notice::at)
                .containsExactly(T0, T0.plus(Duration.ofMinutes(15)), T0.plus(Duration.ofMinutes(30)));
    }

    @Test
    void aSinkThatFailedIsToldOnTheNextRunWhileTheOthersAreNotToldTwice() {
        Runs runs = new Runs(1, Optional.empty());
        runs.failing = Set.of("slack");

        runs.run(Status.CRITICAL).run(Status.CRITICAL);
        assertThat(runs.received.get("slack")).isEmpty();
        assertThat(runs.lines("email")).hasSize(1);

        runs.failing = Set.of();
        runs.run(Status.CRITICAL).run(Status.CRITICAL);
        assertThat(runs.lines("slack")).containsExactly("ollama/service is CRITICAL: connection refused");
        assertThat(runs.lines("email")).hasSize(1);
    }

    @Test
    void aProblemThatEndedBeforeTheFailingSinkWasToldIsNeverAnnounced() {
        Runs runs = new Runs(1, Optional.empty());
        runs.failing = Set.of("slack");
        runs.run(Status.CRITICAL);
        runs.failing = Set.of();

        runs.run(Status.OK).run(Status.OK);

        assertThat(runs.received.get("slack")).isEmpty();
        assertThat(runs.lines("email")).containsExactly(
                "ollama/service is CRITICAL: connection refused",
                "ollama/service recovered (was CRITICAL): Ollama is running");
    }

    @Test
    void severalChecksThatChangeInOneRunAreOneMessage() {
        Runs runs = new Runs(1, Optional.empty());

        runs.run(Check.of("ollama", "inference", Status.WARNING, "llama3.1:8b: 3 tokens/s (below 5)"),
                Check.of("ollama", "gpu", Status.WARNING, "llama3.1:8b 100% CPU"));

        assertThat(runs.received.get("slack")).hasSize(1);
        Notice n = runs.received.get("slack").getFirst();
        assertThat(n.title()).isEqualTo("[WARNING] 2 checks on gpu-box");
        assertThat(n.items()).hasSize(2);
    }

    @Test
    void checksSkippedInARunKeepTheirStateAndRemovedBackendsAreForgotten() {
        Alerting alerting = new Alerting(1, Optional.empty());
        Report first = new Report("h", T0, List.of(Check.of("ollama", "service", Status.OK, "up"),
                Check.of("ollama", "models", Status.CRITICAL, "missing x"), Check.of("old", "service", Status.CRITICAL, "down")));
        AlertState s = alerting.plan(AlertState.EMPTY, first, Set.of("ollama", "old"), List.of()).state();

        Report second = new Report("h", T0.plusSeconds(300), List.of(Check.of("ollama", "service", Status.CRITICAL, "down")));
        AlertState after = alerting.plan(s, second, Set.of("ollama"), List.of()).state();

        assertThat(after.checks()).containsOnlyKeys("ollama/service", "ollama/models");
        assertThat(after.check("ollama/models").status()).isEqualTo(Status.CRITICAL);
    }
}
