package dev.lifeline.firewall;

import dev.lifeline.os.Shell;

import java.util.List;
import java.util.Optional;

/**
 * Parses macOS firewall status. pf ({@code pfctl -s info}: {@code Status: Enabled}) needs root; the Application
 * Firewall ({@code socketfilterfw --getglobalstate}: {@code Firewall is enabled. (State = 1)}) filters per
 * application, not per port, so neither gives a port verdict from its status alone.
 */
final class MacFirewall {
    static final String SOCKETFILTERFW = "/usr/libexec/ApplicationFirewall/socketfilterfw";

    private MacFirewall() {
    }

    /** {@code Status: Enabled} / {@code Status: Disabled} from {@code pfctl -s info}; empty when absent. */
    static Optional<Boolean> pfEnabled(String pfctlInfo) {
        return pfctlInfo.lines().map(String::strip).filter(l -> l.startsWith("Status:"))
                .map(l -> l.substring(7).strip().startsWith("Enabled")).findFirst();
    }

    /** {@code Firewall is enabled. (State = 1)} (2 = block all) / {@code Firewall is disabled. (State = 0)}. */
    static Optional<Boolean> applicationFirewallEnabled(String globalState) {
        String s = globalState.strip();
        if (s.contains("State = 0") || s.toLowerCase(java.util.Locale.ROOT).contains("is disabled")) {
            return Optional.of(false);
        }
        if (s.contains("State = 1") || s.contains("State = 2") || s.toLowerCase(java.util.Locale.ROOT).contains("is enabled")) {
            return Optional.of(true);
        }
        return Optional.empty();
    }

    static ToolReport pf(Shell shell, int port) {
        Shell.Result r = shell.run("pfctl", "-s", "info");
        if (r.notInstalled()) {
            return ToolReport.inactive(Tool.PF, "pfctl is not available");
        }
        Optional<Boolean> on = pfEnabled(r.stdout());
        if (on.isEmpty()) {
            return ToolReport.unreadable(Tool.PF, false,
                    r.needsRoot() ? "pfctl: Permission denied — run with sudo" : r.problem(), List.of());
        }
        if (!on.get()) {
            return ToolReport.inactive(Tool.PF, "pf is disabled (Status: Disabled)");
        }
        Verdict unknown = new Verdict.Unknown("pf is enabled; its rules for port " + port
                + " are not evaluated: sudo pfctl -a '*' -sr");
        return new ToolReport(Tool.PF, true, unknown, unknown, List.of("Status: Enabled"), List.of(), List.of());
    }

    static ToolReport applicationFirewall(Shell shell) {
        Shell.Result r = shell.run(SOCKETFILTERFW, "--getglobalstate");
        if (r.notInstalled()) {
            return ToolReport.inactive(Tool.MACOS_APPLICATION_FIREWALL, "socketfilterfw is not available");
        }
        Optional<Boolean> on = applicationFirewallEnabled(r.stdout());
        if (on.isEmpty()) {
            return ToolReport.unreadable(Tool.MACOS_APPLICATION_FIREWALL, false, r.problem(), List.of());
        }
        if (!on.get()) {
            return ToolReport.inactive(Tool.MACOS_APPLICATION_FIREWALL, "the Application Firewall is off");
        }
        Verdict unknown = new Verdict.Unknown("the Application Firewall decides per application: allow ollama with "
                + SOCKETFILTERFW + " --add /Applications/Ollama.app");
        return new ToolReport(Tool.MACOS_APPLICATION_FIREWALL, true, unknown, unknown, List.of(r.stdout().strip()),
                List.of("sudo " + SOCKETFILTERFW + " --add /Applications/Ollama.app && sudo " + SOCKETFILTERFW
                        + " --unblockapp /Applications/Ollama.app"), List.of());
    }
}
