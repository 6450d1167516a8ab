package dev.lifeline.testing;

import dev.lifeline.os.Shell;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A throw-away network of Linux network namespaces for firewall tests: rules are applied inside a server namespace and
 * checked with real connections from two client namespaces, so the host's firewall and {@code /etc} are never touched.
 *
 * <pre>
 *   [switch: bridge br0] ── [server  eth0 10.200.0.1/24  fd00:200::1/64]
 *                        ├── [allowed eth0 10.200.0.2/24  fd00:200::2/64]
 *                        └── [denied  eth0 10.200.0.3/24  fd00:200::3/64]
 * </pre>
 *
 * Namespace names are unique per run ({@code lfl<pid>x<random>-srv}), so parallel test runs on one machine do not
 * collide; {@link #close()} deletes them, and {@link #create()} also deletes leftovers of runs whose JVM is gone.
 * ufw and firewalld run with private copies of their configuration ({@link #ufw()}, {@link #startFirewalld()}), as
 * reference §6.4 describes. Needs root: guard tests with {@code assumeTrue(Netns.available(), Netns.unavailableReason())}.
 */
public final class Netns implements AutoCloseable {
    public static final String SUBNET_V4 = "10.200.0.0/24";
    public static final String SERVER_V4 = "10.200.0.1";
    public static final String ALLOWED_V4 = "10.200.0.2";
    public static final String DENIED_V4 = "10.200.0.3";
    public static final String SUBNET_V6 = "fd00:200::/64";
    public static final String SERVER_V6 = "fd00:200::1";
    public static final String ALLOWED_V6 = "fd00:200::2";
    public static final String DENIED_V6 = "fd00:200::3";

    private static final String PREFIX = "lfl";
    private static final Pattern OURS = Pattern.compile("^" + PREFIX + "(\\d+)x[0-9a-f]+-\\w+");
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(20);

    private final String id;
    private final Path work;
    private final List<AutoCloseable> owned = new ArrayList<>();
    private Path ufwDir;

    private Netns(String id, Path work) {
        this.id = id;
        this.work = work;
    }

    /** Whether this machine can run namespace tests: root, and {@code ip netns} works. */
    public static boolean available() {
        return unavailableReason().isEmpty();
    }

    /** Why {@link #available()} is false, for {@code assumeTrue}; empty when available. */
    public static String unavailableReason() {
        if (!"root".equals(System.getProperty("user.name")) && !isRootUid()) {
            return "network namespace tests need root";
        }
        Shell.Result r = Shell.local().run("ip", "netns", "list");
        if (!r.ok()) {
            return "ip netns is not usable: " + r.problem();
        }
        return "";
    }

    /** Whether {@code tool} is on the PATH (for {@code assumeTrue(Netns.installed("ufw"), ...)}). */
    public static boolean installed(String tool) {
        return Shell.local().run("sh", "-c", "command -v \"$0\"", tool).ok();
    }

    private static boolean isRootUid() {
        try {
            return Files.readString(Path.of("/proc/self/status")).lines()
                    .anyMatch(l -> l.startsWith("Uid:") && l.split("\\s+")[1].equals("0"));
        } catch (IOException e) {
            return false;
        }
    }

    /** Builds the switch, server and two clients. Close it to delete everything. */
    public static Netns create() {
        deleteLeftovers();
        String id = PREFIX + ProcessHandle.current().pid() + "x"
                + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xffffff));
        Path work;
        try {
            work = Files.createTempDirectory(id + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Netns n = new Netns(id, work);
        try {
            n.build();
        } catch (RuntimeException e) {
            n.close();
            throw e;
        }
        return n;
    }

    private void build() {
        for (String ns : List.of(sw(), server(), allowed(), denied())) {
            onHost("ip", "netns", "add", ns);
            onHost("ip", "-n", ns, "link", "set", "lo", "up");
        }
        onHost("ip", "-n", sw(), "link", "add", "br0", "type", "bridge");
        onHost("ip", "-n", sw(), "link", "set", "br0", "up");
        String[] hosts = {server(), allowed(), denied()};
        for (int i = 0; i < hosts.length; i++) {
            String port = "p" + (i + 1);
            // both ends are created inside the namespaces: nothing appears in the host namespace, not even briefly
            onHost("ip", "-n", hosts[i], "link", "add", "eth0", "type", "veth", "peer", "name", port, "netns", sw());
            onHost("ip", "-n", hosts[i], "addr", "add", "10.200.0." + (i + 1) + "/24", "dev", "eth0");
            // nodad: the address is usable at once instead of after duplicate address detection (~2 s)
            onHost("ip", "-n", hosts[i], "addr", "add", "fd00:200::" + (i + 1) + "/64", "dev", "eth0", "nodad");
            onHost("ip", "-n", hosts[i], "link", "set", "eth0", "up");
            onHost("ip", "-n", sw(), "link", "set", port, "master", "br0");
            onHost("ip", "-n", sw(), "link", "set", port, "up");
        }
    }

    /** Deletes namespaces of earlier runs whose JVM no longer exists (a crash or a kill -9 skipped close()). */
    private static void deleteLeftovers() {
        for (String line : Shell.local().run("ip", "netns", "list").lines()) {
            String name = line.split("\\s+")[0];
            Matcher m = OURS.matcher(name);
            if (m.find() && ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty()) {
                Shell.local().run("ip", "netns", "delete", name);
            }
        }
    }

    public String id() {
        return id;
    }

    public String sw() {
        return id + "-sw";
    }

    public String server() {
        return id + "-srv";
    }

    public String allowed() {
        return id + "-cla";
    }

    public String denied() {
        return id + "-clb";
    }

    /** A private scratch directory of this run (deleted by close()). */
    public Path work() {
        return work;
    }

    /** A shell whose commands run in namespace {@code ns}. */
    public Shell shell(String ns) {
        return Shell.prefixed(List.of("ip", "netns", "exec", ns)).withTimeout(COMMAND_TIMEOUT);
    }

    /** Runs a command in namespace {@code ns}. */
    public Shell.Result exec(String ns, String... command) {
        return shell(ns).run(command);
    }

    /** Runs a command in {@code ns} and fails the test if it does not exit 0. */
    public Shell.Result must(String ns, String... command) {
        return check(exec(ns, command));
    }

    private static Shell.Result onHost(String... command) {
        return check(Shell.local().withTimeout(COMMAND_TIMEOUT).run(command));
    }

    private static Shell.Result check(Shell.Result r) {
        if (!r.ok()) {
            throw new IllegalStateException(r.problem() + "\n" + r.stdout() + r.stderr());
        }
        return r;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // A listener and connections

    /**
     * Starts a fake Ollama in the server namespace, dual-stack on {@code [::]:port}, answering {@code GET /api/version}
     * with 200 JSON. It is stopped by the returned handle or by {@link #close()}.
     */
    public AutoCloseable startHttp(int port) {
        String java = ProcessHandle.current().info().command().orElse("java");
        String classpath = Path.of(NetnsHttpServer.class.getProtectionDomain().getCodeSource().getLocation().getPath())
                .toString();
        try {
            Process p = new ProcessBuilder("ip", "netns", "exec", server(), java, "-Xshare:auto", "-XX:TieredStopAtLevel=1",
                    "-cp", classpath, NetnsHttpServer.class.getName(), String.valueOf(port))
                    .redirectErrorStream(true).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            if (!"listening".equals(line)) {
                p.destroyForcibly();
                throw new IllegalStateException("fake server did not start: " + line);
            }
            AutoCloseable handle = () -> {
                p.getOutputStream().close();
                if (!p.waitFor(3, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            };
            owned.add(handle);
            return handle;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** How a connection attempt ended, as a client sees it. */
    public enum Reach {
        /** HTTP 200: the firewall let it in. */
        OPEN,
        /** Refused at once: a TCP reset or an ICMP reject (curl exit 7). */
        REFUSED,
        /** No answer: the SYN was dropped (curl exit 28). */
        TIMEOUT,
        /** Anything else (see the curl exit code in the message of a failing assertion). */
        OTHER
    }

    /**
     * An HTTP GET of {@code /api/version} from {@code clientNs} to {@code address} (IPv4 or IPv6 literal). A drop is
     * called after 1.5 s without an answer: an ICMPv6 reject (firewalld's) reaches the client only with the first SYN
     * retransmission, about 1 s in, so a shorter wait would call it a timeout.
     */
    public Reach connect(String clientNs, String address, int port) {
        String host = address.contains(":") ? "[" + address + "]" : address;
        Shell.Result r = exec(clientNs, "curl", "-g", "-s", "-o", "/dev/null", "--connect-timeout", "1.5", "-m", "4",
                "http://" + host + ":" + port + "/api/version");
        return switch (r.exitCode()) {
            case 0 -> Reach.OPEN;
            case 7 -> Reach.REFUSED;
            case 28 -> Reach.TIMEOUT;
            default -> Reach.OTHER;
        };
    }

    // ---------------------------------------------------------------------------------------------------------------
    // ufw and firewalld with private configuration

    /**
     * A shell in the server namespace whose commands see private copies of {@code /etc/ufw} and {@code /etc/default/ufw}
     * (bind-mounted in a private mount namespace per command). ufw writes {@code ENABLED=yes} and its rule files, which
     * must never reach the host. The copies start disabled; put more in front with {@link #ufw(List)}.
     */
    public Shell ufw() {
        return ufw(List.of());
    }

    /** Like {@link #ufw()}, with {@code inner} (e.g. {@code setpriv --reuid=65534 ...}) between the mounts and the command. */
    public Shell ufw(List<String> inner) {
        if (ufwDir == null) {
            ufwDir = work.resolve("ufw-etc");
            onHost("mkdir", "-p", ufwDir.toString());
            onHost("cp", "-a", "/etc/ufw", ufwDir.resolve("ufw").toString());
            onHost("cp", "-a", "/etc/default/ufw", ufwDir.resolve("default-ufw").toString());
            onHost("sed", "-i", "s/^ENABLED=.*/ENABLED=no/", ufwDir.resolve("ufw/ufw.conf").toString());
        }
        List<String> prefix = new ArrayList<>(List.of("ip", "netns", "exec", server(), "unshare", "-m",
                "--propagation", "private", "sh", "-c",
                "mount --bind \"$0/ufw\" /etc/ufw && mount --bind \"$0/default-ufw\" /etc/default/ufw && exec \"$@\"",
                ufwDir.toString()));
        prefix.addAll(inner);
        return Shell.prefixed(prefix).withTimeout(COMMAND_TIMEOUT);
    }

    /**
     * Starts firewalld in the server namespace with a private {@code /etc/firewalld}, a private {@code /run} (a tmpfs,
     * so the host's {@code /run/dbus} is neither used nor created) and its own system D-Bus, and waits until {@code firewall-cmd --state} says running.
     */
    public Firewalld startFirewalld() {
        Firewalld f = new Firewalld(this);
        owned.add(f);
        return f;
    }

    /** A running private firewalld; {@link #shell()} runs commands (firewall-cmd) where it can be reached. */
    public static final class Firewalld implements AutoCloseable {
        private static final String SCRIPT = """
                W=$0
                mount --bind "$W/firewalld" /etc/firewalld && mount -t tmpfs tmpfs /run \
                  && mkdir /run/dbus /run/firewalld || exit 1
                dbus-daemon --system --fork --print-pid=3 3>"$W/dbus.pid" || exit 1
                firewalld --nofork --nopid >"$W/firewalld.log" 2>&1 &
                FW=$!
                echo $FW >"$W/firewalld.pid"
                echo started
                cat >/dev/null
                kill $FW 2>/dev/null; (sleep 5; kill -9 $FW 2>/dev/null) & KILLER=$!
                wait $FW; kill $KILLER 2>/dev/null
                kill $(cat "$W/dbus.pid") 2>/dev/null
                """;
        private final Process holder;
        private final Shell shell;
        private final Path dir;

        private Firewalld(Netns netns) {
            dir = netns.work.resolve("firewalld-" + Integer.toHexString(ThreadLocalRandom.current().nextInt()));
            onHost("mkdir", "-p", dir.toString());
            onHost("cp", "-a", "/etc/firewalld", dir.resolve("firewalld").toString());
            try {
                // the holder keeps the private mount namespace alive; it stops firewalld and D-Bus when its stdin closes
                holder = new ProcessBuilder("ip", "netns", "exec", netns.server(), "unshare", "-m", "--propagation",
                        "private", "sh", "-c", SCRIPT, dir.toString()).redirectErrorStream(true).start();
                String line = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))
                        .readLine();
                if (!"started".equals(line)) {
                    throw new IllegalStateException("firewalld holder did not start: " + line);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            shell = Shell.prefixed(List.of("nsenter", "-t", String.valueOf(holder.pid()), "-m", "-n"))
                    .withTimeout(COMMAND_TIMEOUT);
            Instant deadline = Instant.now().plusSeconds(20);
            while (!shell.run("firewall-cmd", "--state").ok()) {
                if (Instant.now().isAfter(deadline) || !holder.isAlive()) {
                    String log = "";
                    try {
                        log = Files.readString(dir.resolve("firewalld.log"));
                    } catch (IOException e) {
                        // none
                    }
                    close();
                    throw new IllegalStateException("firewalld did not start:\n" + log);
                }
                sleep(100);
            }
        }

        /** The firewalld daemon's process id (in the host's PID namespace). */
        public long pid() {
            try {
                return Long.parseLong(Files.readString(dir.resolve("firewalld.pid")).strip());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Runs commands in the server namespace, inside firewalld's private mount namespace. */
        public Shell shell() {
            return shell;
        }

        /** Runs {@code firewall-cmd args} and fails if it does not exit 0. */
        public Shell.Result cmd(String... args) {
            List<String> argv = new ArrayList<>(List.of("firewall-cmd"));
            argv.addAll(List.of(args));
            return check(shell.run(argv));
        }

        @Override
        public void close() {
            try {
                holder.getOutputStream().close();
                if (!holder.waitFor(10, TimeUnit.SECONDS)) {
                    holder.destroyForcibly();
                }
            } catch (IOException | InterruptedException e) {
                holder.destroyForcibly();
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    /** Loads an nft script (as for {@code nft -f}) into the server namespace; fails the test if nft rejects it. */
    public void nft(String script) {
        Path file = work.resolve("rules-" + Integer.toHexString(ThreadLocalRandom.current().nextInt()) + ".nft");
        try {
            Files.writeString(file, script);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        must(server(), "nft", "-f", file.toString());
    }

    /** Flushes every firewall rule in the server namespace (nft ruleset, which includes iptables-nft's tables). */
    public void flushServerRules() {
        must(server(), "nft", "flush", "ruleset");
        // iptables-legacy keeps its own tables; flush them too when that backend is present
        for (String tool : List.of("iptables-legacy", "ip6tables-legacy")) {
            Shell.Result r = exec(server(), tool, "-F");
            if (r.ok()) {
                exec(server(), tool, "-P", "INPUT", "ACCEPT");
            }
        }
    }

    @Override
    public void close() {
        for (AutoCloseable c : owned.reversed()) {
            try {
                c.close();
            } catch (Exception e) {
                // best effort: the namespaces go below anyway
            }
        }
        owned.clear();
        for (String ns : List.of(denied(), allowed(), server(), sw())) {
            Shell.local().run("ip", "netns", "delete", ns);
        }
        Shell.local().run("rm", "-rf", work.toString());
    }
}
