package dev.lifeline.harden;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code lifeline harden ollama} sets, validated. Built with {@link #of}, which reports every problem with the
 * options at once.
 *
 * @param platform  where Ollama runs
 * @param listen    {@code OLLAMA_HOST}
 * @param origins   {@code OLLAMA_ORIGINS}, the web origins allowed besides Ollama's built-in localhost ones; empty: none
 * @param user      the account the service runs as (Linux)
 * @param home      that account's home, where Ollama keeps {@code .ollama} (Linux)
 * @param models    {@code OLLAMA_MODELS} when given; empty: the platform's default under the home folder
 * @param memoryMax systemd's {@code MemoryMax=} (Linux)
 * @param cpuQuota  systemd's {@code CPUQuota=} (Linux)
 */
public record OllamaHardening(Platform platform, Listen listen, List<String> origins, String user, Path home,
                              Optional<String> models, String memoryMax, String cpuQuota) {
    public static final String DEFAULT_LISTEN = "127.0.0.1:11434";
    public static final String DEFAULT_USER = "ollama";
    /** The Linux installer's home for its {@code ollama} user. */
    public static final Path DEFAULT_HOME = Path.of("/usr/share/ollama");
    public static final String DEFAULT_MEMORY_MAX = "80%";

    private static final Pattern USER = Pattern.compile("[a-z_][a-z0-9_-]{0,31}");
    /** What systemd's MemoryMax= takes, less bare bytes: a number with K, M, G or T (base 1024, upper case), or a percentage. */
    private static final Pattern MEMORY = Pattern.compile("([0-9]+)(%|[KMGT])");
    private static final Pattern CPU = Pattern.compile("([0-9]+)%");
    private static final Pattern ORIGIN = Pattern.compile("([a-z][a-z0-9+.-]*)://([A-Za-z0-9.-]+|\\[[0-9A-Fa-f:.]+\\])(?::([0-9]{1,5}))?");

    public OllamaHardening {
        Objects.requireNonNull(platform, "platform");
        Objects.requireNonNull(listen, "listen");
        origins = List.copyOf(origins);
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(home, "home");
        Objects.requireNonNull(models, "models");
        Objects.requireNonNull(memoryMax, "memoryMax");
        Objects.requireNonNull(cpuQuota, "cpuQuota");
    }

    /**
     * The settings from the command line's options, each empty when not given.
     *
     * @param home  the home of {@code user} on this system (from {@code /etc/passwd}), else {@link #DEFAULT_HOME}
     * @param cores this machine's processor count, for the default {@code CPUQuota=}
     * @throws InvalidOptions with every problem, when any option is unusable
     */
    public static OllamaHardening of(Platform platform, Optional<String> listen, List<String> origins, Optional<String> user,
                                     Optional<String> models, Optional<String> memoryMax, Optional<String> cpuQuota,
                                     Path home, int cores) throws InvalidOptions {
        List<String> problems = new ArrayList<>();
        Optional<Listen> where = Listen.parse(listen.orElse(DEFAULT_LISTEN), problems);
        List<String> distinct = List.copyOf(new LinkedHashSet<>(origins)); // the same origin twice means it once
        distinct.forEach(o -> checkOrigin(o, problems));
        linuxOnly(platform, "--user", user, problems);
        linuxOnly(platform, "--memory-max", memoryMax, problems);
        linuxOnly(platform, "--cpu-quota", cpuQuota, problems);
        String name = user.orElse(DEFAULT_USER);
        if (!USER.matcher(name).matches()) {
            problems.add("--user " + name + ": not a user name (expected: lower-case letters, digits, _ and -, such as ollama)");
        } else if (name.equals("root")) {
            problems.add("--user root: the point is a user of its own (a flaw in Ollama then owns one account, not the machine)");
        }
        models.ifPresent(m -> checkModels(platform, m, problems));
        String memory = memoryMax.orElse(DEFAULT_MEMORY_MAX);
        checkMemory(memory, problems);
        String cpu = cpuQuota.orElse(defaultCpuQuota(cores));
        checkCpu(cpu, problems);
        if (!problems.isEmpty()) {
            throw new InvalidOptions(problems);
        }
        return new OllamaHardening(platform, where.orElseThrow(), distinct, name, home,
                models.map(m -> platform == Platform.WINDOWS ? m : Path.of(m).normalize().toString()), memory, cpu);
    }

    /** All cores but one, so the machine stays usable while a model runs flat out; at least one core. */
    public static String defaultCpuQuota(int cores) {
        return Math.max(1, cores - 1) * 100 + "%";
    }

    /** Where the models are on Linux: {@code OLLAMA_MODELS}, else {@code ~/.ollama/models} of the service's user. */
    public Path linuxModels() {
        return models.map(Path::of).orElse(dotOllama().resolve("models"));
    }

    /** {@code ~/.ollama}: Ollama's key pair and, by default, the models. */
    public Path dotOllama() {
        return home.resolve(".ollama");
    }

    /**
     * What the service may write under {@code ProtectSystem=strict}: {@code ~/.ollama} and the models, when they are
     * somewhere else. These are also the folders handed to the user and closed to others.
     */
    public List<Path> writable() {
        Path models = linuxModels();
        return models.startsWith(dotOllama()) ? List.of(dotOllama()) : List.of(dotOllama(), models);
    }

    /**
     * {@code ProtectHome=}: {@code yes} hides /home, /root and /run/user, which the service must not reach; when it
     * must write there (models or its home under them), {@code read-only} keeps the rest from being changed and
     * {@code ReadWritePaths=} opens just those folders.
     */
    public String protectHome() {
        return writable().stream().anyMatch(OllamaHardening::underHome) ? "read-only" : "yes";
    }

    static boolean underHome(Path p) {
        return p.startsWith("/home") || p.startsWith("/root") || p.startsWith("/run/user");
    }

    private static void linuxOnly(Platform platform, String option, Optional<String> given, List<String> problems) {
        if (platform != Platform.LINUX && given.isPresent()) {
            problems.add(option + ": for Linux only (systemd runs the service there; on " + platform.id()
                    + " Ollama is an app that runs as you, without limits)");
        }
    }

    private static void checkOrigin(String origin, List<String> problems) {
        String p = "--origin " + origin + ": ";
        if (origin.equals("*")) {
            problems.add(p + "lets every web page you visit call Ollama (read your models and prompts, run them, delete them);"
                    + " name your apps instead, such as --origin https://app.example.com");
            return;
        }
        if (origin.contains("*")) {
            problems.add(p + "a wildcard lets every site or extension it matches call Ollama; name each one"
                    + " (such as chrome-extension://abcdefghijklmnopabcdefghijklmnop)");
            return;
        }
        if (origin.contains(",") || origin.contains(" ")) {
            problems.add(p + "one origin per --origin: repeat the option, such as --origin https://app.example.com"
                    + " --origin https://admin.example.com");
            return;
        }
        Matcher m = ORIGIN.matcher(origin);
        if (!m.matches()) {
            String hint = origin.matches("[a-z][a-z0-9+.-]*://[^/]+/.*")
                    ? "an origin has no path (expected: " + origin.substring(0, origin.indexOf('/', origin.indexOf("://") + 3)) + ")"
                    : "not an origin (expected: scheme://host[:port], such as https://app.example.com or chrome-extension://ID)";
            problems.add(p + hint);
            return;
        }
        if (m.group(3) != null && (Integer.parseInt(m.group(3)) < 1 || Integer.parseInt(m.group(3)) > 65535)) {
            problems.add(p + "port " + m.group(3) + " (expected: 1-65535)");
        }
    }

    private static void checkModels(Platform platform, String models, List<String> problems) {
        String p = "--models " + models + ": ";
        if (!Sh.plain(models)) {
            problems.add(p + "contains a line break or another control character");
        } else if (platform == Platform.WINDOWS) {
            if (!models.matches("[A-Za-z]:\\\\.*") || models.contains("'") || models.contains("\"")) {
                problems.add(p + "expected an absolute Windows path without quotes, such as D:\\ollama\\models");
            }
        } else if (!models.startsWith("/")) {
            problems.add(p + "expected an absolute path, such as /srv/ollama/models");
        } else if (Path.of(models).normalize().getNameCount() == 0) {
            problems.add(p + "the root folder cannot be the models folder (its ownership would be handed to Ollama)");
        }
    }

    private static void checkMemory(String memory, List<String> problems) {
        Matcher m = MEMORY.matcher(memory);
        String p = "--memory-max " + memory + ": ";
        String expected = " (expected: a share of the machine's memory such as 80%, or a size with K, M, G or T, upper case,"
                + " such as 16G, 512M)";
        if (memory.equals("infinity")) {
            problems.add(p + "no limit, which is what this is meant to set" + expected);
        } else if (memory.matches("[0-9]+")) {
            problems.add(p + "a bare number is bytes to systemd, too little for Ollama to start; add a unit, such as " + memory
                    + "G, or give a percentage, such as 80%");
        } else if (memory.matches("[0-9]+[kmgt]")) {
            problems.add(p + "systemd's units are upper case, " + memory.toUpperCase(java.util.Locale.ROOT) + expected);
        } else if (!m.matches()) {
            problems.add(p + "not a size or a percentage" + expected);
        } else if (m.group(1).length() > 12 || Long.parseLong(m.group(1)) == 0) {
            problems.add(p + "out of range" + expected);
        } else if (m.group(2).equals("%") && Long.parseLong(m.group(1)) > 100) {
            problems.add(p + "more than all of the memory" + expected);
        }
    }

    private static void checkCpu(String cpu, List<String> problems) {
        Matcher m = CPU.matcher(cpu);
        if (!m.matches() || m.group(1).length() > 6 || Integer.parseInt(m.group(1)) == 0) {
            problems.add("--cpu-quota " + cpu + ": expected a percentage of one core, such as 300% for three cores");
        }
    }
}
