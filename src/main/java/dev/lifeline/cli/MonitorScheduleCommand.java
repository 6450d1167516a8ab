package dev.lifeline.cli;

import dev.lifeline.monitor.Schedule;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code lifeline monitor schedule}: a ready entry for cron, systemd, launchd or the Windows task scheduler. */
@Command(name = "schedule", mixinStandardHelpOptions = true,
        description = {"Print a ready entry that runs `lifeline monitor` every 5 minutes (or --every).",
                "A crontab line, a systemd service and timer, a launchd agent, or a schtasks command."})
public final class MonitorScheduleCommand implements Callable<Integer> {
    private final Map<String, String> env;

    @Spec
    CommandSpec spec;

    @ArgGroup(multiplicity = "1")
    Which which;

    static final class Which {
        @Option(names = "--cron", description = "a crontab entry (with MAILTO when --mailto is given)")
        boolean cron;
        @Option(names = "--systemd", description = "a systemd service and timer")
        boolean systemd;
        @Option(names = "--launchd", description = "a launchd agent for macOS")
        boolean launchd;
        @Option(names = "--windows", description = "a schtasks command")
        boolean windows;

        Schedule.Format format() {
            return cron ? Schedule.Format.CRON : systemd ? Schedule.Format.SYSTEMD : launchd ? Schedule.Format.LAUNCHD : Schedule.Format.WINDOWS;
        }
    }

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "the configuration the scheduled runs use")
    Path config;

    @Option(names = "--every", paramLabel = "DURATION", description = "time between runs (default: 5m)")
    String every = "5m";

    @Option(names = "--mailto", paramLabel = "ADDRESS", description = "cron: where cron mails the output of failing runs")
    String mailto;

    @Option(names = "--user", paramLabel = "NAME", description = "systemd: the account the service runs as (default: root)")
    String user;

    @Option(names = "--format", paramLabel = "FORMAT", description = "the scheduled runs' output: table, json or nagios (default: table)")
    String format;

    public MonitorScheduleCommand(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Optional<Duration> interval = MonitorCommand.DurationOption.parse(every, "--every", err);
        if (interval.isEmpty()) {
            return 2;
        }
        if (mailto != null && !which.cron) {
            err.println("lifeline: --mailto is for --cron (systemd, launchd and the task scheduler do not mail; use monitor.alerts.email)");
            return 2;
        }
        if (user != null && !which.systemd) {
            err.println("lifeline: --user is for --systemd (the other schedulers run as the user who installs the entry)");
            return 2;
        }
        if (config != null && !Files.isRegularFile(config)) {
            err.println("lifeline: --config " + config + ": no such file (the scheduled runs would fail; give the file they should use)");
            return 2;
        }
        Path jar = jar();
        Path launcher = Path.of(env.getOrDefault("LIFELINE_LAUNCHER", jar.getParent().resolve("lifeline").toString()));
        Path home = Path.of(env.getOrDefault("HOME", System.getProperty("user.home")));
        List<String> args = new ArrayList<>(List.of("--quiet"));
        if (format != null) {
            args.addAll(List.of("--format", format));
        }
        try {
            Schedule.Job job = Schedule.Job.of(launcher, jar, Path.of("").toAbsolutePath(), home)
                    .withJavaHome(Path.of(System.getProperty("java.home"))).withArgs(args).withEvery(interval.get());
            if (config != null) {
                job = job.withConfig(config.toAbsolutePath().normalize());
            }
            if (mailto != null) {
                job = job.withMailto(mailto);
            }
            if (user != null) {
                job = job.withUser(user);
            }
            if (which.systemd) {
                // the unit has its own /tmp (PrivateTmp=yes): files under the shared one are not there for it
                Path cwd = Path.of("").toAbsolutePath();
                for (Path p : config == null ? List.of(cwd) : List.of(cwd, config.toAbsolutePath())) {
                    if (p.startsWith("/tmp") || p.startsWith("/var/tmp")) {
                        err.println("lifeline: warning: " + (p.equals(cwd) ? "the working directory " : "") + p + " is in /" + p.getName(0)
                                + (p.getNameCount() > 1 && p.getName(0).toString().equals("var") ? "/tmp" : "")
                                + ", which the service does not see (PrivateTmp=yes): use a directory elsewhere");
                    }
                }
            }
            out.print(Schedule.recipe(which.format(), job));
            out.flush();
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("lifeline: " + e.getMessage());
            return 2;
        }
    }

    /** The jar this runs from; the classes directory in a development build. */
    private static Path jar() {
        try {
            return Path.of(MonitorScheduleCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toAbsolutePath();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
