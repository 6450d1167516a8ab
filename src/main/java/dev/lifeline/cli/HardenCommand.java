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
import java.util.HashMap;
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

        /** Why applying cannot go ahead on {@code platform} (null: unknown), added to {@code problems}; none when it may. */
        void refusals(Platform platform, List<String> problems) {
            if (!apply) {
                return;
            }
            if (platform != null && platform != Platform.LINUX) {
                problems.add("--apply is for Linux; on " + platform.id() + " run the printed steps yourself");
                return;
            }
            if (root.toAbsolutePath().normalize().getNameCount() == 0 && !Applier.privileged()) {
                problems.add("--apply needs root (it writes to /etc/systemd/system, creates users and runs systemctl):"
                        + " run it with sudo, or run the printed steps yourself");
            }
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
                + "), an IP address, not a name; IPv6 in brackets, such as [::1]:11434")
        String listen;

        @Option(names = "--origin", paramLabel = "ORIGIN", description = "a web origin that may call Ollama from a browser;"
                + " one per --origin, repeat it for more, such as https://app.example.com or chrome-extension://ID; never *")
        List<String> origins = new ArrayList<>();

        @Option(names = "--user", paramLabel = "NAME", description = "Linux: the account Ollama runs as (default: ollama)")
        String user;

        @Option(names = "--models", paramLabel = "DIR", description = "OLLAMA_MODELS (default: ~/.ollama/models of that user;"
                + " /usr/share/ollama/.ollama/models for the installer's)")
        String models;

        @Option(names = "--memory-max", paramLabel = "SIZE", description = "Linux: MemoryMax=, a share of the memory or a size"
                + " with K, M, G or T, such as 80%% or 24G (default: 80%%)")
        String memoryMax;

        @Option(names = "--cpu-quota", paramLabel = "N%", description = "Linux: CPUQuota=, 100%% per core (default: all cores but one)")
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
                    where = null;
                }
            }
            ApplyOptions a = applying;
            String name = Optional.ofNullable(user).orElse(OllamaHardening.DEFAULT_USER);
            Path home = home(new Applier(a.root, s -> { }).under(Path.of("/etc/passwd")), name).orElse(OllamaHardening.DEFAULT_HOME);
            OllamaHardening h = null;
            try {
                h = OllamaHardening.of(where == null ? Platform.current() : where, Optional.ofNullable(listen), origins,
                        Optional.ofNullable(user), Optional.ofNullable(models), Optional.ofNullable(memoryMax), Optional.ofNullable(cpuQuota),
                        home, Runtime.getRuntime().availableProcessors());
            } catch (InvalidOptions e) {
                problems.addAll(e.problems());
            }
            a.refusals(where, problems);
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
            OllamaHardening hardening = h;
            return a.apply(out, err, applier -> applier.ollama(hardening));
        }
    }

    @Command(name = "serve", mixinStandardHelpOptions = true,
            description = {"A hardened systemd unit for `lifeline serve` (/etc/systemd/system/lifeline.service):",
                    "a user of its own that owns the API keys, a read-only system, no devices, no capabilities, IP sockets only.",
                    "The port comes from the config's listen: run this again after changing it."})
    static final class ServeUnitCommand implements Callable<Integer> {
        private final Map<String, String> env;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "the configuration the service uses (default: "
                + "/etc/lifeline/lifeline.yaml); its listen decides whether the unit keeps CAP_NET_BIND_SERVICE")
        Path config = ServeUnit.DEFAULT_CONFIG;

        @Option(names = "--user", paramLabel = "NAME", description = "the system user it runs as, created if missing; it owns the"
                + " API keys (default: " + ServeUnit.DEFAULT_USER + ")")
        String user = ServeUnit.DEFAULT_USER;

        /** Gone: the unit never passed it on, so it could only disagree with the config. Kept to say so. */
        @Option(names = "--port", hidden = true, paramLabel = "PORT")
        String port;

        @CommandLine.Mixin
        ApplyOptions applying;

        ServeUnitCommand(Map<String, String> env) {
            this.env = env;
        }

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            ApplyOptions a = applying;
            Applier paths = new Applier(a.root, s -> { });
            Path file = config.toAbsolutePath().normalize();
            List<String> warnings = new ArrayList<>();
            int listenPort = configPort(file, paths, warnings);
            Path jar = jar();
            Path launcher = Path.of(env.getOrDefault("LIFELINE_LAUNCHER", jar.getParent().resolve("lifeline").toString()));
            List<String> problems = new ArrayList<>();
            if (port != null) {
                problems.add("--port: the unit takes the port from the config's listen, which is what `lifeline serve` binds; set listen"
                        + " in " + file + " and run this again");
            }
            problems.addAll(ServeUnit.problems(launcher, jar, Path.of(System.getProperty("java.home")), file, user, listenPort));
            for (Path p : List.of(launcher, file)) {
                if (p.startsWith("/tmp") || p.startsWith("/var/tmp")) {
                    String what = p.equals(launcher) ? "the launcher " : "the config ";
                    if (a.apply) {
                        problems.add(what + p + " is in a temporary folder, which the service does not see (PrivateTmp=yes),"
                                + " so it could not start: use one elsewhere");
                    } else {
                        warnings.add(what + p + " is in a temporary folder, which the service does not see (PrivateTmp=yes):"
                                + " use one elsewhere");
                    }
                }
            }
            a.refusals(Platform.LINUX, problems);
            warnings.forEach(w -> err.println("lifeline: warning: " + w));
            if (!problems.isEmpty()) {
                problems.forEach(p -> err.println("lifeline: " + p));
                return 2;
            }
            err.flush();
            ServeUnit unit = new ServeUnit(launcher, jar, Path.of(System.getProperty("java.home")), file, user, listenPort);
            if (!a.apply) {
                out.print(unit.script());
                out.flush();
                return 0;
            }
            return a.apply(out, err, applier -> applier.serve(unit));
        }

        /**
         * The listen port of the config, read with the secrets of the env file the unit gives it (as the service will);
         * 8470, with a warning, when the file is missing or unusable.
         */
        private int configPort(Path file, Applier paths, List<String> warnings) {
            int fallback = DefaultConfig.load(env).listen().getPort();
            Path at = paths.under(file);
            if (!Files.exists(at)) {
                warnings.add(file + " does not exist yet, and the service cannot start without it: start from `lifeline config default > "
                        + file + "`. The unit assumes port " + fallback + "; if the config listens elsewhere, run this again");
                return fallback;
            }
            Map<String, String> withSecrets = new HashMap<>(env);
            withSecrets.putAll(envFile(paths.under(Path.of(ServeUnit.ENV_FILE))));
            try {
                Config c = ConfigLoader.load(at, withSecrets);
                return c.listen().getPort();
            } catch (ConfigException e) {
                warnings.add(file + " could not be read (" + e.problems().getFirst() + "); the unit assumes port " + fallback
                        + ": fix the config and run this again");
                return fallback;
            }
        }
    }

    /** The VAR=value lines of a systemd environment file (comments and blank lines skipped, quotes removed); empty when unreadable. */
    static Map<String, String> envFile(Path file) {
        Map<String, String> vars = new HashMap<>();
        try {
            for (String line : Files.readAllLines(file)) {
                String t = line.strip();
                int eq = t.indexOf('=');
                if (t.isEmpty() || t.startsWith("#") || t.startsWith(";") || eq < 1) {
                    continue;
                }
                String value = t.substring(eq + 1).strip();
                if (value.length() >= 2 && (value.startsWith("\"") && value.endsWith("\"") || value.startsWith("'") && value.endsWith("'"))) {
                    value = value.substring(1, value.length() - 1);
                }
                vars.put(t.substring(0, eq).strip(), value);
            }
        } catch (IOException | RuntimeException e) {
            return Map.of();
        }
        return vars;
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
