package dev.lifeline.firewall;

import dev.lifeline.os.Shell;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * Finds which firewalls are active and whether they let TCP port P in from other machines. Read-only: it runs status
 * and list commands, never a command that changes a rule. Without root most Linux tools cannot be read, which gives
 * {@link Verdict.Unknown} with a sudo hint rather than a guess; ufw's on/off state is still read from
 * {@code /etc/ufw/ufw.conf}.
 *
 * <p>The {@link Shell}'s prefix decides where the commands run, which is how tests run the same detection inside a
 * network namespace with private copies of {@code /etc/ufw} and {@code /etc/firewalld}.
 */
public final class FirewallDetector {
    private final Shell shell;
    private final String osName;
    private final Supplier<List<List<String>>> dockerProxies;

    /** Examines this machine, for its operating system ({@code os.name}). */
    public static FirewallDetector forThisMachine() {
        return new FirewallDetector(Shell.local(), System.getProperty("os.name", "Linux"), Docker::dockerProxies);
    }

    /** Detects the Linux firewalls reachable through {@code shell}; processes are read from this host's /proc. */
    public FirewallDetector(Shell shell) {
        this(shell, "Linux", Docker::dockerProxies);
    }

    FirewallDetector(Shell shell, String osName, Supplier<List<List<String>>> dockerProxies) {
        this.shell = Objects.requireNonNull(shell);
        this.osName = Objects.requireNonNull(osName);
        this.dockerProxies = Objects.requireNonNull(dockerProxies);
    }

    /** What the firewalls of this machine do to new TCP connections to {@code port} from other machines. */
    public FirewallReport examine(int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("not a TCP port: " + port);
        }
        String os = osName.toLowerCase(Locale.ROOT);
        if (os.startsWith("windows")) {
            return windows(port);
        }
        if (os.startsWith("mac")) {
            ToolReport pf = MacFirewall.pf(shell, port);
            ToolReport app = MacFirewall.applicationFirewall(shell);
            return FirewallReport.combine(port, List.of(pf, app), List.of());
        }
        return linux(port);
    }

    private FirewallReport linux(int port) {
        // The tools are independent and firewall-cmd is slow to start: read them at the same time.
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            CompletableFuture<ToolReport> ufw = CompletableFuture.supplyAsync(() -> Ufw.detect(shell, port), pool);
            CompletableFuture<ToolReport> firewalld =
                    CompletableFuture.supplyAsync(() -> Firewalld.detect(shell, port), pool);
            CompletableFuture<ToolReport> nft = CompletableFuture.supplyAsync(() -> Nftables.detect(shell, port), pool);
            CompletableFuture<ToolReport> iptables = ufw.thenApplyAsync(u -> Iptables.detect(shell, port, u), pool);
            CompletableFuture<ToolReport> docker = ufw.thenApplyAsync(
                    u -> Docker.detect(shell, port, dockerProxies.get(), u.active()), pool);
            List<ToolReport> tools = new ArrayList<>();
            for (CompletableFuture<ToolReport> f : List.of(ufw, firewalld, nft, iptables, docker)) {
                tools.add(f.join());
            }
            return FirewallReport.combine(port, tools, List.of());
        }
    }

    private FirewallReport windows(int port) {
        Shell.Result r = shell.run("powershell", "-NoProfile", "-NonInteractive", "-Command",
                WindowsFirewall.PROFILE_COMMAND);
        ToolReport report = r.ok()
                ? WindowsFirewall.report(WindowsFirewall.parseProfiles(r.stdout()), port)
                : ToolReport.unreadable(Tool.WINDOWS_FIREWALL, false, r.problem(), List.of());
        return FirewallReport.combine(port, List.of(report), List.of());
    }
}
