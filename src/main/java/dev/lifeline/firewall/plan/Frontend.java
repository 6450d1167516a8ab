package dev.lifeline.firewall.plan;

import java.util.Arrays;
import java.util.Locale;
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

    /** The renderer with its defaults (files under {@link Renderer#STATE_DIR}, firewalld's default zone). */
    public Renderer renderer() {
        return switch (this) {
            case UFW -> new UfwRenderer();
            case FIREWALLD -> new FirewalldRenderer();
            case NFTABLES -> new NftablesRenderer(Renderer.STATE_DIR);
            case IPTABLES -> new IptablesRenderer(Renderer.STATE_DIR);
            case WINDOWS -> new WindowsRenderer();
            case PF -> new PfRenderer(Renderer.STATE_DIR);
        };
    }

    /** Shorthand for {@code renderer().render(policy)}. */
    public Plan plan(Policy policy) {
        return renderer().render(policy);
    }
}
