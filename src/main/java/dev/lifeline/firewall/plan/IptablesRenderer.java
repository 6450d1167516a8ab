package dev.lifeline.firewall.plan;

import dev.lifeline.firewall.Cidr;
import dev.lifeline.firewall.Family;

import java.util.ArrayList;
import java.util.List;

/**
 * iptables and ip6tables (either backend), through a chain of Lifeline's own per port.
 *
 * <p>The chain's rules are loaded with {@code iptables-restore --noflush}: declaring a user chain there empties it,
 * and the file commits in one go, so applying again (even with another allow-list) replaces the chain's contents
 * atomically, with no moment where the port is open. The one rule in INPUT, the jump to the chain, is inserted at
 * position 1 (an appended rule would land after a catch-all ACCEPT and never match) and only when {@code -C} says it is
 * not already there. {@code -w} waits for the xtables lock instead of failing while Docker or fail2ban hold it.
 */
public final class IptablesRenderer implements Renderer {
    private final String stateDir;

    /** Keeps the restore files in {@code stateDir} on the target machine. */
    public IptablesRenderer(String stateDir) {
        this.stateDir = stateDir;
    }

    /** {@code LIFELINE-11434}: the chain, in the filter table of both iptables and ip6tables. */
    public static String chain(Policy p) {
        return p.name().toUpperCase(java.util.Locale.ROOT);
    }

    @Override
    public Plan render(Policy p) {
        List<Step> apply = new ArrayList<>();
        List<Step> rollback = new ArrayList<>();
        List<Check> verify = new ArrayList<>();
        ShellScript sh = new ShellScript();
        String chain = chain(p);
        for (Family f : Family.values()) {
            String cmd = f == Family.IPV4 ? "iptables" : "ip6tables";
            String file = stateDir + "/" + p.name() + "." + cmd;
            List<String> jump = List.of("INPUT", "-p", "tcp", "--dport", Integer.toString(p.port()), "-m", "comment", "--comment", p.tag(), "-j", chain);
            List<String> checkJump = argv(cmd, "-C", jump);
            List<String> listChain = List.of(cmd, "-w", "-n", "-L", chain);

            apply.add(new Step.WriteFile(f.label() + " rules of chain " + chain + ": loopback, the allowed sources, then the block", file, rules(p, f)));
            apply.add(new Step.Run("Load them in one commit; declaring the chain empties an earlier copy first",
                    List.of(cmd + "-restore", "-w", "--noflush", file)));
            List<String> insert = new ArrayList<>(List.of(cmd, "-w", "-I", "INPUT", "1"));
            insert.addAll(jump.subList(1, jump.size()));
            apply.add(new Step.Run("Send TCP " + p.port() + " through the chain first, unless it already is", insert, new Step.Guard.Unless(checkJump)));

            rollback.add(new Step.Run("Stop sending " + f.label() + " TCP " + p.port() + " through the chain", argv(cmd, "-D", jump),
                    new Step.Guard.OnlyIf(checkJump)));
            rollback.add(new Step.Run("Empty the chain", List.of(cmd, "-w", "-F", chain), new Step.Guard.OnlyIf(listChain)));
            rollback.add(new Step.Run("Delete the chain", List.of(cmd, "-w", "-X", chain), new Step.Guard.OnlyIf(listChain)));
            rollback.add(new Step.Run("Remove the rules file", List.of("rm", "-f", file)));

            verify.add(new Check(f.label() + ": TCP " + p.port() + " goes through " + chain, sh.command(checkJump)));
            for (Cidr c : p.allow().sources(f)) {
                verify.add(new Check(f.label() + ": accept " + c, sh.command(List.of(cmd, "-w", "-C", chain, "-s", c.toString(), "-j", "ACCEPT"))));
            }
            List<String> block = new ArrayList<>(List.of(cmd, "-w", "-C", chain));
            block.addAll(verdict(p));
            verify.add(new Check(f.label() + ": the block rule", sh.command(block)));
        }
        List<String> notes = Notes.of(p,
                "Loopback is accepted first in the chain (-i lo).",
                "Use this plan only where no other tool manages the rules (ufw, firewalld): they would rewrite or shadow them.",
                "The jump sits at position 1 of INPUT, ahead of any catch-all ACCEPT or ESTABLISHED rule; a rule another tool"
                        + " later inserts at position 1 comes before it.",
                "Not kept across a reboot by itself: save with `iptables-save > /etc/iptables/rules.v4` and"
                        + " `ip6tables-save > /etc/iptables/rules.v6` (netfilter-persistent), or re-apply at boot.",
                Notes.docker(p));
        return new Plan(Frontend.IPTABLES, p, apply, rollback, verify, notes);
    }

    /** The file for {@code iptables-restore --noflush}. */
    static String rules(Policy p, Family f) {
        String chain = chain(p);
        StringBuilder sb = new StringBuilder();
        sb.append("# Lifeline: ").append(p.summary()).append(" (").append(f.label()).append(")\n");
        sb.append("# Load with ").append(f == Family.IPV4 ? "iptables" : "ip6tables")
                .append("-restore --noflush: other chains stay as they are, this one is replaced.\n");
        sb.append("*filter\n");
        sb.append(':').append(chain).append(" - [0:0]\n");
        sb.append("-A ").append(chain).append(" -i lo -j ACCEPT\n");
        for (Cidr c : p.allow().sources(f)) {
            sb.append("-A ").append(chain).append(" -s ").append(c).append(" -j ACCEPT\n");
        }
        sb.append("-A ").append(chain).append(' ').append(String.join(" ", verdict(p))).append('\n');
        sb.append("COMMIT\n");
        return sb.toString();
    }

    private static List<String> verdict(Policy p) {
        return p.block() == Block.DROP ? List.of("-j", "DROP") : List.of("-p", "tcp", "-j", "REJECT", "--reject-with", "tcp-reset");
    }

    private static List<String> argv(String cmd, String op, List<String> spec) {
        List<String> out = new ArrayList<>(List.of(cmd, "-w", op));
        out.addAll(spec);
        return out;
    }
}
