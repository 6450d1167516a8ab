package dev.lifeline.cli;

import dev.lifeline.config.Config;
import dev.lifeline.monitor.AlertSink;
import dev.lifeline.monitor.Monitor;
import dev.lifeline.monitor.Notice;
import dev.lifeline.monitor.sink.Heartbeat;
import dev.lifeline.monitor.sink.Sinks;
import dev.lifeline.probe.Check;
import dev.lifeline.probe.Status;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code lifeline monitor test-alert}: one test message through every configured sink and a heartbeat ping, each
 * reported. Teams Workflows never tell the sender when a flow fails, so this is how to find out before an outage.
 */
@Command(name = "test-alert", mixinStandardHelpOptions = true,
        description = {"Send a test alert through every sink in monitor.alerts (and ping the heartbeat), and say which arrived.",
                "Exit code 0 when every sink took it, 1 otherwise."})
public final class MonitorTestAlertCommand implements Callable<Integer> {
    private final Map<String, String> env;

    @Spec
    CommandSpec spec;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "YAML configuration with monitor.alerts")
    Path config;

    public MonitorTestAlertCommand(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Optional<Config> cfg = MonitorCommand.MonitorSetup.config(config, List.of(), null, env, err);
        if (cfg.isEmpty()) {
            return 1;
        }
        List<AlertSink> sinks = Sinks.from(cfg.get().monitor().alerts());
        Optional<Heartbeat> heartbeat = Sinks.heartbeat(cfg.get().monitor().alerts());
        if (sinks.isEmpty() && heartbeat.isEmpty()) {
            err.println("lifeline: no alert sinks in " + cfg.get().source() + " (add monitor.alerts: slack, teams, webhook, email or heartbeat;"
                    + " see docs/monitor.md)");
            return 1;
        }
        String host = Monitor.hostName(env);
        Notice test = new Notice(host, Instant.now(), List.of(new Notice.Item(Notice.Kind.TEST,
                Check.of("lifeline", "test-alert", Status.OK, "a test from lifeline monitor test-alert on " + host), Status.OK)));
        int failed = 0;
        for (AlertSink sink : sinks) {
            try {
                sink.send(test);
                out.printf("%-9s sent%n", sink.name());
            } catch (AlertSink.AlertException e) {
                out.printf("%-9s FAILED: %s%n", sink.name(), e.getMessage().replaceFirst("^" + sink.name() + ": ", ""));
                failed++;
            }
        }
        if (heartbeat.isPresent()) {
            try {
                heartbeat.get().ping(Status.OK);
                out.printf("%-9s pinged%n", "heartbeat");
            } catch (AlertSink.AlertException e) {
                out.printf("%-9s FAILED: %s%n", "heartbeat", e.getMessage().replaceFirst("^heartbeat: ", ""));
                failed++;
            }
        }
        if (cfg.get().monitor().alerts().teams().isPresent() && failed == 0) {
            out.println("Teams accepts a message before its workflow runs: check that the card arrived in the channel.");
        }
        out.flush();
        return failed == 0 ? 0 : 1;
    }
}
