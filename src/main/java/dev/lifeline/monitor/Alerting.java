package dev.lifeline.monitor;

import dev.lifeline.monitor.AlertState.CheckState;
import dev.lifeline.monitor.AlertState.Told;
import dev.lifeline.probe.Check;
import dev.lifeline.probe.Status;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * When to alert, as pure functions of the remembered state and a run's report, so a sequence of runs can be
 * replayed in a test:
 * <ul>
 *   <li>a check alerts once it failed {@code failureThreshold} runs in a row (a single blip tells nobody), and again
 *       when its status changes (WARNING to CRITICAL);</li>
 *   <li>the first OK run after an alert sends a recovery notice, once;</li>
 *   <li>with {@code renotify}, a check that still fails is re-announced after that long;</li>
 *   <li>each sink keeps its own record: a notice counts as sent only when the sink took it, so a sink that failed
 *       gets it on the next run, and one sink's failure never costs another its alert.</li>
 * </ul>
 * Checks the run skipped (a backend that is down is not asked for its models) keep their state; backends that are no
 * longer configured are forgotten.
 */
public final class Alerting {
    private final int failureThreshold;
    private final Optional<Duration> renotify;

    public Alerting(int failureThreshold, Optional<Duration> renotify) {
        if (failureThreshold < 1) {
            throw new IllegalArgumentException("failureThreshold " + failureThreshold + " (expected: at least 1)");
        }
        this.failureThreshold = failureThreshold;
        this.renotify = Objects.requireNonNull(renotify, "renotify");
    }

    /** The state after a run, and what each sink is to be told. */
    public record Plan(AlertState state, Map<String, Notice> notices) {
        public Plan {
            Objects.requireNonNull(state, "state");
            notices = Map.copyOf(notices);
        }
    }

    /**
     * Folds a run into the state and decides the notices.
     *
     * @param backends the backends still configured; state of others is dropped
     * @param sinks    the names of the configured sinks
     */
    public Plan plan(AlertState before, Report report, Set<String> backends, List<String> sinks) {
        Map<String, CheckState> next = new LinkedHashMap<>();
        before.checks().forEach((id, s) -> {
            if (backends.contains(id.substring(0, id.lastIndexOf('/')))) {
                next.put(id, s);
            }
        });
        Map<String, List<Notice.Item>> items = new LinkedHashMap<>();
        sinks.forEach(s -> items.put(s, new ArrayList<>()));
        for (Check c : report.checks()) {
            CheckState old = before.check(c.id());
            int failures = c.status().isOk() ? 0 : old.failures() + 1;
            Status alerting = c.status().isOk() ? Status.OK : failures >= failureThreshold ? c.status() : old.alerting();
            CheckState now = new CheckState(c.status(), failures, alerting, old.told());
            next.put(c.id(), now);
            for (String sink : sinks) {
                item(now, c, sink, report.at()).ifPresent(items.get(sink)::add);
            }
        }
        Map<String, Notice> notices = new LinkedHashMap<>();
        items.forEach((sink, list) -> {
            if (!list.isEmpty()) {
                notices.put(sink, new Notice(report.host(), report.at(), list));
            }
        });
        return new Plan(new AlertState(next), notices);
    }

    private Optional<Notice.Item> item(CheckState s, Check c, String sink, Instant at) {
        Told told = s.toldTo(sink);
        if (s.alerting() != told.status()) {
            // a recovery reports the check as it is now; a check still counting failures towards the threshold is not OK yet
            if (s.alerting().isOk() && !c.status().isOk()) {
                return Optional.empty();
            }
            return Optional.of(new Notice.Item(s.alerting().isOk() ? Notice.Kind.RECOVERY : Notice.Kind.PROBLEM, c, told.status()));
        }
        if (!s.alerting().isOk() && renotify.isPresent() && !Duration.between(told.at(), at).minus(renotify.get()).isNegative()) {
            return Optional.of(new Notice.Item(Notice.Kind.REMINDER, c, told.status()));
        }
        return Optional.empty();
    }

    /** The state once {@code sink} took {@code notice}: it now knows of every check in it. */
    public static AlertState delivered(AlertState state, String sink, Notice notice) {
        AlertState s = state;
        for (Notice.Item i : notice.items()) {
            CheckState cs = s.check(i.check().id());
            s = s.with(i.check().id(), cs.tell(sink, new Told(cs.alerting(), notice.at())));
        }
        return s;
    }
}
