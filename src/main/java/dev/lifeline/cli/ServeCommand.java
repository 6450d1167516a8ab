package dev.lifeline.cli;

import dev.lifeline.config.BackendConfig;
import dev.lifeline.config.Config;
import dev.lifeline.config.ConfigLoader;
import dev.lifeline.config.RouteConfig;
import dev.lifeline.config.TargetConfig;
import dev.lifeline.probe.BackendProbe;
import dev.lifeline.server.RunningGateway;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code lifeline serve}: the continuity gateway. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Run the gateway: cloud first, local models when the cloud fails.",
                "An OpenAI-compatible endpoint that fails over on connection errors, timeouts, 5xx and 429.",
                "Without --config it uses the embedded default (see `lifeline config default`)."})
public final class ServeCommand implements Callable<Integer> {
    private final Map<String, String> env;

    @Spec
    CommandSpec spec;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "YAML configuration file")
    Path config;

    @Option(names = "--listen", paramLabel = "HOST:PORT", description = "address to listen on (overrides the file's listen)")
    String listen;

    @Option(names = "--contingency", description = "start in contingency mode: every request goes to local targets")
    boolean contingency;

    @Option(names = "--insecure-no-auth",
            description = "listen beyond loopback without API keys (only behind something else that authenticates)")
    boolean insecureNoAuth;

    public ServeCommand(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Optional<Config> loaded = ConfigFiles.load(config, env, err);
        if (loaded.isEmpty()) {
            return 1;
        }
        Config cfg = loaded.get();
        if (listen != null) {
            List<String> problems = new ArrayList<>();
            InetSocketAddress a = ConfigLoader.parseListen("--listen", listen, problems);
            if (!problems.isEmpty()) {
                err.println("lifeline: " + problems.get(0));
                return 2;
            }
            cfg = cfg.withListen(a);
        }
        String fromEnv = env.getOrDefault("LIFELINE_CONTINGENCY", "").trim().toLowerCase(java.util.Locale.ROOT);
        switch (fromEnv) {
            case "", "0", "false", "no", "off" -> {
            }
            case "1", "true", "yes", "on" -> cfg = cfg.withContingency(true);
            default -> {
                err.println("lifeline: LIFELINE_CONTINGENCY=" + fromEnv + " (expected: 1, true, yes or on; 0, false, no or off)");
                return 2;
            }
        }
        if (contingency) {
            cfg = cfg.withContingency(true);
        }
        RunningGateway gateway;
        try {
            gateway = RunningGateway.start(cfg, Version.current(), insecureNoAuth);
        } catch (RunningGateway.UnsafeListenException e) {
            err.println("lifeline: " + e.getMessage());
            return 1;
        } catch (Exception e) {
            if (e instanceof BindException || e.getCause() instanceof BindException || String.valueOf(e.getMessage()).contains("Address already in use")) {
                err.printf("lifeline: cannot listen on %s: the address is in use or not available (another lifeline? try --listen 127.0.0.1:0)%n",
                        display(cfg.listen()));
                return 1;
            }
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            gateway.close();
            stopped.countDown();
        }, "lifeline-shutdown"));

        out.printf("lifeline %s listening on %s (config: %s)%n", Version.current(), gateway.url(), cfg.source());
        out.println("auth: " + gateway.authSummary());
        out.println(cfg.contingency() ? "mode: CONTINGENCY (cloud targets are skipped)" : "mode: normal (cloud first)");
        out.println("routes:");
        for (RouteConfig r : cfg.routes()) {
            out.printf("  %-18s -> %s%n", r.model(), String.join(", ", r.targets().stream().map(ServeCommand::describe).toList()));
        }
        out.println("backends:");
        out.flush();
        List<BackendConfig> backends = List.copyOf(cfg.backends().values());
        List<BackendProbe.Result> results = gateway.health().firstResults(cfg.health().timeout().plusSeconds(2));
        for (int i = 0; i < backends.size(); i++) {
            BackendConfig b = backends.get(i);
            out.printf("  %-10s %-5s %-32s %s%n", b.name(), b.cloud() ? "cloud" : "local", b.url(), results.get(i).summary());
        }
        out.flush();
        stopped.await();
        return 0;
    }

    private static String describe(TargetConfig t) {
        return t.backend() + " " + t.model().orElse("(client's model)");
    }

    static String display(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}
