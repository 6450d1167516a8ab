package dev.lifeline.monitor;

import dev.lifeline.probe.Status;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What the monitor remembers between runs, per check: the consecutive failures (against flapping), the status it
 * alerts on, and what each sink was last told. Kept in a small file so that one-shot runs from cron behave like a
 * daemon: an alert goes out once per change, a recovery once, and a sink that failed is told on the next run.
 *
 * @param checks by {@link dev.lifeline.probe.Check#id()}
 */
public record AlertState(Map<String, CheckState> checks) {
    public AlertState {
        checks = Map.copyOf(checks);
    }

    public static final AlertState EMPTY = new AlertState(Map.of());

    /**
     * @param failures consecutive runs the check was not OK
     * @param alerting the status alerts are about: OK until {@code failures} reach the threshold, then the check's
     * @param told     per sink, the status it was last told of and when
     */
    public record CheckState(Status status, int failures, Status alerting, Map<String, Told> told) {
        public CheckState {
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(alerting, "alerting");
            told = Map.copyOf(told);
        }

        static final CheckState FRESH = new CheckState(Status.OK, 0, Status.OK, Map.of());

        /** What {@code sink} was told last; OK when it was told nothing. */
        public Told toldTo(String sink) {
            return told.getOrDefault(sink, Told.NOTHING);
        }

        CheckState tell(String sink, Told t) {
            Map<String, Told> m = new LinkedHashMap<>(told);
            if (t.status().isOk()) {
                m.remove(sink);
            } else {
                m.put(sink, t);
            }
            return new CheckState(status, failures, alerting, m);
        }
    }

    /** A status a sink was told of, and when. */
    public record Told(Status status, Instant at) {
        public Told {
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(at, "at");
        }

        static final Told NOTHING = new Told(Status.OK, Instant.EPOCH);
    }

    public CheckState check(String id) {
        return checks.getOrDefault(id, CheckState.FRESH);
    }

    AlertState with(String id, CheckState s) {
        Map<String, CheckState> m = new LinkedHashMap<>(checks);
        m.put(id, s);
        return new AlertState(m);
    }
}
