package dev.lifeline.cli;

import dev.lifeline.config.Config;
import dev.lifeline.config.ConfigException;
import dev.lifeline.config.ConfigLoader;
import dev.lifeline.config.DefaultConfig;
import dev.lifeline.harden.Applier;
import dev.lifeline.harden.InvalidOptions;
import dev.lifeline.harden.OllamaHardening;
import dev.lifeline.harden.OllamaRecipes;
import dev.lifeline.harden.Platform;
import dev.lifeline.harden.ServeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code lifeline harden}: the settings that keep the model server on its own machine's side, boxed in. Prints them by
 * default, so that what changes is read first; {@code --apply} carries them out on Linux.
 */
@Command(name = "harden", mixinStandardHelpOptions = true,
        description = {"Keep the model server reachable only by trusted machines, and boxed in on its own.",
                "Prints the settings and the steps; --apply carries them out (Linux, as root)."},
        subcommands = {HardenCommand.OllamaCommand.class, HardenCommand.ServeUnitCommand.class})
public final class HardenCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** What {@code --apply} and {@code --root} do, shared by both subcommands. */
    static final class ApplyOptions {
        @Option(names = "--apply", description = "carry the steps out (Linux, as root) instead of printing them")
        boolean apply;

        /** Every file path is taken under it; tests apply into a folder. Users and systemctl are then left alone. */
        @Option(names = "--root", hidden = true, paramLabel = "DIR")
        Path root = Path.of("/");

        /** Null when applying may go ahead; else the exit code, with the reason printed. */
        Integer refused(Platform platform, PrintWriter err) {
            if (platform != Platform.LINUX) {
                err.println("lifeline: --apply is for Linux; on " + platform.id() + " run the printed steps yourself");
                return 2;
            }
            if (root.toAbsolutePath().normalize().getNameCount() == 0 && !Applier.privileged()) {
                err.println("lifeline: --apply needs root (it writes to /etc/systemd/system, creates users and runs systemctl):"
                        + " run it with sudo, or run the printed steps yourself");
                return 2;
            }
            return null;
        }

        int apply(PrintWriter out, PrintWriter err, IoStep step) {
            try {
                step.run(new Applier(root, out::println));
                out.flush();
                return 0;
            } catch (IOException e) {
                out.flush();
                err.println("lifeline: " + e.getMessage() + " (the steps before this one were done; nothing after it)");
                return 1;
            }
        }
    }

    @FunctionalInterface
    interface IoStep {
        void run(Applier applier) throws IOException;
    }

    @Command(name = "ollama", mixinStandardHelpOptions = true,
            description = {"Ollama on loopback (or --listen), with explicit OLLAMA_ORIGINS and a models folder only it can write.",
                    "Linux: a systemd drop-in that adds its own user, a sandbox and memory and CPU limits.",
                    "macOS: the launchd environment and a login agent. Windows: user variables and icacls."})
    static final class OllamaCommand implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--listen", paramLabel = "ADDRESS:PORT", description = "OLLAMA_HOST (default: " + OllamaHardening.DEFAULT_LISTEN
                + "); IPv6 in brackets, such as [::1]:11434")
        String listen;

        @Option(names = "--origin", paramLabel = "ORIGIN", description = "a web origin that may call Ollama from a browser (repeatable),"
                + " such as https://app.example.com or chrome-extension://ID; never *")
        List<String> origins = new ArrayList<>();

        @Option(names = "--user", paramLabel = "NAME", description = "Linux: the account Ollama runs as (default: ollama)")
        String user;

        @Option(names = "--models", paramLabel = "DIR", description = "OLLAMA_MODELS (default: ~/.ollama/models of that user;"
                + " /usr/share/ollama/.ollama/models for the installer's)")
        String models;

        @Option(names = "--memory-max", paramLabel = "SIZE", description = "Linux: MemoryMax=, such as 80% or 24G (default: 80%)")
        String memoryMax;

        @Option(names = "--cpu-quota", paramLabel = "N%", description = "Linux: CPUQuota=, 100% per core (default: all cores but one)")
        String cpuQuota;

        @Option(names = "--platform", paramLabel = "OS", description = "linux, macos or windows (default: this machine's)")
        String platform;

        @CommandLine.Mixin
        ApplyOptions applying;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            List<String> problems = new ArrayList<>();
            Platform where = Platform.current();
            if (platform != null) {
                try {
                    where = Platform.valueOf(platform.toUpperCase(java.util.Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    problems.add("--platform " + platform + ": expected linux, macos or windows");
                }
            }
            ApplyOptions a = applying;
            String name = Optional.ofNullable(user).orElse(OllamaHardening.DEFAULT_USER);
            Path home = home(new Applier(a.root, s -> { }).under(Path.of("/etc/passwd")), name).orElse(OllamaHardening.DEFAULT_HOME);
            OllamaHardening h;
            try {
                h = OllamaHardening.of(where, Optional.ofNullable(listen), origins, Optional.ofNullable(user), Optional.ofNullable(models),
                        Optional.ofNullable(memoryMax), Optional.ofNullable(cpuQuota), home, Runtime.getRuntime().availableProcessors());
            } catch (InvalidOptions e) {
                problems.addAll(e.problems());
                h = null;
            }
            if (!problems.isEmpty()) {
                problems.forEach(p -> err.println("lifeline: " + p));
                return 2;
            }
            if (!h.listen().loopback()) {
                err.println("lifeline: warning: --listen " + h.listen() + " reaches Ollama from other machines; firewall the port so only"
                        + " trusted ones get in: lifeline firewall plan --port " + h.listen().port() + " --allow SUBNET");
            }
            if (!a.apply) {
                out.print(OllamaRecipes.recipe(h));
                out.flush();
                return 0;
            }
            Integer refused = a.refused(where, err);
            if (refused != null) {
                return refused;
            }
            OllamaHardening hardening = h;
            return a.apply(out, err, applier -> applier.ollama(hardening));
        }
    }

    @Command(name = "serve", mixinStandardHelpOptions = true,
            description = {"A hardened systemd unit for `lifeline serve` (/etc/systemd/system/lifeline.service):",
                    "its own or a dynamic user, a read-only system, no devices, no capabilities, IP sockets only."})
    static final class ServeUnitCommand implements Callable<Integer> {
        private final Map<String, String> env;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "the configuration the service uses (default: "
                + "/etc/lifeline/lifeline.yaml)")
        Path config = ServeUnit.DEFAULT_CONFIG;

        @Option(names = "--user", paramLabel = "NAME", description = "a user of its own (default: DynamicUser=yes, made by systemd at start)")
        String user;

        @Option(names = "--port", paramLabel = "PORT", description = "the port it listens on (default: the config's listen)")
        Integer port;

        @CommandLine.Mixin
        ApplyOptions applying;

        ServeUnitCommand(Map<String, String> env) {
            this.env = env;
        }

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Path file = config.toAbsolutePath().normalize();
            int listenPort = port != null ? port : configPort(file, err);
            Path jar = jar();
            Path launcher = Path.of(env.getOrDefault("LIFELINE_LAUNCHER", jar.getParent().resolve("lifeline").toString()));
            for (Path p : List.of(file, launcher)) {
                if (p.startsWith("/tmp") || p.startsWith("/var/tmp")) {
                    err.println("lifeline: warning: " + p + " is in a temporary folder, which the service does not see (PrivateTmp=yes):"
                            + " use one elsewhere");
                }
            }
            ServeUnit unit;
            try {
                unit = new ServeUnit(launcher, jar, Path.of(System.getProperty("java.home")), file, Optional.ofNullable(user), listenPort);
            } catch (IllegalArgumentException e) {
                err.println("lifeline: " + e.getMessage());
                return 2;
            }
            ApplyOptions a = applying;
            if (!a.apply) {
                if (!Files.exists(file)) {
                    out.println("# " + file + " does not exist yet: start from `lifeline config default > " + file + "`.");
                }
                out.print(unit.script());
                out.flush();
                return 0;
            }
            Integer refused = a.refused(Platform.LINUX, err);
            return refused != null ? refused : a.apply(out, err, applier -> applier.serve(unit));
        }

        /** The listen port of the config, the default config's when the file does not exist yet. */
        private int configPort(Path file, PrintWriter err) {
            if (!Files.exists(file)) {
                return DefaultConfig.load(env).listen().getPort();
            }
            try {
                Config c = ConfigLoader.load(file, env);
                return c.listen().getPort();
            } catch (ConfigException e) {
                int fallback = DefaultConfig.load(env).listen().getPort();
                err.println("lifeline: warning: " + file + " could not be read (" + e.problems().getFirst() + "); assuming port " + fallback
                        + " (give --port if it listens elsewhere)");
                return fallback;
            }
        }
    }

    /** The home of {@code user} in a passwd file, when it is there. */
    static Optional<Path> home(Path passwd, String user) {
        try {
            for (String line : Files.readAllLines(passwd)) {
                String[] f = line.split(":");
                if (f.length >= 6 && f[0].equals(user) && f[5].startsWith("/")) {
                    return Optional.of(Path.of(f[5]));
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** The jar this runs from; the classes folder in a development build. */
    private static Path jar() {
        try {
            return Path.of(HardenCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toAbsolutePath();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
