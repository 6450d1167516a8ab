package dev.lifeline.firewall.plan;

import dev.lifeline.firewall.Cidr;
import dev.lifeline.firewall.Family;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * firewalld, with permanent rich rules and a reload.
 *
 * <p>Rich rules normally run denies before allows, so a plain "drop port 11434" would beat every source accept. The
 * rules here carry a priority instead: rules with a negative priority run before all others, lowest first, so the
 * accepts ({@value #ALLOW_PRIORITY}) come before the block ({@value #BLOCK_PRIORITY}), and both before a port the zone
 * opens to all ({@code --add-port}, a service), which therefore no longer matters.
 *
 * <p>{@code --add-rich-rule} on an existing rule warns ALREADY_ENABLED and exits 0, {@code --remove-rich-rule} on a
 * missing one warns NOT_ENABLED and exits 0, and {@code --query-rich-rule} exits 0 only when the rule exists, so the
 * commands need no guards.
 */
public final class FirewalldRenderer implements Renderer {
    static final int ALLOW_PRIORITY = -20;
    static final int BLOCK_PRIORITY = -10;

    private final Optional<String> zone;

    /** Rules in the default zone. */
    public FirewalldRenderer() {
        this(Optional.empty());
    }

    /** Rules in {@code zone}: the zone of the interface the clients come through, when it is not the default one. */
    public FirewalldRenderer(Optional<String> zone) {
        zone.ifPresent(z -> {
            if (!z.matches("[A-Za-z0-9_-]{1,17}")) {
                throw new IllegalArgumentException("not a firewalld zone name: " + z);
            }
        });
        this.zone = zone;
    }

    @Override
    public Plan render(Policy p) {
        List<Rule> rules = new ArrayList<>();
        for (Cidr c : p.allow().sources()) {
            rules.add(new Rule("the accept rule for " + c, "rule priority=\"" + ALLOW_PRIORITY + "\" family=\"" + family(c.family())
                    + "\" source address=\"" + c + "\" port port=\"" + p.port() + "\" protocol=\"tcp\" accept"));
        }
        // one block per family: a rich rule without a family cannot say reject type="tcp-reset"
        for (Family f : Family.values()) {
            rules.add(new Rule("the " + f.label() + " block rule", "rule priority=\"" + BLOCK_PRIORITY + "\" family=\"" + family(f)
                    + "\" port port=\"" + p.port() + "\" protocol=\"tcp\" " + (p.block() == Block.DROP ? "drop" : "reject type=\"tcp-reset\"")));
        }

        List<Step> apply = new ArrayList<>();
        List<Step> rollback = new ArrayList<>();
        List<Check> verify = new ArrayList<>();
        verify.add(new Check("firewalld is running", "firewall-cmd --state"));
        for (Rule rule : rules) {
            apply.add(new Step.Run("Add " + rule.what() + " (permanent; the reload below applies it)", cmd(true, "--add-rich-rule=" + rule.text())));
            rollback.add(new Step.Run("Remove " + rule.what(), cmd(true, "--remove-rich-rule=" + rule.text())));
            verify.add(new Check(rule.what(), new ShellScript().command(cmd(false, "--query-rich-rule=" + rule.text()))));
        }
        apply.add(new Step.Run("Load the permanent configuration: --permanent changes nothing until a reload", List.of("firewall-cmd", "--reload")));
        rollback.add(new Step.Run("Load the permanent configuration", List.of("firewall-cmd", "--reload")));

        List<String> notes = Notes.of(p,
                "Loopback needs no rule: firewalld accepts everything on lo before any zone.",
                "The rules go to " + zone.map(z -> "zone " + z).orElse("the default zone") + ". If the clients come in through an"
                        + " interface in another zone (`firewall-cmd --get-active-zones`), plan for that zone. A source bound to a zone"
                        + " of its own (--add-source) is judged by that zone's rules instead.",
                "A port or service the zone opens for " + p.port() + " can stay: these rules have priorities below zero, so they run first.",
                "Rich rules cannot carry a comment; Lifeline's are recognised by their exact text and priorities "
                        + ALLOW_PRIORITY + " and " + BLOCK_PRIORITY + ".",
                "`firewall-cmd --reload` also drops runtime-only changes made without --permanent.",
                Notes.docker(p));
        return new Plan(Frontend.FIREWALLD, p, apply, rollback, verify, notes);
    }

    private List<String> cmd(boolean permanent, String action) {
        List<String> argv = new ArrayList<>(List.of("firewall-cmd"));
        if (permanent) {
            argv.add("--permanent");
        }
        zone.ifPresent(z -> argv.add("--zone=" + z));
        argv.add(action);
        return argv;
    }

    private static String family(Family f) {
        return f == Family.IPV4 ? "ipv4" : "ipv6";
    }

    private record Rule(String what, String text) {
    }
}
