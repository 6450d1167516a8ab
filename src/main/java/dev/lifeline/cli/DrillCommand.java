package dev.lifeline.cli;

import dev.lifeline.config.Config;
import dev.lifeline.config.Durations;
import dev.lifeline.drill.Drill;
import dev.lifeline.drill.DrillException;
import dev.lifeline.drill.DrillReport;
import dev.lifeline.drill.ReportWriter;
import dev.lifeline.drill.Sample;
import dev.lifeline.drill.Workload;
import dev.lifeline.monitor.AlertSink;
import dev.lifeline.monitor.Monitor;
import dev.lifeline.monitor.Notice;
import dev.lifeline.monitor.sink.Sinks;
import dev.lifeline.probe.Check;
import dev.lifeline.probe.Status;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/** {@code lifeline drill}: the quarterly failover drill against a running gateway, timed and reported. */
@Command(name = "drill", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = 2, exitCodeOnExecutionException = 2,
        description = {"Run the failover drill against a running gateway, timed and reported.",
                "Asks the cloud, takes it away for --duration, keeps asking (a local model must answer every request, with the",
                "failover logged, and pass the checks), gives the cloud back and times its return. Writes a Markdown, JSON and",
                "HTML report.",
                "Exit code: 0 the drill passed, 1 it failed, 2 it could not run (nothing was blocked), 130 stopped by Ctrl-C."},
        subcommands = DrillScheduleCommand.class)
public final class DrillCommand implements Callable<Integer> {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss").withZone(ZoneOffset.UTC);

    private final Map<String, String> env;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--gateway", paramLabel = "URL", description = "the gateway to drill (default: http://127.0.0.1:8470)")
    String gateway = "http://127.0.0.1:8470";

    @Option(names = "--duration", paramLabel = "DURATION", description = "how long the cloud stays away (default: 15m)")
    String duration = "15m";

    @Option(names = "--fault", paramLabel = "FAULT", description = "how the cloud fails: refused (at once) or silent (no answer"
            + " until the connect timeout) (default: refused)")
    String fault = "refused";

    @Option(names = "--block", paramLabel = "HOW", description = "admin (the gateway's drill fault, default) or firewall (a real"
            + " nftables rule on this machine, the gateway's, as root; needs --config for the cloud backends' addresses)")
    String block = "admin";

    @Option(names = "--workload", paramLabel = "FILE", description = "prompts and their checks (default: a built-in set; see docs/drill.md)")
    Path workload;

    @Option(names = "--model", paramLabel = "NAME", description = "the model to ask for (default: the workload's, else the gateway's first)")
    String model;

    @Option(names = "--pause", paramLabel = "DURATION", description = "pause between two requests (default: 2s)")
    String pause = "2s";

    @Option(names = "--recovery-bound", paramLabel = "DURATION", description = "how long the cloud may take to answer again after the"
            + " block is lifted (default: 2m; the breaker's open_for plus a probe)")
    String recoveryBound = "2m";

    @Option(names = "--request-timeout", paramLabel = "DURATION", description = "how long one request may take (default: 2m)")
    String requestTimeout = "2m";

    @Option(names = "--key", paramLabel = "KEY", description = "the API key requests carry (default: $LIFELINE_API_KEY)")
    String key;

    @Option(names = "--admin-key", paramLabel = "KEY", description = "the admin key that starts and lifts the fault (default:"
            + " $LIFELINE_ADMIN_KEY, else --key)")
    String adminKey;

    @Option(names = "--report", paramLabel = "DIR", description = "where the report goes (default: drill-reports/<UTC time>)")
    Path report;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "a configuration whose monitor.alerts announce the drill's"
            + " start and end (with --announce)")
    Path config;

    @Option(names = "--announce", description = "send 'drill started' and 'drill ended' through the configuration's monitor.alerts")
    boolean announce;

    @Option(names = "--monitor-state", paramLabel = "FILE", description = "lifeline monitor's alert state file: the drill fails unless"
            + " the monitor alerted about a cloud backend during the outage (it must check the cloud from the blocked machine:"
            + " --block firewall, monitor on the gateway's host)")
    Path monitorState;

    @Option(names = "--dry-run", description = "print the plan and change nothing")
    boolean dryRun;

    public DrillCommand(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Optional<Duration> length = MonitorCommand.DurationOption.parse(duration, "--duration", err);
        Optional<Duration> gap = MonitorCommand.DurationOption.parse(pause, "--pause", err);
        Optional<Duration> bound = MonitorCommand.DurationOption.parse(recoveryBound, "--recovery-bound", err);
        Optional<Duration> perRequest = MonitorCommand.DurationOption.parse(requestTimeout, "--request-timeout", err);
        Optional<URI> url = MonitorCommand.url(gateway);
        if (url.isEmpty()) {
            err.println("lifeline: --gateway " + gateway + " (expected: the gateway's URL, such as http://127.0.0.1:8470)");
        }
        if (!block.equals("admin") && !block.equals("firewall")) {
            err.println("lifeline: --block " + block + " (expected: admin or firewall)");
            return 2;
        }
        if (block.equals("firewall") && config == null) {
            err.println("lifeline: --block firewall needs --config: the cloud backends' URLs come from the configuration");
            return 2;
        }
        if (!fault.equals("refused") && !fault.equals("silent")) {
            err.println("lifeline: --fault " + fault + " (expected: refused or silent)");
            return 2;
        }
        if (length.isEmpty() || gap.isEmpty() || bound.isEmpty() || perRequest.isEmpty() || url.isEmpty()) {
            return 2;
        }
        if (length.get().compareTo(Duration.ofHours(24)) > 0) {
            err.println("lifeline: --duration " + duration + " (expected: at most 24h)");
            return 2;
        }
        Workload w;
        try {
            w = workload == null ? Workload.defaults() : Workload.load(workload);
        } catch (Workload.WorkloadException e) {
            err.println("lifeline: " + e.getMessage());
            e.problems().forEach(p -> err.println("  " + p));
            return 2;
        }
        List<AlertSink> sinks = List.of();
        Optional<Config> cfg = Optional.empty();
        if (announce || config != null) {
            cfg = ConfigFiles.load(config, env, err);
            if (cfg.isEmpty()) {
                return 2;
            }
        }
        Map<String, URI> cloudUrls = new java.util.LinkedHashMap<>();
        cfg.ifPresent(c -> c.backends().values().stream().filter(b -> b.cloud()).forEach(b -> cloudUrls.put(b.name(), b.url())));
        if (block.equals("firewall") && cloudUrls.isEmpty()) {
            err.println("lifeline: --block firewall: " + cfg.get().source() + " has no cloud backend (cloud: true) to block");
            return 2;
        }
        if (announce) {
            sinks = Sinks.from(cfg.get().monitor().alerts());
            if (sinks.isEmpty()) {
                err.println("lifeline: --announce: no alert sinks in " + cfg.get().source() + " (add monitor.alerts; see docs/monitor.md)");
                return 2;
            }
        }
        Path dir = report != null ? report : Path.of("drill-reports", STAMP.format(Instant.now()));
        if (!dryRun) {
            Optional<String> unwritable = writable(dir);
            if (unwritable.isPresent()) {
                // found now, not after a 15-minute outage whose result would then be lost
                err.println("lifeline: --report " + dir + ": " + unwritable.get());
                return 2;
            }
        }
        if (monitorState != null && !java.nio.file.Files.isReadable(monitorState)) {
            err.println("lifeline: --monitor-state " + monitorState + ": not a readable file (the monitor's state_file)");
            return 2;
        }
        Drill.Plan plan = new Drill.Plan(length.get(), gap.get(), bound.get(), Optional.ofNullable(model).or(w::model), w,
                Optional.ofNullable(monitorState));
        Optional<String> apiKey = Optional.ofNullable(key).or(() -> Optional.ofNullable(env.get("LIFELINE_API_KEY")));
        Optional<String> admin = Optional.ofNullable(adminKey).or(() -> Optional.ofNullable(env.get("LIFELINE_ADMIN_KEY")));
        try (Drill drill = block.equals("firewall") ? Drill.viaFirewall(url.get(), apiKey, cloudUrls, perRequest.get())
                : Drill.viaGateway(url.get(), apiKey, admin, fault, perRequest.get())) {
            printPlan(out, plan, drill, dir, sinks);
            if (dryRun) {
                out.println("dry run: nothing was changed.");
                return 0;
            }
            return run(drill, plan, dir, sinks, out, err);
        }
    }

    private void printPlan(PrintWriter out, Drill.Plan plan, Drill drill, Path dir, List<AlertSink> sinks) {
        long requests = Math.max(1, plan.length().toMillis() / Math.max(1, plan.pause().toMillis()));
        out.println("Failover drill against " + gateway);
        int tasks = plan.workload().tasks().size();
        out.println("  1. ask each task once; the cloud should answer (" + tasks + " request" + (tasks == 1 ? "" : "s") + ")");
        out.println("  2. take the cloud away for " + Durations.words(plan.length()) + ": " + drill.outage());
        out.println("     (it lifts itself after that even if this drill dies)");
        out.println("  3. meanwhile ask the workload's " + plan.workload().rounds().size() + " prompt"
                + (plan.workload().rounds().size() == 1 ? "" : "s") + " in turn, every "
                + Durations.words(plan.pause()) + " (about " + requests + " request" + (requests == 1 ? "" : "s")
                + "): each must be answered locally, with the"
                + " failover logged, and pass its checks");
        out.println("  4. give the cloud back; it must answer again within " + Durations.words(plan.recoveryBound()));
        plan.monitorState().ifPresent(f -> out.println("  5. the monitor (" + f + ") must have alerted about the cloud meanwhile"));
        out.println("  report: " + dir.resolve("drill.md") + ", " + dir.resolve("drill.json") + ", " + dir.resolve("drill.html")
                + (sinks.isEmpty() ? "" : "; announced to " + String.join(", ", sinks.stream().map(AlertSink::name).toList())));
        out.flush();
    }

    private int run(Drill drill, Drill.Plan plan, Path dir, List<AlertSink> sinks, PrintWriter out, PrintWriter err) {
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch done = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop.set(true); // Ctrl-C: the drill lifts the block and still writes its report
            try {
                done.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "drill-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            announce(sinks, Status.WARNING, "failover drill started on " + gateway + ": the cloud is blocked for "
                    + Durations.words(plan.length()), err);
            ProgressLine progress = new ProgressLine(err, System.console() != null);
            DrillReport r = drill.run(plan, progress, stop);
            progress.end();
            out.println((r.passed() ? "PASSED" : r.interrupted() ? "INTERRUPTED" : "FAILED") + ": "
                    + r.in(Sample.Phase.OUTAGE).size() + " requests during the outage, " + r.checksPassed() + " of " + r.checked()
                    + " answers passed their checks, recovery " + r.recovery().map(Durations::words).orElse("not seen"));
            r.failures().forEach(f -> out.println("  failure: " + f));
            r.surprises().forEach(s -> out.println("  surprise: " + s));
            try {
                List<Path> files = ReportWriter.write(r, dir);
                out.println("report: " + String.join(", ", files.stream().map(Path::toString).toList()));
            } catch (IOException e) {
                err.println("lifeline: drill: the report could not be written in " + dir + ": " + e);
            }
            out.flush();
            announce(sinks, r.passed() ? Status.OK : Status.CRITICAL, "failover drill ended: " + (r.passed() ? "passed" : "FAILED: "
                    + String.join("; ", r.failures())), err);
            return r.passed() ? 0 : 1;
        } catch (DrillException e) {
            err.println("lifeline: drill: " + e.getMessage());
            return 2;
        } finally {
            done.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it waits for the latch just counted down
            }
        }
    }

    /** Why the report could not be written into {@code dir}, tried by creating it and a file in it; empty when it can. */
    private static Optional<String> writable(Path dir) {
        try {
            java.nio.file.Files.createDirectories(dir);
            Path probe = java.nio.file.Files.createTempFile(dir, ".drill", ".tmp");
            java.nio.file.Files.delete(probe);
            return Optional.empty();
        } catch (java.nio.file.FileAlreadyExistsException e) {
            return Optional.of("a file is in the way: " + e.getFile());
        } catch (java.nio.file.AccessDeniedException e) {
            return Optional.of("permission denied: " + e.getFile());
        } catch (IOException e) {
            return Optional.of("cannot be written: " + e);
        }
    }

    private void announce(List<AlertSink> sinks, Status status, String text, PrintWriter err) {
        String host = Monitor.hostName(env);
        Notice n = new Notice(host, Instant.now(), List.of(new Notice.Item(status == Status.OK ? Notice.Kind.RECOVERY : Notice.Kind.PROBLEM,
                Check.of("lifeline", "drill", status, text), Status.OK)));
        for (AlertSink s : sinks) {
            try {
                s.send(n);
            } catch (AlertSink.AlertException e) {
                err.println("lifeline: drill: announcement not sent: " + e.getMessage());
            }
        }
    }

    /** A progress line on a terminal (rewritten in place); elsewhere one line per phase, with its counts when it ends. */
    private static final class ProgressLine implements Drill.Progress {
        private final PrintWriter err;
        private final boolean terminal;
        private Sample.Phase phase;
        private int requests;
        private int local;
        private int failed;

        ProgressLine(PrintWriter err, boolean terminal) {
            this.err = err;
            this.terminal = terminal;
        }

        @Override
        public void sample(Sample.Phase p, Sample s, Instant phaseEnds) {
            if (p != phase) {
                end();
                phase = p;
                requests = 0;
                local = 0;
                failed = 0;
                if (!terminal) {
                    err.println("drill: " + p.word() + (p == Sample.Phase.BEFORE ? "" : " until "
                            + phaseEnds.truncatedTo(java.time.temporal.ChronoUnit.SECONDS)));
                }
            }
            requests++;
            if (s.ok() && s.failover().isPresent()) {
                local++;
            }
            if (!s.passed()) {
                failed++;
            }
            if (terminal) {
                long left = Math.max(0, Duration.between(Instant.now(), phaseEnds).toSeconds());
                err.printf("\r%-8s %3d:%02d left  requests %d  failed over %d  failed %d   ", p.word(), left / 60, left % 60, requests, local, failed);
            }
            err.flush();
        }

        /** Closes the current phase's line. */
        void end() {
            if (phase == null) {
                return;
            }
            if (terminal) {
                err.println();
            } else {
                err.printf("drill: %s: %d requests, %d failed over, %d failed%n", phase.word(), requests, local, failed);
            }
            phase = null;
            err.flush();
        }
    }
}
