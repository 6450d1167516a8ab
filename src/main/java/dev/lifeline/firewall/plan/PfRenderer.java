package dev.lifeline.firewall.plan;

import dev.lifeline.firewall.Cidr;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * macOS pf, in an anchor of Lifeline's own under {@code com.apple/}, which the stock /etc/pf.conf evaluates
 * ({@code anchor "com.apple/*"}), so pf.conf itself is never edited (OS updates rewrite it anyway).
 *
 * <p>pf is last-match-wins, so every rule is {@code quick}: the first match decides, in the order written. Leaving
 * out the address family makes one rule cover IPv4 and IPv6. pf is enabled with {@code pfctl -E}, which counts
 * references and prints a token; the token is kept in a file so that rollback releases exactly Lifeline's reference
 * ({@code pfctl -X}) and pf stays on if something else still needs it.
 *
 * <p>Written from pf's documentation; not yet run on a Mac.
 */
public final class PfRenderer implements Renderer {
    private final String stateDir;

    /** Keeps the anchor file and the enable token in {@code stateDir} on the target machine. */
    public PfRenderer(String stateDir) {
        this.stateDir = stateDir;
    }

    /** {@code com.apple/lifeline-11434}. */
    public static String anchor(Policy p) {
        return "com.apple/" + p.name();
    }

    @Override
    public Plan render(Policy p) {
        String anchor = anchor(p);
        String file = stateDir + "/" + p.name() + ".pf";
        String token = stateDir + "/" + p.name() + ".pf-token";
        String q = ShellScript.quote(token);

        List<Step> apply = List.of(
                new Step.WriteFile("The anchor's rules: loopback, the allowed sources, then the block, all quick", file, anchorRules(p)),
                new Step.Run("Check the rules first, so that a mistake changes nothing", List.of("pfctl", "-n", "-a", anchor, "-f", file)),
                new Step.Run("Load them into the anchor, replacing what it held", List.of("pfctl", "-a", anchor, "-f", file)),
                new Step.Script("Enable pf unless Lifeline already holds a live enable token, and keep the new token for rollback",
                        "if [ -s " + q + " ] && pfctl -s References 2>/dev/null | grep -qw \"$(cat " + q + ")\"; then\n"
                                + "  : # pf is already enabled on Lifeline's behalf\n"
                                + "else\n"
                                + "  pfctl -E 2>&1 | sed -n 's/^Token : //p' > " + q + "\n"
                                + "fi"));
        List<Step> rollback = List.of(
                new Step.Run("Empty the anchor", List.of("pfctl", "-a", anchor, "-F", "rules")),
                new Step.Script("Release Lifeline's enable token; pf stays on while anything else holds one",
                        "if [ -s " + q + " ]; then\n  pfctl -X \"$(cat " + q + ")\" || true\nfi\nrm -f " + q),
                new Step.Run("Remove the anchor file", List.of("rm", "-f", file)));

        List<Check> verify = new ArrayList<>();
        verify.add(new Check("pf is enabled", "pfctl -s info 2>/dev/null | grep -q 'Status: Enabled'"));
        String rules = "pfctl -a " + anchor + " -s rules 2>/dev/null | grep -qF ";
        for (Cidr c : p.allow().sources()) {
            // pfctl prints a rule with an address of one family with "inet" or "inet6" inserted, so match from "from" on
            verify.add(new Check("pass rule for " + c, rules + ShellScript.quote("from " + c + " to any port = " + p.port())));
        }
        verify.add(new Check("the block rule for TCP " + p.port(), rules + ShellScript.quote(verdict(p) + " in quick proto tcp from any to any port = " + p.port())));

        List<String> notes = Notes.of(p,
                "Loopback: the stock pf.conf already skips lo0 (`set skip on lo0`); the anchor passes it explicitly as well.",
                "Not kept across a reboot by itself: load the anchor and run `pfctl -E` from a LaunchDaemon.",
                "The application firewall (System Settings, socketfilterfw) is separate and may still ask about or block the server.",
                "Untested on a Mac so far: run the verify script after applying.");
        return new Plan(Frontend.PF, p, apply, rollback, verify, notes);
    }

    /** The file loaded with {@code pfctl -a anchor -f}. */
    static String anchorRules(Policy p) {
        StringBuilder sb = new StringBuilder();
        sb.append("# Lifeline: ").append(p.summary()).append('\n');
        sb.append("# Load with pfctl -a ").append(anchor(p)).append(" -f <this file>; quick makes the first match final.\n");
        sb.append("pass in quick on lo0 proto tcp from any to any port ").append(p.port()).append('\n');
        if (!p.allow().isEmpty()) {
            sb.append("pass in quick proto tcp from { ").append(p.allow().sources().stream().map(Cidr::toString).collect(Collectors.joining(", ")))
                    .append(" } to any port ").append(p.port()).append('\n');
        }
        sb.append(verdict(p)).append(" in quick proto tcp from any to any port ").append(p.port()).append('\n');
        return sb.toString();
    }

    private static String verdict(Policy p) {
        return p.block() == Block.DROP ? "block drop" : "block return";
    }
}
