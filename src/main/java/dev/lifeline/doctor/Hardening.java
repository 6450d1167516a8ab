package dev.lifeline.doctor;

import dev.lifeline.doctor.listen.Listener;
import dev.lifeline.doctor.listen.OwnerProcess;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How carefully the server is run: not as root, under a systemd unit with its own user, limits and sandboxing, with
 * {@code OLLAMA_ORIGINS} that names sites rather than {@code *}, and a models folder nobody else can write (a model file
 * that others can replace is code they choose, run by the server). Read from the process's environment where this user
 * may read it, else from the unit.
 *
 * @param root the file system root ({@code /}), a folder in tests
 */
record Hardening(Path root) {
    private static final List<String> UNIT_DIRS = List.of("etc/systemd/system", "usr/lib/systemd/system", "lib/systemd/system");

    List<Finding> check(String label, ServerKind kind, OwnerProcess process, Listener listener) {
        List<Finding> out = new ArrayList<>();
        boolean root = listener.uid().orElse(-1) == 0 || process.user().map("root"::equals).orElse(false);
        if (root) {
            out.add(new Finding(label, "harden.root", Severity.WARN, kind.display() + " runs as root",
                    List.of(process.describe(), "a flaw in the server then owns the whole machine, not one account"),
                    List.of(kind == ServerKind.OLLAMA
                            ? "run it as its own user, as the Linux installer's unit does: lifeline harden ollama"
                            : "run it as a user of its own, e.g. a systemd unit with User= or DynamicUser=yes")));
        }
        if (kind != ServerKind.OLLAMA) {
            return out;
        }
        Unit unit = unit("ollama.service");
        Map<String, String> env = new LinkedHashMap<>(unit.environment());
        processEnvironment(process.pid()).ifPresent(env::putAll);
        String origins = env.getOrDefault("OLLAMA_ORIGINS", "");
        if (List.of(origins.split(",")).stream().map(String::strip).anyMatch("*"::equals)) {
            out.add(new Finding(label, "harden.origins-wildcard", Severity.WARN, "OLLAMA_ORIGINS=" + origins + ": every web page may call Ollama",
                    List.of("the desktop app's \"allow browser\" toggle sets OLLAMA_ORIGINS=*"),
                    List.of("name your apps instead: OLLAMA_ORIGINS=https://app.example.com,chrome-extension://YOUR_EXTENSION_ID")));
        }
        if (unit.found()) {
            out.addAll(unitFindings(label, unit));
        }
        Path models = modelsDir(env, unit, process);
        out.addAll(modelsFindings(label, models));
        return out;
    }

    private List<Finding> unitFindings(String label, Unit unit) {
        List<Finding> out = new ArrayList<>();
        String user = unit.get("User").orElse("");
        List<String> evidence = new ArrayList<>(unit.files().stream().map(p -> "unit: /" + root.relativize(p)).toList());
        if (user.isEmpty() || user.equals("root")) {
            out.add(new Finding(label, "harden.unit-user", Severity.WARN, "ollama.service runs without a user of its own", evidence,
                    List.of("lifeline harden ollama (a drop-in with User=ollama, sandboxing and limits)")));
        }
        List<String> missing = new ArrayList<>();
        for (String key : List.of("NoNewPrivileges", "ProtectSystem", "ProtectHome", "MemoryMax", "CPUQuota")) {
            Optional<String> v = unit.get(key);
            if (v.isEmpty() || v.get().equalsIgnoreCase("no") || v.get().equalsIgnoreCase("false") || v.get().equalsIgnoreCase("infinity")) {
                missing.add(key);
            }
        }
        if (!missing.isEmpty()) {
            out.add(new Finding(label, "harden.unit-limits", Severity.WARN, "ollama.service lacks " + String.join(", ", missing),
                    Finding.plus(evidence, "without limits one runaway model takes all memory; without sandboxing a flaw reaches the whole system"),
                    List.of("lifeline harden ollama (prints the drop-in; --apply installs it)")));
        }
        return out;
    }

    private List<Finding> modelsFindings(String label, Path models) {
        Path dir = root.resolve(models.toString().replaceFirst("^/", ""));
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<String> open = new ArrayList<>();
        for (Path p : List.of(dir, dir.resolve("blobs"), dir.resolve("manifests"))) {
            try {
                if (Files.isDirectory(p) && Files.getPosixFilePermissions(p).contains(PosixFilePermission.OTHERS_WRITE)) {
                    open.add("/" + root.relativize(p) + " is writable by every user");
                }
            } catch (UnsupportedOperationException e) {
                return List.of(); // no POSIX permissions here (Windows): ACLs are another matter
            } catch (IOException e) {
                return List.of(new Finding(label, "harden.models-unknown", Severity.INFO, "the models folder's permissions could not be read",
                        List.of("/" + root.relativize(p) + ": " + e.getMessage()), List.of("run the doctor with sudo to check them")));
            }
        }
        if (open.isEmpty()) {
            return List.of(Finding.ok(label, "harden.models", "the models folder is writable only by its owner", models.toString()));
        }
        return List.of(new Finding(label, "harden.models-writable", Severity.FAIL, "anyone on this machine can replace your models", open,
                List.of("sudo chmod -R o-w " + models)));
    }

    /** {@code OLLAMA_MODELS}, else the default of the user it runs as: the installer's service user keeps them under /usr/share/ollama. */
    private Path modelsDir(Map<String, String> env, Unit unit, OwnerProcess process) {
        String set = env.getOrDefault("OLLAMA_MODELS", "");
        if (!set.isBlank()) {
            return Path.of(set);
        }
        String user = unit.get("User").or(process::user).orElse("");
        Optional<String> home = home(user);
        return Path.of(home.orElse(user.equals("root") ? "/root" : "/usr/share/ollama"), ".ollama", "models");
    }

    private Optional<String> home(String user) {
        try {
            for (String line : Files.readAllLines(root.resolve("etc/passwd"))) {
                String[] f = line.split(":");
                if (f.length >= 6 && f[0].equals(user)) {
                    return Optional.of(f[5]);
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    private Optional<Map<String, String>> processEnvironment(long pid) {
        try {
            byte[] raw = Files.readAllBytes(root.resolve("proc/" + pid + "/environ"));
            Map<String, String> env = new LinkedHashMap<>();
            for (String kv : new String(raw, StandardCharsets.UTF_8).split("\0")) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    env.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
            }
            return Optional.of(env);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** A systemd unit and its drop-ins, read as systemd reads them: later files win, {@code Environment=} adds up. */
    record Unit(List<Path> files, Map<String, String> settings, Map<String, String> environment) {
        boolean found() {
            return !files.isEmpty();
        }

        Optional<String> get(String key) {
            return Optional.ofNullable(settings.get(key)).filter(v -> !v.isBlank());
        }
    }

    Unit unit(String name) {
        List<Path> files = new ArrayList<>();
        for (String d : UNIT_DIRS) {
            Path p = root.resolve(d).resolve(name);
            if (Files.isRegularFile(p)) {
                files.add(p);
                break;
            }
        }
        for (String d : UNIT_DIRS) {
            Path dropins = root.resolve(d).resolve(name + ".d");
            if (Files.isDirectory(dropins)) {
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(dropins, "*.conf")) {
                    List<Path> sorted = new ArrayList<>();
                    ds.forEach(sorted::add);
                    sorted.sort(null);
                    files.addAll(sorted);
                } catch (IOException e) {
                    // an unreadable drop-in folder: judged on the unit alone
                }
            }
        }
        Map<String, String> settings = new LinkedHashMap<>();
        Map<String, String> environment = new LinkedHashMap<>();
        for (Path f : files) {
            read(f, settings, environment);
        }
        return new Unit(files, settings, environment);
    }

    private static void read(Path file, Map<String, String> settings, Map<String, String> environment) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            return;
        }
        boolean service = false;
        for (String raw : lines) {
            String line = raw.strip();
            if (line.startsWith("[")) {
                service = line.equalsIgnoreCase("[Service]");
                continue;
            }
            int eq = line.indexOf('=');
            if (!service || line.startsWith("#") || line.startsWith(";") || eq < 0) {
                continue;
            }
            String key = line.substring(0, eq).strip();
            String value = line.substring(eq + 1).strip();
            if (key.equals("Environment")) {
                for (String kv : splitQuoted(value)) {
                    int e = kv.indexOf('=');
                    if (e > 0) {
                        environment.put(kv.substring(0, e), kv.substring(e + 1));
                    }
                }
            } else {
                settings.put(key, value);
            }
        }
    }

    /** {@code "A=1 2" B=3} → {@code A=1 2}, {@code B=3}: systemd's quoting of {@code Environment=}. */
    static List<String> splitQuoted(String value) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        char quote = 0;
        for (char c : value.toCharArray()) {
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    cur.append(c);
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (Character.isWhitespace(c)) {
                if (!cur.isEmpty()) {
                    out.add(cur.toString());
                    cur.setLength(0);
                }
            } else {
                cur.append(c);
            }
        }
        if (!cur.isEmpty()) {
            out.add(cur.toString());
        }
        return out;
    }
}
