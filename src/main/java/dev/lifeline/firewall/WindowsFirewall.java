package dev.lifeline.firewall;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Parses {@code Get-NetFirewallProfile} (PowerShell's default list format). {@code DefaultInboundAction: NotConfigured}
 * means Block, because that is what Windows does when no policy sets it. With inbound blocked, only an allow rule lets
 * the port in, and rules have no order there (an explicit Block beats every Allow), so the verdict stays unknown until
 * the rules for the port are read.
 */
final class WindowsFirewall {
    static final String PROFILE_COMMAND = "Get-NetFirewallProfile | Format-List Name,Enabled,DefaultInboundAction";

    private WindowsFirewall() {
    }

    /** One profile (Domain, Private, Public). */
    record Profile(String name, boolean enabled, boolean blocksInbound) {
    }

    static List<Profile> parseProfiles(String text) {
        List<Profile> profiles = new ArrayList<>();
        Map<String, String> current = new LinkedHashMap<>();
        for (String line : (text + "\n\n").lines().toList()) {
            int colon = line.indexOf(':');
            if (line.isBlank() || colon < 0) {
                if (current.containsKey("name")) {
                    profiles.add(profile(current));
                }
                current.clear();
                continue;
            }
            String key = line.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            if (key.equals("name") && current.containsKey("name")) {
                profiles.add(profile(current));
                current.clear();
            }
            current.put(key, line.substring(colon + 1).strip());
        }
        return profiles;
    }

    private static Profile profile(Map<String, String> fields) {
        String action = fields.getOrDefault("defaultinboundaction", "NotConfigured");
        return new Profile(fields.get("name"), fields.getOrDefault("enabled", "True").equalsIgnoreCase("true"),
                !action.equalsIgnoreCase("allow"));
    }

    static ToolReport report(List<Profile> profiles, int port) {
        List<String> evidence = profiles.stream().map(p -> p.name() + ": Enabled " + (p.enabled() ? "True" : "False")
                + ", inbound " + (p.blocksInbound() ? "Block" : "Allow")).toList();
        List<Profile> blocking = profiles.stream().filter(p -> p.enabled() && p.blocksInbound()).toList();
        if (profiles.stream().noneMatch(Profile::enabled)) {
            return new ToolReport(Tool.WINDOWS_FIREWALL, false, Verdict.OPEN, Verdict.OPEN, evidence, List.of(),
                    List.of("every firewall profile is disabled"));
        }
        if (blocking.isEmpty()) {
            return new ToolReport(Tool.WINDOWS_FIREWALL, true, Verdict.OPEN, Verdict.OPEN, evidence, List.of(),
                    List.of("enabled profiles allow inbound connections by default"));
        }
        String names = String.join(",", blocking.stream().map(Profile::name).toList());
        Verdict unknown = new Verdict.Unknown("inbound is blocked by default on " + names
                + "; an allow rule for port " + port + " or for ollama.exe would let clients in");
        return new ToolReport(Tool.WINDOWS_FIREWALL, true, unknown, unknown, evidence,
                List.of("New-NetFirewallRule -Name \"Lifeline-Ollama-In\" -DisplayName \"Ollama " + port + " LAN\""
                        + " -Group \"Lifeline\" -Direction Inbound -Action Allow -Protocol TCP -LocalPort " + port
                        + " -RemoteAddress SUBNET -Profile Domain,Private"),
                List.of("check rules: Get-NetFirewallPortFilter | ? LocalPort -eq " + port + " | Get-NetFirewallRule"));
    }
}
