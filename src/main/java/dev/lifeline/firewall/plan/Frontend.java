package dev.lifeline.firewall.plan;

import dev.lifeline.firewall.FirewallReport;
import dev.lifeline.firewall.Tool;
import dev.lifeline.firewall.ToolReport;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The firewall front-ends a plan can be written for. Choosing the active one matters: an nft accept in one table
 * cannot undo a drop in another manager's table, so allow rules must go through whichever front-end is in charge.
 */
public enum Frontend {
    UFW("ufw", Language.SH),
    FIREWALLD("firewalld", Language.SH),
    NFTABLES("nftables", Language.SH),
    IPTABLES("iptables", Language.SH),
    WINDOWS("windows", Language.POWERSHELL),
    PF("pf", Language.SH);

    /** The language a plan's steps and checks are written in. */
    public enum Language {
        SH, POWERSHELL
    }

    private final String id;
    private final Language language;

    Frontend(String id, Language language) {
        this.id = id;
        this.language = language;
    }

    /** The name used on the command line: {@code --tool nftables}. */
    public String id() {
        return id;
    }

    public Language language() {
        return language;
    }

    /** The tool named {@code id} on the command line; {@code auto} is resolved by detection, not here. */
    public static Frontend fromId(String id) {
        String wanted = id.strip().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(t -> t.id.equals(wanted)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("--tool " + id + ": expected one of "
                        + Arrays.stream(values()).map(Frontend::id).collect(Collectors.joining(", "))));
    }

    /**
     * The front-end in charge on this machine, for {@code --tool auto}: an active ufw or firewalld (allow rules must go
     * through it), else iptables when it holds rules (Docker's, or a hand-made set), else nftables where {@code nft} is
     * installed; pf on macOS and Windows' own firewall on Windows.
     */
    public static Frontend auto(FirewallReport report, String osName, boolean nftInstalled) {
        String os = osName.toLowerCase(Locale.ROOT);
        if (os.startsWith("windows")) {
            return WINDOWS;
        }
        if (os.startsWith("mac")) {
            return PF;
        }
        if (active(report, Tool.UFW)) {
            return UFW;
        }
        if (active(report, Tool.FIREWALLD)) {
            return FIREWALLD;
        }
        if (active(report, Tool.IPTABLES) || !nftInstalled) {
            return IPTABLES;
        }
        return NFTABLES;
    }

    private static boolean active(FirewallReport report, Tool tool) {
        return report.tool(tool).map(ToolReport::active).orElse(false);
    }

    /** The renderer with its defaults: files under {@link Renderer#STATE_DIR}, firewalld's default zone. */
    public Renderer renderer() {
        return renderer(Renderer.STATE_DIR);
    }

    /** The renderer keeping its files (rulesets, anchors) in {@code stateDir}. */
    public Renderer renderer(String stateDir) {
        return renderer(stateDir, Optional.empty());
    }

    /** As {@link #renderer(String)}, with firewalld's rules in {@code zone} rather than the default zone. */
    public Renderer renderer(String stateDir, Optional<String> zone) {
        return switch (this) {
            case UFW -> new UfwRenderer();
            case FIREWALLD -> new FirewalldRenderer(zone);
            case NFTABLES -> new NftablesRenderer(stateDir);
            case IPTABLES -> new IptablesRenderer(stateDir);
            case WINDOWS -> new WindowsRenderer();
            case PF -> new PfRenderer(stateDir);
        };
    }

    /** Shorthand for {@code renderer().render(policy)}. */
    public Plan plan(Policy policy) {
        return renderer().render(policy);
    }

    /** Shorthand for {@code renderer(stateDir).render(policy)}. */
    public Plan plan(Policy policy, String stateDir) {
        return renderer(stateDir).render(policy);
    }

    /** Shorthand for {@code renderer(stateDir, zone).render(policy)}. */
    public Plan plan(Policy policy, String stateDir, Optional<String> zone) {
        return renderer(stateDir, zone).render(policy);
    }
}
