package dev.lifeline.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code lifeline drill schedule}: the entry that keeps the drill from being forgotten, quarterly (the runbook's rhythm)
 * or monthly, as a crontab line or a systemd timer. It runs the drill in a quiet hour and keeps every report.
 */
@Command(name = "schedule", mixinStandardHelpOptions = true,
        description = "Print a crontab entry (default) or a systemd service and timer that run the drill quarterly (default) or monthly.")
public final class DrillScheduleCommand implements Callable<Integer> {
    private final Map<String, String> env;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--monthly", description = "on the first Tuesday of every month instead of every quarter")
    boolean monthly;

    @Option(names = "--systemd", description = "a systemd service and timer instead of a crontab line")
    boolean systemd;

    @Option(names = "--gateway", paramLabel = "URL", description = "the gateway to drill (default: http://127.0.0.1:8470)")
    String gateway = "http://127.0.0.1:8470";

    @Option(names = "--duration", paramLabel = "DURATION", description = "the outage's length (default: 15m)")
    String duration = "15m";

    @Option(names = "--reports", paramLabel = "DIR", description = "where reports are kept (default: /var/lib/lifeline/drills)")
    Path reports = Path.of("/var/lib/lifeline/drills");

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "announce each drill through this configuration's"
            + " monitor.alerts (adds --announce --config FILE)")
    Path config;

    /** Text that would need quoting in a crontab line or a unit's ExecStart: refused rather than quoted three ways. */
    private static boolean unsafe(String text) {
        return text.matches(".*[\\s'\"\\\\%$`].*");
    }

    public DrillScheduleCommand(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (MonitorCommand.DurationOption.parse(duration, "--duration", err).isEmpty()) {
            return 2;
        }
        if (MonitorCommand.url(gateway).isEmpty() || unsafe(gateway)) {
            err.println("lifeline: --gateway " + gateway + " (expected: the gateway's URL, such as http://127.0.0.1:8470)");
            return 2;
        }
        if (unsafe(reports.toString()) || !reports.isAbsolute()) {
            err.println("lifeline: --reports " + reports + " (expected: an absolute folder without spaces or quotes)");
            return 2;
        }
        if (config != null && (unsafe(config.toString()) || !config.isAbsolute())) {
            err.println("lifeline: --config " + config + " (expected: an absolute path without spaces or quotes)");
            return 2;
        }
        String launcher = env.getOrDefault("LIFELINE_LAUNCHER", "/opt/lifeline/lifeline");
        String command = launcher + " drill --gateway " + gateway + " --duration " + duration
                + (config == null ? "" : " --announce --config " + config) + " --report " + reports + "/$(date -u +%Y%m%d-%H%M%S)";
        if (!systemd) {
            // cron: % ends the command unless escaped; minute hour day month weekday
            String when = monthly ? "0 10 1-7 * *" : "0 10 1-7 1,4,7,10 *";
            out.println("# Lifeline failover drill, " + (monthly ? "monthly" : "quarterly") + " at 10:00 in the first week, on a Tuesday"
                    + " (cron runs it each of days 1-7; the test keeps Tuesday).");
            out.println("# Install: crontab -e, then paste the line. With API keys on the gateway, set LIFELINE_API_KEY and");
            out.println("# LIFELINE_ADMIN_KEY at the top of the crontab. cron mails what the drill prints (its verdict): set MAILTO.");
            out.println(when + " [ \"$(date +\\%u)\" = 2 ] && " + command.replace("%", "\\%"));
            return 0;
        }
        String calendar = monthly ? "Tue *-*-01..07 10:00" : "Tue *-01,04,07,10-01..07 10:00";
        out.println("# /etc/systemd/system/lifeline-drill.service");
        out.println("[Unit]");
        out.println("Description=Lifeline failover drill");
        out.println("After=network-online.target lifeline.service");
        out.println("Wants=network-online.target");
        out.println();
        out.println("[Service]");
        out.println("Type=oneshot");
        out.println("# With API keys on the gateway: LIFELINE_API_KEY and LIFELINE_ADMIN_KEY in an EnvironmentFile= (mode 0600).");
        out.println("# The verdict goes to the journal: journalctl -u lifeline-drill");
        out.println("ExecStart=/bin/sh -c '" + command.replace("%", "%%").replace("$", "$$") + "'");
        out.println();
        out.println("# /etc/systemd/system/lifeline-drill.timer");
        out.println("[Unit]");
        out.println("Description=Lifeline failover drill, " + (monthly ? "monthly" : "quarterly"));
        out.println();
        out.println("[Timer]");
        out.println("OnCalendar=" + calendar);
        out.println("Persistent=true");
        out.println();
        out.println("[Install]");
        out.println("WantedBy=timers.target");
        out.println();
        out.println("# Install: write both files, then: systemctl daemon-reload && systemctl enable --now lifeline-drill.timer");
        return 0;
    }
}
