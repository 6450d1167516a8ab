package dev.lifeline.cli;

import dev.lifeline.config.BackendConfig;
import dev.lifeline.config.BackendConfig.Dialect;
import dev.lifeline.config.Config;
import dev.lifeline.config.Durations;
import dev.lifeline.config.ConfigLoader;
import dev.lifeline.config.MonitorConfig;
import dev.lifeline.config.Timeouts;
import dev.lifeline.monitor.AlertSink;
import dev.lifeline.monitor.Alerting;
import dev.lifeline.monitor.Monitor;
import dev.lifeline.monitor.Plans;
import dev.lifeline.monitor.StateFile;
import dev.lifeline.monitor.output.CheckLog;
import dev.lifeline.monitor.output.JsonFormat;
import dev.lifeline.monitor.output.MetricsServer;
import dev.lifeline.monitor.output.MonitorMetrics;
import dev.lifeline.monitor.output.NagiosFormat;
import dev.lifeline.monitor.output.ReportFormat;
import dev.lifeline.monitor.output.TableFormat;
import dev.lifeline.monitor.sink.Sinks;
import dev.lifeline.probe.CheckPlan;
import dev.lifeline.probe.ServerChecks;
import dev.lifeline.probe.Status;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code lifeline monitor}: is the local fallback able to serve right now? One run checks every backend, prints a
 * table, JSON or a Nagios line, exits 0 OK, 1 WARNING, 2 CRITICAL or 3 UNKNOWN, and tells the alert sinks what
 * changed; {@code --watch} runs for ever and serves {@code /metrics}.
 */
@Command(name = "monitor", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = 3, exitCodeOnExecutionException = 3,
        description = {"Check that every backend can serve: service up, models installed, a test answer fast enough, the GPU in use.",
                "Exit code: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (for cron, systemd timers, Nagios and Icinga).",
                "Alerts (monitor.alerts in the config) go out when a check changes state, with a recovery notice when it is OK again."},
        subcommands = {MonitorTestAlertCommand.class, MonitorScheduleCommand.class})
public final class MonitorCommand implements Callable<Integer> {
    static final String DEFAULT_METRICS = "127.0.0.1:8471";

    private final Map<String, String> env;

    @Spec
    CommandSpec spec;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "YAML configuration (default: the embedded default, as serve uses)")
    Path config;

    @Option(names = "--url", paramLabel = "URL", description = "check this server instead of the configuration's backends (repeatable;"
            + " host:port means http://host:port)")
    List<String> urls = new ArrayList<>();

    @Option(names = "--type", paramLabel = "TYPE", description = "the API of --url servers: ollama, openai or anthropic"
            + " (default: openai when the URL ends in /v1, else ollama)")
    String type;

    @Option(names = "--model", paramLabel = "NAME", description = "a model --url servers must have (repeatable); the first gets a test answer")
    List<String> models = new ArrayList<>();

    @Option(names = "--no-inference", description = "skip the test answers (no model is loaded, nothing is generated)")
    boolean noInference;

    @Option(names = "--format", paramLabel = "FORMAT", description = "table, json or nagios (default: table)")
    String format;

    @Option(names = "--json", description = "the same as --format json")
    boolean json;

    @Option(names = "--color", description = "colour the STATUS column of the table")
    boolean color;

    @Option(names = {"-q", "--quiet"}, description = "print nothing when every check is OK (cron mails only when there is output)")
    boolean quiet;

    @Option(names = "--no-alerts", description = "check and print, but send no alert and leave the alert state alone")
    boolean noAlerts;

    @Option(names = "--state", paramLabel = "FILE", description = "alert state file (default: monitor.state_file, or ~/.local/state/lifeline/monitor-state.json)")
    Path state;

    @Option(names = "--log", paramLabel = "FILE", description = "append one JSON line per check to FILE (default: monitor.log)")
    Path log;

    @Option(names = "--textfile", paramLabel = "FILE.prom", description = "write a Prometheus textfile for node_exporter (default: monitor.textfile)")
    Path textfile;

    @Option(names = "--watch", description = "run for ever, every --interval, serving /metrics on --metrics-listen")
    boolean watch;

    @Option(names = "--interval", paramLabel = "DURATION", description = "time between runs with --watch (default: monitor.interval, 5m)")
    String interval;

    @Option(names = "--metrics-listen", paramLabel = "HOST:PORT", description = "where --watch serves /metrics (default: " + "127.0.0.1:8471"
            + "; off: nowhere)")
    String metricsListen;

    @Option(names = "--runs", paramLabel = "N", hidden = true, description = "with --watch: stop after N runs")
    int runs;

    public MonitorCommand(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        StringWriter said = new StringWriter();
        Optional<Setup> setup = setup(new PrintWriter(said, true));
        err.print(said);
        err.flush();
        if (setup.isEmpty()) {
            if ("nagios".equals(format)) {
                out.println(unknownLine(said.toString()));   // Nagios reads stdout only
                out.flush();
            }
            return Status.UNKNOWN.exitCode();
        }
        Setup s = setup.get();
        MonitorConfig m = s.config().monitor();
        MonitorMetrics metrics = new MonitorMetrics();
        List<AlertSink> sinks = noAlerts ? List.of() : Sinks.from(m.alerts());
        Optional<StateFile> stateFile = noAlerts ? Optional.empty()
                : Optional.of(new StateFile(Optional.ofNullable(state).or(m::stateFile).orElseGet(() -> StateFile.defaultPath(env))));
        try (ServerChecks checks = new ServerChecks(m.timeout())) {
            Monitor monitor = new Monitor(plans(s.config()), checks, new Alerting(m.failureThreshold(), m.renotify()), sinks,
                    stateFile, afterRun(m, metrics), Monitor.hostName(env), Clock.systemUTC());
            if (!watch) {
                return runOnce(monitor, s.format(), out, err);
            }
            return watch(monitor, metrics, s.format(), s.every(), out, err);
        }
    }

    /** What a run needs, once the options and the configuration are known to be usable. */
    private record Setup(Config config, ReportFormat format, Duration every) {
    }

    /** Checks the options and reads the configuration; empty, with the reasons on {@code err}, when they cannot be used. */
    private Optional<Setup> setup(PrintWriter err) {
        if (json && format != null && !format.equals("json")) {
            err.println("lifeline: --json and --format " + format + " (expected: one of them)");
            return Optional.empty();
        }
        if (!watch && (interval != null || metricsListen != null)) {
            err.println("lifeline: " + (interval != null ? "--interval" : "--metrics-listen") + " applies to --watch (add --watch to run for ever)");
            return Optional.empty();
        }
        if (!models.isEmpty() && urls.isEmpty()) {
            err.println("lifeline: --model applies to --url servers (for the configuration's backends, list models under"
                    + " monitor.backends.NAME.models)");
            return Optional.empty();
        }
        Optional<ReportFormat> fmt = format(err);
        Optional<Config> cfg = fmt.flatMap(f -> MonitorSetup.config(config, urls, type, env, err));
        Optional<Duration> every = cfg.flatMap(c -> interval == null ? Optional.of(c.monitor().interval())
                : DurationOption.parse(interval, "--interval", err));
        return every.map(e -> new Setup(cfg.get(), fmt.get(), e));
    }

    /** {@code LIFELINE UNKNOWN - ...}: the first thing said, with the first problem when it announces a list. */
    private static String unknownLine(String said) {
        List<String> lines = said.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
        if (lines.isEmpty()) {
            return "LIFELINE UNKNOWN - could not check";
        }
        String first = lines.getFirst().replaceFirst("^lifeline: ", "");
        // "FILE has 2 problems:" says little on a dashboard without the first of them
        String line = first.endsWith(":") && lines.size() > 1 ? first + " " + lines.get(1) : first;
        return "LIFELINE UNKNOWN - " + line.replace("|", "/");
    }

    private int runOnce(Monitor monitor, ReportFormat fmt, PrintWriter out, PrintWriter err) {
        Monitor.Run run = monitor.runOnce();
        // --quiet is for a person's table under cron; Nagios and scripts always get their status
        if (!(quiet && run.report().status().isOk() && fmt instanceof TableFormat)) {
            fmt.print(run.report(), out);
        }
        if (!quiet) {
            run.sent().forEach((sink, notice) -> err.println("lifeline monitor: alert sent to " + sink + ": " + notice.title()));
        }
        run.problems().forEach(p -> err.println("lifeline monitor: " + p));
        err.flush();
        return run.report().status().exitCode();
    }

    private int watch(Monitor monitor, MonitorMetrics metrics, ReportFormat fmt, Duration every, PrintWriter out, PrintWriter err)
            throws InterruptedException, IOException {
        Optional<MetricsServer> server = Optional.empty();
        String listen = metricsListen == null ? DEFAULT_METRICS : metricsListen;
        if (!listen.equals("off")) {
            List<String> problems = new ArrayList<>();
            InetSocketAddress a = ConfigLoader.parseListen("--metrics-listen", listen, problems);
            if (!problems.isEmpty()) {
                err.println("lifeline: " + problems.getFirst().replace("127.0.0.1:8470", DEFAULT_METRICS));
                return Status.UNKNOWN.exitCode();
            }
            server = Optional.of(MetricsServer.start(a, metrics));
            err.printf("lifeline monitor: every %s; metrics on http://%s/metrics%n", Durations.format(every),
                    ServeCommand.display(new InetSocketAddress(a.getAddress(), server.get().port())));
        }
        try {
            for (int n = 1; runs == 0 || n <= runs; n++) {
                long start = System.nanoTime();
                runOnce(monitor, fmt, out, err);
                if (runs != 0 && n == runs) {
                    break;
                }
                Thread.sleep(Math.max(0, every.minusNanos(System.nanoTime() - start).toMillis()));
            }
            return 0;
        } finally {
            server.ifPresent(MetricsServer::close);
        }
    }

    private List<CheckPlan> plans(Config cfg) {
        List<CheckPlan> plans = Plans.from(cfg);
        if (!urls.isEmpty()) {
            plans = plans.stream().map(p -> new CheckPlan(p.backend(), models, models.stream().findFirst(), p.thresholds(), p.cpuFallback(),
                    p.timeout())).toList();
        }
        if (noInference) {
            plans = plans.stream().map(p -> new CheckPlan(p.backend(), p.models(), Optional.empty(), p.thresholds(), p.cpuFallback(),
                    p.timeout())).toList();
        }
        return plans;
    }

    private List<Monitor.AfterRun> afterRun(MonitorConfig m, MonitorMetrics metrics) {
        List<Monitor.AfterRun> steps = new ArrayList<>();
        // --log keeps the file's rotation settings, or the defaults
        Optional<MonitorConfig.LogFile> logFile = Optional.ofNullable(log).map(Path::toAbsolutePath)
                .map(p -> m.log().map(l -> l.at(p)).orElseGet(() -> MonitorConfig.LogFile.of(p)))
                .or(m::log);
        logFile.map(CheckLog::new).ifPresent(l -> steps.add(new Monitor.AfterRun("log " + l.path(), l::append)));
        steps.add(new Monitor.AfterRun("metrics", metrics::update));
        Optional.ofNullable(textfile).map(Path::toAbsolutePath).or(m::textfile)
                .ifPresent(f -> steps.add(new Monitor.AfterRun("textfile " + f, r -> metrics.writeTextfile(f))));
        Sinks.heartbeat(m.alerts()).ifPresent(h -> steps.add(new Monitor.AfterRun("heartbeat", r -> h.ping(r.status()))));
        return steps;
    }

    private Optional<ReportFormat> format(PrintWriter err) {
        String f = json ? "json" : format == null ? "table" : format;
        return switch (f) {
            case "table" -> Optional.of(new TableFormat(color && !env.containsKey("NO_COLOR")));
            case "json" -> Optional.of(new JsonFormat());
            case "nagios" -> Optional.of(new NagiosFormat());
            default -> {
                err.println("lifeline: --format " + f + " (expected: table, json or nagios)");
                yield Optional.empty();
            }
        };
    }

    /** Reading the configuration, or making one for {@code --url} servers. */
    static final class MonitorSetup {
        private MonitorSetup() {
        }

        static Optional<Config> config(Path file, List<String> urlTexts, String type, Map<String, String> env, PrintWriter err) {
            Optional<Config> loaded = ConfigFiles.load(file, env, err);
            if (loaded.isEmpty()) {
                return Optional.empty();
            }
            Config cfg = loaded.get();
            List<URI> urls = new ArrayList<>();
            for (String text : urlTexts) {
                Optional<URI> u = url(text);
                if (u.isEmpty()) {
                    err.println("lifeline: --url " + text + " (expected: a server's URL such as http://127.0.0.1:11434 or http://127.0.0.1:8080/v1)");
                    return Optional.empty();
                }
                urls.add(u.get());
            }
            if (urls.isEmpty()) {
                if (type != null) {
                    err.println("lifeline: --type applies to --url servers (the configuration's backends have their own type)");
                    return Optional.empty();
                }
                return Optional.of(cfg);
            }
            Map<String, BackendConfig> backends = new LinkedHashMap<>();
            for (URI u : urls) {
                if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
                    err.println("lifeline: --url " + u + " (expected: a server's URL such as http://127.0.0.1:11434 or http://127.0.0.1:8080/v1)");
                    return Optional.empty();
                }
                Optional<Dialect> d = type == null ? Optional.of(u.getPath().replaceAll("/+$", "").endsWith("/v1") ? Dialect.OPENAI : Dialect.OLLAMA)
                        : Dialect.byName(type);
                if (d.isEmpty()) {
                    err.println("lifeline: --type " + type + " (expected: ollama, openai or anthropic)");
                    return Optional.empty();
                }
                boolean cloud = ConfigLoader.looksLikeCloud(u);
                String name = u.getHost() + (u.getPort() != -1 ? ":" + u.getPort() : "");
                backends.put(name, new BackendConfig(name, d.get(), u, Optional.empty(), cloud, Map.of(), Timeouts.defaultsFor(cloud), 0,
                        Duration.ofSeconds(5), BackendConfig.Concurrency.UNLIMITED, Optional.empty(), Map.of()));
            }
            return Optional.of(new Config(cfg.listen(), backends, List.of(), false, cfg.breaker(), cfg.health(), cfg.limits(), cfg.security(),
                    "--url", Optional.empty(), cfg.monitor().withBackends(Map.of())));
        }
    }

    /** {@code http://host:port/v1}; a bare {@code host:port}, as people type it, is plain HTTP. */
    static Optional<URI> url(String text) {
        String t = text.strip();
        if (!t.contains("://")) {
            t = "http://" + t;
        }
        try {
            URI u = new URI(t);
            return ("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && u.getHost() != null ? Optional.of(u) : Optional.empty();
        } catch (java.net.URISyntaxException e) {
            return Optional.empty();
        }
    }

    /** Durations on the command line, in the configuration's syntax. */
    static final class DurationOption {
        private DurationOption() {
        }

        static Optional<Duration> parse(String text, String option, PrintWriter err) {
            Optional<Duration> d = Durations.parse(text).filter(x -> !x.isZero() && !x.isNegative());
            if (d.isEmpty()) {
                err.println("lifeline: " + option + " " + text + " (expected: a duration such as 30s, 5m or 1h)");
            }
            return d;
        }
    }
}
