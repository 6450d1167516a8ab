package dev.lifeline.cli;

import dev.lifeline.config.Config;
import dev.lifeline.doctor.Doctor;
import dev.lifeline.doctor.JsonReport;
import dev.lifeline.doctor.Report;
import dev.lifeline.doctor.Target;
import dev.lifeline.doctor.Targets;
import dev.lifeline.doctor.TextReport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code lifeline doctor}: why a model server cannot be reached, or can be reached by too many, and what to do about it. */
@Command(name = "doctor", mixinStandardHelpOptions = true, exitCodeOnInvalidInput = 3, exitCodeOnExecutionException = 3,
        description = {"Find out why a model server cannot be reached, or who else can reach it, and print the fix.",
                "Examines the configuration's local backends and the well-known ports (Ollama 11434, LM Studio 1234, vLLM 8000,"
                        + " llama.cpp 8080 and 9931, Jan 1337, TGI 3000): who listens, IPv4 and IPv6, what answers, the base URL,"
                        + " the firewall, exposure and hardening, proxies, containers and WSL.",
                "Exit code: 0 all fine, 1 warnings, 2 failures, 3 the doctor itself could not run (bad options or configuration)."})
public final class DoctorCommand implements Callable<Integer> {
    private final Map<String, String> env;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "YAML configuration whose local backends to examine"
            + " (default: the embedded default, as serve uses)")
    Path config;

    @Option(names = "--url", paramLabel = "URL", description = "examine this server only (repeatable; host:port means http://host:port)")
    List<String> urls = new ArrayList<>();

    @Option(names = "--host", paramLabel = "HOST", description = "with --port: examine HOST:PORT only (default host: localhost)")
    String host;

    @Option(names = "--port", paramLabel = "PORT", description = "examine this port of --host only")
    Integer port;

    @Option(names = "--from-outside", paramLabel = "HOST:PORT", description = "also ask HOST:PORT what an internet scanner asks,"
            + " with no key (run it from another machine against the server's public address)")
    String fromOutside;

    @Option(names = "--timeout", paramLabel = "DURATION", description = "how long a connect or an answer may take (default: 2s)")
    String timeout = "2s";

    @Option(names = "--json", description = "print the findings as JSON")
    boolean json;

    @Option(names = "--color", description = "colour the severities")
    boolean color;

    @Option(names = {"-v", "--verbose"}, description = "also print the evidence of findings that are fine")
    boolean verbose;

    public DoctorCommand(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Optional<Doctor.Plan> plan = plan(err);
        if (plan.isEmpty()) {
            return 3;
        }
        Report report = Doctor.forThisMachine(env).run(plan.get());
        if (json) {
            JsonReport.print(report, out);
        } else {
            new TextReport(color, verbose).print(report, out);
        }
        return report.exitCode();
    }

    private Optional<Doctor.Plan> plan(PrintWriter err) {
        Optional<Duration> t = MonitorCommand.DurationOption.parse(timeout, "--timeout", err);
        if (t.isEmpty()) {
            return Optional.empty();
        }
        Optional<Doctor.Outsider> outsider = Optional.empty();
        if (fromOutside != null) {
            Optional<URI> u = MonitorCommand.url(fromOutside).filter(x -> x.getPort() > 0 && x.getPort() <= 65535);
            if (u.isEmpty()) {
                err.println("lifeline: --from-outside " + fromOutside + " (expected: HOST:PORT, such as 203.0.113.7:11434)");
                return Optional.empty();
            }
            outsider = Optional.of(new Doctor.Outsider(u.get().getHost(), u.get().getPort()));
        }
        List<Target> given = new ArrayList<>();
        for (String text : urls) {
            Optional<URI> u = MonitorCommand.url(text);
            if (u.isEmpty()) {
                err.println("lifeline: --url " + text + " (expected: a server's URL such as http://127.0.0.1:11434 or http://127.0.0.1:8080/v1)");
                return Optional.empty();
            }
            given.add(Targets.given(u.get()));
        }
        if (host != null && port == null) {
            err.println("lifeline: --host " + host + " needs --port");
            return Optional.empty();
        }
        if (port != null) {
            if (port < 1 || port > 65535) {
                err.println("lifeline: --port " + port + " (expected: 1 to 65535)");
                return Optional.empty();
            }
            String h = host == null ? "localhost" : host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
            Optional<URI> u = MonitorCommand.url(h + ":" + port);
            if (u.isEmpty()) {
                err.println("lifeline: --host " + host + " (expected: a host name or an IP address)");
                return Optional.empty();
            }
            given.add(Targets.given(u.get()));
        }
        if (!given.isEmpty()) {
            if (config != null) {
                err.println("lifeline: --config and --url/--port name different servers; give one or the other");
                return Optional.empty();
            }
            return Optional.of(new Doctor.Plan(given, false, outsider, t.get()));
        }
        if (outsider.isPresent() && config == null) {
            return Optional.of(new Doctor.Plan(List.of(), false, outsider, t.get())); // run elsewhere: this machine's servers are not the question
        }
        Optional<Config> cfg = ConfigFiles.load(config, env, err);
        if (cfg.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Doctor.Plan(Targets.configured(cfg.get()), true, outsider, t.get()));
    }
}
