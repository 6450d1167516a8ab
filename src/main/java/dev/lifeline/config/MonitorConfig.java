package dev.lifeline.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code monitor:} section: what {@code lifeline monitor} checks beyond reachability, how it judges the numbers,
 * where it writes, and whom it tells.
 *
 * @param backends         per backend: required models and whether to run a test inference (absent: defaults)
 * @param thresholds       when a measured number makes a check WARNING or CRITICAL
 * @param cpuFallback      what a model running partly or wholly on the CPU is
 * @param failureThreshold consecutive failing runs before an alert goes out (against flapping)
 * @param renotify         re-send an alert for a check that still fails after this long; empty: never
 * @param interval         how often {@code --watch} runs the checks
 * @param timeout          for each probe request that should answer at once (health, model lists)
 * @param stateFile        where alert state is kept between runs; empty: the default under the user's state directory
 * @param log              the JSON-lines log of every check, when set
 * @param textfile         a Prometheus textfile for node_exporter, written after each run, when set
 * @param alerts           the alert sinks
 */
public record MonitorConfig(
        Map<String, BackendWatch> backends,
        Thresholds thresholds,
        CpuFallback cpuFallback,
        int failureThreshold,
        Optional<Duration> renotify,
        Duration interval,
        Duration timeout,
        Optional<Path> stateFile,
        Optional<LogFile> log,
        Optional<Path> textfile,
        Alerts alerts) {

    public MonitorConfig {
        backends = Map.copyOf(backends);
        Objects.requireNonNull(thresholds, "thresholds");
        Objects.requireNonNull(cpuFallback, "cpuFallback");
        Objects.requireNonNull(renotify, "renotify");
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(stateFile, "stateFile");
        Objects.requireNonNull(log, "log");
        Objects.requireNonNull(textfile, "textfile");
        Objects.requireNonNull(alerts, "alerts");
    }

    public static final MonitorConfig DEFAULT = new MonitorConfig(Map.of(), Thresholds.DEFAULT, CpuFallback.WARNING, 2,
            Optional.empty(), Duration.ofMinutes(5), Duration.ofSeconds(5), Optional.empty(), Optional.empty(), Optional.empty(), Alerts.NONE);

    /** The same settings for other backends (a monitor of {@code --url} servers keeps the file's thresholds and alerts). */
    public MonitorConfig withBackends(Map<String, BackendWatch> other) {
        return new MonitorConfig(other, thresholds, cpuFallback, failureThreshold, renotify, interval, timeout, stateFile, log, textfile, alerts);
    }

    /** What to check on one backend beyond reachability. */
    public record BackendWatch(Optional<List<String>> models, Optional<Boolean> inference) {
        public BackendWatch {
            models = models.map(List::copyOf);
            Objects.requireNonNull(inference, "inference");
        }
    }

    /**
     * Limits on what a test inference measured. Tokens per second alert when they fall below; time to first token
     * and load time when they rise above. Empty: not judged.
     */
    public record Thresholds(Level<Double> tokensPerSecond, Level<Duration> ttft, Level<Duration> loadTime) {
        public Thresholds {
            Objects.requireNonNull(tokensPerSecond, "tokensPerSecond");
            Objects.requireNonNull(ttft, "ttft");
            Objects.requireNonNull(loadTime, "loadTime");
        }

        public static final Thresholds DEFAULT = new Thresholds(
                new Level<>(Optional.of(5.0), Optional.of(1.0)),
                new Level<>(Optional.of(Duration.ofSeconds(10)), Optional.of(Duration.ofSeconds(30))),
                new Level<>(Optional.of(Duration.ofSeconds(30)), Optional.of(Duration.ofMinutes(2))));
    }

    public record Level<T>(Optional<T> warning, Optional<T> critical) {
        public Level {
            Objects.requireNonNull(warning, "warning");
            Objects.requireNonNull(critical, "critical");
        }
    }

    /** A model that Ollama runs partly or wholly on the CPU: a lost GPU driver, too little VRAM. */
    public enum CpuFallback { WARNING, CRITICAL, IGNORE }

    /** A JSON-lines file, rotated when it passes {@code maxBytes}, keeping {@code keep} old files. */
    public record LogFile(Path path, long maxBytes, int keep) {
        public static final long DEFAULT_MAX_BYTES = 10L * 1024 * 1024;
        public static final int DEFAULT_KEEP = 5;

        public LogFile {
            Objects.requireNonNull(path, "path");
        }

        /** {@code path}, rotated at 10 MiB, keeping 5 old files. */
        public static LogFile of(Path path) {
            return new LogFile(path, DEFAULT_MAX_BYTES, DEFAULT_KEEP);
        }

        /** The same rotation for another file. */
        public LogFile at(Path other) {
            return new LogFile(other, maxBytes, keep);
        }
    }

    /** The alert sinks; each is optional. Webhook URLs are secrets: whoever has one can post to the channel. */
    public record Alerts(Optional<Secret> slack, Optional<Secret> teams, Optional<Secret> webhook, Optional<Email> email,
                         Optional<Secret> heartbeat) {
        public Alerts {
            Objects.requireNonNull(slack, "slack");
            Objects.requireNonNull(teams, "teams");
            Objects.requireNonNull(webhook, "webhook");
            Objects.requireNonNull(email, "email");
            Objects.requireNonNull(heartbeat, "heartbeat");
        }

        public static final Alerts NONE = new Alerts(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    /**
     * Email over SMTP.
     *
     * @param host     the SMTP server
     * @param port     587 (STARTTLS), 465 (TLS from the start) or 25
     * @param tls      how the connection is protected
     * @param username login, when the server wants one
     * @param password its password
     * @param from     the sender address
     * @param to       the recipients
     */
    public record Email(String host, int port, Tls tls, Optional<String> username, Optional<Secret> password, String from, List<String> to) {
        public Email {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(tls, "tls");
            Objects.requireNonNull(username, "username");
            Objects.requireNonNull(password, "password");
            Objects.requireNonNull(from, "from");
            to = List.copyOf(to);
        }

        /** {@code starttls}: upgrade on 587 and refuse to go on without it; {@code tls}: TLS from the start (465); {@code none}. */
        public enum Tls { STARTTLS, TLS, NONE }
    }
}
