package dev.lifeline.firewall.plan;

import dev.lifeline.firewall.Cidr;

import java.util.ArrayList;
import java.util.List;

/**
 * ufw. Its rules are first-match-wins and {@code ufw allow} appends, so an allow added after an existing deny (or a
 * deny after an existing allow) never matches. Everything here is therefore prepended: first the block for the port,
 * then each allowed source above it. One ufw rule without an address covers IPv4 and IPv6; one with an address
 * covers its own family, and {@code prepend} puts an IPv6 rule at the top of the IPv6 rules.
 *
 * <p>ufw is idempotent by itself ("Skipping inserting existing rule", exit 0), with one trap verified in a
 * namespace: a prepend that matches an existing rule with a different action (a user's {@code ufw allow 11434/tcp})
 * is skipped too, leaving the port open. A plain {@code ufw deny} with the same match then rewrites that rule into the
 * block where it stands, which is still below our allows, so the order comes out right either way.
 */
public final class UfwRenderer implements Renderer {
    @Override
    public Plan render(Policy p) {
        String port = Integer.toString(p.port());
        String action = p.block() == Block.DROP ? "deny" : "reject";
        List<String> block = List.of(action, "proto", "tcp", "from", "any", "to", "any", "port", port, "comment", p.tag());

        List<Step> apply = new ArrayList<>();
        apply.add(run("Block TCP " + port + " for everyone, above all other rules: ufw stops at the first match", "prepend", block));
        apply.add(run("If a rule with the same match already existed (say `ufw allow " + port + "/tcp`), the prepend was skipped;"
                + " this turns that rule into the block where it stands", null, block));
        List<Cidr> sources = p.allow().sources();
        for (int i = sources.size() - 1; i >= 0; i--) {
            apply.add(run("Allow " + sources.get(i) + " above the block", "prepend", allow(sources.get(i), p)));
        }

        List<Step> rollback = new ArrayList<>();
        for (Cidr c : sources) {
            rollback.add(run("Remove the allow rule for " + c, "delete", allow(c, p)));
        }
        rollback.add(run("Remove the block for TCP " + port, "delete", block));

        List<Check> verify = new ArrayList<>();
        verify.add(new Check("ufw is active", "ufw status | grep -qx 'Status: active'"));
        for (Cidr c : sources) {
            verify.add(added("allow rule for " + c, "ufw allow from " + c + " to any port " + port + " proto tcp comment '" + p.tag() + "'"));
        }
        verify.add(added(action + " rule for TCP " + port, "ufw " + action + " " + port + "/tcp comment '" + p.tag() + "'"));

        List<String> notes = Notes.of(p,
                "Loopback needs no rule: ufw's before.rules accept everything on lo before any user rule.",
                "Nothing changes while ufw is inactive (`ufw status`). Before `ufw enable`, allow your SSH port (`ufw allow OpenSSH`):"
                        + " enabling also applies ufw's default deny for incoming connections.",
                "The plan leaves ufw's default policy alone: its own block for port " + port + " holds whatever the default is.",
                "Other rules for port " + port + " stay, but below the block they no longer match. One with exactly the same match"
                        + " (like `ufw allow " + port + "/tcp`) becomes the block itself, so rollback removes it instead of restoring it.",
                "IPv6 is covered only with IPV6=yes in /etc/default/ufw (the default).",
                Notes.docker(p));
        return new Plan(Frontend.UFW, p, apply, rollback, verify, notes);
    }

    private static List<String> allow(Cidr c, Policy p) {
        return List.of("allow", "proto", "tcp", "from", c.toString(), "to", "any", "port", Integer.toString(p.port()), "comment", p.tag());
    }

    private static Step run(String why, String verb, List<String> rule) {
        List<String> argv = new ArrayList<>(List.of("ufw"));
        if (verb != null) {
            argv.add(verb);
        }
        argv.addAll(rule);
        return new Step.Run(why, argv);
    }

    /** ufw's own listing of added rules, {@code ufw show added}, has one stable line per rule. */
    private static Check added(String what, String line) {
        return new Check(what, "ufw show added | grep -qxF " + ShellScript.doubleQuote(line));
    }
}
