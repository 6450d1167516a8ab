package dev.lifeline.monitor;

import dev.lifeline.probe.Check;
import dev.lifeline.probe.CheckPlan;
import dev.lifeline.probe.ServerChecks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One run of {@code lifeline monitor}: check every backend, tell the sinks what changed (remembering it in the state
 * file), then the after-run steps: the log line per check, the Prometheus textfile, the heartbeat. Nothing after the
 * checks can fail the run: a sink or a file that fails is reported and retried on the next run.
 */
public final class Monitor {
    private final List<CheckPlan> plans;
    private final ServerChecks checks;
    private final Alerting alerting;
    private final List<AlertSink> sinks;
    private final Optional<StateFile> state;
    private final List<AfterRun> afterRun;
    private final String host;
    private final Clock clock;

    /**
     * A step after the checks and the alerts.
     *
     * @param name for messages: {@code log /var/log/lifeline/monitor.jsonl}, {@code heartbeat}
     */
    public record AfterRun(String name, Action action) {
        public AfterRun {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(action, "action");
        }

        public interface Action {
            void accept(Report report) throws IOException, AlertSink.AlertException;
        }
    }

    public Monitor(List<CheckPlan> plans, ServerChecks checks, Alerting alerting, List<AlertSink> sinks, Optional<StateFile> state,
                   List<AfterRun> afterRun, String host, Clock clock) {
        this.plans = List.copyOf(plans);
        this.checks = Objects.requireNonNull(checks, "checks");
        this.alerting = Objects.requireNonNull(alerting, "alerting");
        this.sinks = List.copyOf(sinks);
        this.state = Objects.requireNonNull(state, "state");
        this.afterRun = List.copyOf(afterRun);
        this.host = Objects.requireNonNull(host, "host");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * What a run found and did.
     *
     * @param report   the checks
     * @param sent     the sinks that took a notice, with what they were told
     * @param problems what went wrong after the checks (a sink, a file), one line each
     */
    public record Run(Report report, Map<String, Notice> sent, List<String> problems) {
        public Run {
            Objects.requireNonNull(report, "report");
            sent = Map.copyOf(sent);
            problems = List.copyOf(problems);
        }
    }

    public Run runOnce() {
        List<Check> found = checks.runAll(plans);
        Report report = new Report(host, clock.instant(), found);
        List<String> problems = new ArrayList<>();
        Map<String, Notice> sent = alert(report, problems);
        for (AfterRun step : afterRun) {
            try {
                step.action().accept(report);
            } catch (AlertSink.AlertException e) {
                problems.add(e.getMessage());   // names its sink already
            } catch (IOException | RuntimeException e) {
                problems.add(step.name() + ": " + e.getMessage());
            }
        }
        return new Run(report, sent, problems);
    }

    private Map<String, Notice> alert(Report report, List<String> problems) {
        if (sinks.isEmpty() || state.isEmpty()) {
            return Map.of();
        }
        StateFile file = state.get();
        try (StateFile.Lock ignored = file.lock()) {
            StateFile.Loaded loaded = file.load();
            loaded.warning().ifPresent(problems::add);
            Set<String> backends = new LinkedHashSet<>(plans.stream().map(p -> p.backend().name()).toList());
            Alerting.Plan plan = alerting.plan(loaded.state(), report, backends, sinks.stream().map(AlertSink::name).toList());
            AlertState after = plan.state();
            Map<String, Notice> sent = new LinkedHashMap<>();
            for (AlertSink sink : sinks) {
                Notice n = plan.notices().get(sink.name());
                if (n == null) {
                    continue;
                }
                try {
                    sink.send(n);
                    after = Alerting.delivered(after, sink.name(), n);
                    sent.put(sink.name(), n);
                } catch (AlertSink.AlertException e) {
                    problems.add("alert not delivered, retried next run: " + e.getMessage());
                }
            }
            file.save(after);
            return sent;
        } catch (IOException e) {
            problems.add("alert state " + file.path() + ": " + why(e) + " (no alert is sent until it can be written: fix the path or monitor.state_file)");
            return Map.of();
        }
    }

    private static String why(IOException e) {
        return switch (e) {
            case java.nio.file.NoSuchFileException n -> "no such directory: " + n.getFile();
            case java.nio.file.AccessDeniedException a -> "permission denied: " + a.getFile();
            case java.nio.file.FileSystemException f -> Optional.ofNullable(f.getReason()).orElse("cannot write") + ": " + f.getFile();
            default -> Optional.ofNullable(e.getMessage()).orElse(e.getClass().getSimpleName());
        };
    }

    /** This machine's name, for alert messages, without a DNS lookup that could hang a cron run. */
    public static String hostName(Map<String, String> env) {
        String h = env.get("HOSTNAME");
        if (h != null && !h.isBlank()) {
            return h.strip();
        }
        try {
            String k = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            if (!k.isEmpty()) {
                return k;
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux: the variables below, then "localhost"
        }
        return Optional.ofNullable(env.get("COMPUTERNAME")).filter(s -> !s.isBlank()).orElse("localhost");
    }
}
