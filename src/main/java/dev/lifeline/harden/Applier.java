package dev.lifeline.harden;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Carries out the Linux steps of {@link OllamaRecipes#linux} and {@link ServeUnit#script} on this machine, saying
 * each action as it goes. Every file path is taken under {@code root}: {@code /} for real, a folder in tests. Creating
 * users and calling systemctl concern the running system, not a folder, so under any other root they are skipped
 * with the reason said.
 *
 * <p>Files are written whole or not at all (a temporary file in the same folder, then a rename), so systemd never
 * reads half a drop-in. Ownership is set by number, from {@code root}'s {@code /etc/passwd}, which is what makes the
 * same code testable under a folder.
 */
public final class Applier {
    private static final Path SYSTEMD_RUNNING = Path.of("/run/systemd/system");
    private final Path root;
    private final Consumer<String> say;

    /**
     * @param root the file system root every path is taken under
     * @param say  where each action is reported, one line each
     */
    public Applier(Path root, Consumer<String> say) {
        this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
        this.say = Objects.requireNonNull(say, "say");
    }

    /** True when the root is this system's, so users and services may be touched. */
    public boolean system() {
        return root.getNameCount() == 0;
    }

    /** The effective user is root ({@code Uid:} in /proc/self/status); what --apply needs on the real system. */
    public static boolean privileged() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0");
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: --apply is refused there anyway
        }
        return false;
    }

    /** The path under root. */
    public Path under(Path absolute) {
        return root.resolve(absolute.toString().replaceFirst("^/+", ""));
    }

    /** The Ollama drop-in and its steps. */
    public void ollama(OllamaHardening h) throws IOException {
        if (system()) {
            ensureUser(h.user(), List.of("useradd", "--system", "--user-group", "--home-dir", h.home().toString(), "--create-home",
                    "--shell", "/usr/sbin/nologin", h.user()));
            for (String group : List.of("render", "video")) {
                if (run(List.of("getent", "group", group)).exit() == 0) {
                    check(run(List.of("usermod", "-a", "-G", group, h.user())), "usermod -a -G " + group + " " + h.user());
                    say.accept("user " + h.user() + ": in group " + group + " (GPU access)");
                }
            }
        } else {
            say.accept("skipped: creating user " + h.user() + " (--root " + root + " is not this system)");
        }
        Optional<int[]> ids = ids(h.user());
        for (Path dir : List.of(h.dotOllama(), h.linuxModels())) {
            Path p = under(dir);
            if (!Files.isDirectory(p)) {
                Files.createDirectories(p);
                say.accept("created " + p);
            }
        }
        for (Path dir : h.writable()) {
            Path p = under(dir);
            if (ids.isPresent()) {
                int n = chown(p, ids.get()[0], ids.get()[1]);
                say.accept("owner of " + p + ": " + h.user() + " (uid " + ids.get()[0] + "), " + n + " changed");
            } else {
                say.accept("skipped: owner of " + p + " (user " + h.user() + " is not in " + under(Path.of("/etc/passwd")) + ")");
            }
            int n = closeToOthers(p);
            say.accept("write access for other users removed under " + p + ": " + n + " changed");
        }
        write(Path.of(OllamaRecipes.DROP_IN), OllamaRecipes.linuxDropIn(h));
        systemctl(List.of(List.of("daemon-reload"), List.of("restart", "ollama")));
        say.accept("check: lifeline doctor --url " + h.listen().localUrl());
    }

    /** The gateway's user, its folders, the config's group, the unit, and the start: {@link ServeUnit#script}'s steps. */
    public void serve(ServeUnit u) throws IOException {
        String name = u.user();
        if (system()) {
            ensureUser(name, List.of("useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
                    "--shell", "/usr/sbin/nologin", name));
        } else {
            say.accept("skipped: creating user " + name + " (--root " + root + " is not this system)");
        }
        Optional<int[]> ids = ids(name);
        Optional<int[]> rootIds = ids("root");
        Path etc = directory(Path.of(ServeUnit.CONFIG_DIR));
        Path state = directory(Path.of(ServeUnit.STATE_DIR));
        if (ids.isPresent()) {
            int gid = ids.get()[1];
            if (rootIds.isPresent()) {
                Files.setAttribute(etc, "unix:uid", rootIds.get()[0], LinkOption.NOFOLLOW_LINKS);
            }
            Files.setAttribute(etc, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
            Files.setPosixFilePermissions(etc, PosixFilePermissions.fromString("rwxr-x---"));
            say.accept(etc + ": owner root, group " + name + ", 0750");
            int n = chown(state, ids.get()[0], gid);
            Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwx------"));
            say.accept(state + ": owner " + name + " (uid " + ids.get()[0] + "), 0700, " + n + " changed");
            Path config = under(u.config());
            if (Files.exists(config)) {
                Files.setAttribute(config, "unix:gid", gid);
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(config);
                perms.add(PosixFilePermission.GROUP_READ);
                Files.setPosixFilePermissions(config, perms);
                say.accept(config + ": group " + name + ", readable by it");
            } else {
                say.accept("skipped: group of " + config + " (it does not exist yet; run this again once it does)");
            }
        } else {
            say.accept("skipped: owners of " + etc + ", " + state + " and the config (user " + name + " is not in "
                    + under(Path.of("/etc/passwd")) + ")");
        }
        write(Path.of(ServeUnit.PATH), u.unit());
        systemctl(List.of(List.of("daemon-reload"), List.of("enable", "--now", "lifeline")));
        say.accept("API keys, made as " + name + " so that the service can read them: " + u.keysCommand());
        say.accept("status: systemctl status lifeline   log: journalctl -u lifeline");
    }

    /** The folder at {@code path} (under root), created when missing. */
    private Path directory(Path path) throws IOException {
        Path p = under(path);
        if (!Files.isDirectory(p)) {
            Files.createDirectories(p);
            say.accept("created " + p);
        }
        return p;
    }

    private void ensureUser(String name, List<String> useradd) throws IOException {
        if (run(List.of("id", "-u", name)).exit() == 0) {
            say.accept("user " + name + ": exists");
            return;
        }
        check(run(useradd), String.join(" ", useradd));
        say.accept("created user " + name + ": " + String.join(" ", useradd));
    }

    /** daemon-reload and the rest when systemd runs this system; else what to run, and why it was not. */
    private void systemctl(List<List<String>> commands) throws IOException {
        List<String> shown = commands.stream().map(c -> "systemctl " + String.join(" ", c)).toList();
        if (!system()) {
            say.accept("skipped: " + String.join(" && ", shown) + " (--root " + root + " is not this system)");
            return;
        }
        if (!Files.isDirectory(SYSTEMD_RUNNING)) {
            say.accept("skipped: systemd is not running here (no " + SYSTEMD_RUNNING + "); when it is, run: " + String.join(" && ", shown));
            return;
        }
        for (List<String> c : commands) {
            List<String> cmd = new ArrayList<>(List.of("systemctl"));
            cmd.addAll(c);
            check(run(cmd), String.join(" ", cmd));
            say.accept("ran: " + String.join(" ", cmd));
        }
    }

    /** The file at {@code path} (under root), 0644, through a temporary file and a rename. */
    private void write(Path path, String text) throws IOException {
        Path target = under(path);
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        say.accept("wrote " + target);
    }

    /** The uid and primary gid of {@code user} from root's /etc/passwd; on this system also from NSS (LDAP and the like). */
    private Optional<int[]> ids(String user) throws IOException {
        Path passwd = under(Path.of("/etc/passwd"));
        if (Files.isReadable(passwd)) {
            for (String line : Files.readAllLines(passwd)) {
                String[] f = line.split(":");
                if (f.length >= 4 && f[0].equals(user) && f[2].matches("[0-9]+") && f[3].matches("[0-9]+")) {
                    return Optional.of(new int[] {Integer.parseInt(f[2]), Integer.parseInt(f[3])});
                }
            }
        }
        if (system()) {
            OptionalInt uid = number(run(List.of("id", "-u", user)));
            OptionalInt gid = number(run(List.of("id", "-g", user)));
            if (uid.isPresent() && gid.isPresent()) {
                return Optional.of(new int[] {uid.getAsInt(), gid.getAsInt()});
            }
        }
        return Optional.empty();
    }

    /** {@code chown -R uid:gid dir}, not following symbolic links; how many entries changed. */
    private static int chown(Path dir, int uid, int gid) throws IOException {
        int[] changed = {0};
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                visit(d);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                visit(f);
                return FileVisitResult.CONTINUE;
            }

            private void visit(Path p) throws IOException {
                boolean differs = !Integer.valueOf(uid).equals(Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS))
                        || !Integer.valueOf(gid).equals(Files.getAttribute(p, "unix:gid", LinkOption.NOFOLLOW_LINKS));
                if (differs) {
                    Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
                    Files.setAttribute(p, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
                    changed[0]++;
                }
            }
        });
        return changed[0];
    }

    /** {@code chmod -R o-w dir}: symbolic links have no permissions of their own and are left alone. */
    private static int closeToOthers(Path dir) throws IOException {
        int[] changed = {0};
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
                visit(d, attrs);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                visit(f, attrs);
                return FileVisitResult.CONTINUE;
            }

            private void visit(Path p, BasicFileAttributes attrs) throws IOException {
                if (attrs.isSymbolicLink()) {
                    return;
                }
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
                if (perms.remove(PosixFilePermission.OTHERS_WRITE)) {
                    Files.setPosixFilePermissions(p, perms);
                    changed[0]++;
                }
            }
        });
        return changed[0];
    }

    private record Result(int exit, String output) {
    }

    private static Result run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + ": still running after 2 minutes");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(String.join(" ", command) + ": interrupted", e);
        }
        return new Result(p.exitValue(), output);
    }

    private static void check(Result r, String command) throws IOException {
        if (r.exit() != 0) {
            throw new IOException(command + " failed (exit " + r.exit() + ")" + (r.output().isEmpty() ? "" : ": " + r.output()));
        }
    }

    private static OptionalInt number(Result r) {
        return r.exit() == 0 && r.output().matches("[0-9]+") ? OptionalInt.of(Integer.parseInt(r.output())) : OptionalInt.empty();
    }
}
