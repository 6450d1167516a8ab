package dev.lifeline.firewall;

import dev.lifeline.os.Shell;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Reads {@code iptables -S} and {@code ip6tables -S} (the filter table) and decides what the INPUT chain does to a
 * new TCP connection to one port: first matching rule wins, jumps are followed, else the chain policy. This covers
 * both backends: with iptables-legacy these rules are invisible to {@code nft}; with iptables-nft they also show in
 * the nft ruleset, where {@link Nftables} leaves them to this reader because its generic reading of {@code xt}
 * matches would be worse. Jumps into ufw's chains are answered by ufw's own verdict, since ufw's status is the
 * authoritative reading of what its chains do.
 */
final class Iptables {
    private Iptables() {
    }

    static ToolReport detect(Shell shell, int port, ToolReport ufw) {
        Shell.Result version = shell.run("iptables", "--version");
        if (version.notInstalled()) {
            return ToolReport.inactive(Tool.IPTABLES, "iptables is not installed");
        }
        String backend = version.stdout().contains("nf_tables") ? "nf_tables"
                : version.stdout().contains("legacy") ? "legacy" : "unknown";
        Shell.Result v4 = shell.run("iptables", "-S");
        if (!v4.ok()) {
            String reason = v4.needsRoot() ? "iptables: Permission denied — run with sudo" : v4.problem();
            return ToolReport.unreadable(Tool.IPTABLES, false, reason, List.of());
        }
        Shell.Result v6 = shell.run("ip6tables", "-S");
        String note = "iptables backend: " + backend + (backend.equals("nf_tables")
                ? " (these rules are also the nft tables ip filter / ip6 filter)" : "");
        return evaluate(v4.stdout(), v6.ok() ? Optional.of(v6.stdout()) : Optional.empty(), port, ufw, note);
    }

    static ToolReport evaluate(String v4Rules, Optional<String> v6Rules, int port, ToolReport ufw, String note) {
        Chains c4 = Chains.parse(v4Rules);
        Optional<Chains> c6 = v6Rules.map(Chains::parse);
        List<String> evidence = new ArrayList<>();
        List<String> notes = new ArrayList<>(List.of(note));
        Verdict r4 = new Eval(c4, port, Family.IPV4, ufw, evidence).input();
        Verdict r6 = c6.map(c -> new Eval(c, port, Family.IPV6, ufw, evidence).input())
                .orElse(new Verdict.Unknown("ip6tables -S could not be read"));
        boolean active = c4.filters() || c6.map(Chains::filters).orElse(false);
        if (!active) {
            return new ToolReport(Tool.IPTABLES, false, Verdict.OPEN, Verdict.OPEN, List.of(), List.of(),
                    List.of(note, "no iptables rules in INPUT and policy ACCEPT"));
        }
        List<String> fixes = new ArrayList<>();
        boolean ufwDecides = evidence.stream().anyMatch(e -> e.startsWith("-A INPUT -j ufw"));
        if (r4.blocksSomeClients() && !ufwDecides) {
            fixes.add("sudo iptables -I INPUT 1 -s SUBNET -p tcp --dport " + port + " -j ACCEPT");
        }
        if (r6.blocksSomeClients() && !ufwDecides) {
            fixes.add("sudo ip6tables -I INPUT 1 -s <subnet6> -p tcp --dport " + port + " -j ACCEPT");
        }
        if (r4.blocksSomeClients() && r6 instanceof Verdict.Open) {
            notes.add("only IPv4 is filtered: ip6tables lets port " + port + " in over IPv6");
            fixes.add("sudo ip6tables -I INPUT 1 -p tcp --dport " + port + " ! -i lo -j DROP   # if IPv6 should be"
                    + " closed too");
        }
        return new ToolReport(Tool.IPTABLES, true, r4, r6, evidence.stream().distinct().toList(), fixes, notes);
    }

    /** The filter table as {@code iptables -S} prints it. */
    record Chains(Map<String, String> policies, Map<String, List<List<String>>> rules, Map<String, List<String>> text) {
        static Chains parse(String text) {
            Map<String, String> policies = new LinkedHashMap<>();
            Map<String, List<List<String>>> rules = new HashMap<>();
            Map<String, List<String>> lines = new HashMap<>();
            for (String line : text.lines().toList()) {
                List<String> words = tokens(line);
                if (words.size() >= 3 && words.get(0).equals("-P")) {
                    policies.put(words.get(1), words.get(2));
                } else if (words.size() >= 2 && words.get(0).equals("-A")) {
                    rules.computeIfAbsent(words.get(1), k -> new ArrayList<>()).add(words.subList(2, words.size()));
                    lines.computeIfAbsent(words.get(1), k -> new ArrayList<>()).add(line.strip());
                }
            }
            return new Chains(policies, rules, lines);
        }

        boolean filters() {
            return !policies.getOrDefault("INPUT", "ACCEPT").equals("ACCEPT")
                    || !rules.getOrDefault("INPUT", List.of()).isEmpty();
        }

        List<List<String>> chain(String name) {
            return rules.getOrDefault(name, List.of());
        }
    }

    /** Splits a rule line into words; double-quoted words ({@code --comment "x y"}) stay whole. */
    static List<String> tokens(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        for (char ch : line.strip().toCharArray()) {
            if (ch == '"') {
                quoted = !quoted;
                any = true;
            } else if (Character.isWhitespace(ch) && !quoted) {
                if (any) {
                    out.add(cur.toString());
                    cur.setLength(0);
                    any = false;
                }
            } else {
                cur.append(ch);
                any = true;
            }
        }
        if (any) {
            out.add(cur.toString());
        }
        return out;
    }

    /** One parsed {@code -A} rule, reduced to what decides our packet. */
    record Spec(boolean applies, List<String> sources, String target, boolean isGoto) {
        static Spec of(List<String> w, int port, Family family) {
            List<String> sources = new ArrayList<>();
            String target = null;
            boolean isGoto = false;
            boolean applies = true;
            for (int i = 0; i < w.size(); i++) {
                boolean not = w.get(i).equals("!");
                if (not) {
                    i++;
                    if (i >= w.size()) {
                        break;
                    }
                }
                String opt = w.get(i);
                String arg = i + 1 < w.size() ? w.get(i + 1) : "";
                switch (opt) {
                    case "-p", "--protocol" -> {
                        boolean tcp = arg.equalsIgnoreCase("tcp") || arg.equals("6") || arg.equals("all");
                        applies &= tcp != not;
                        i++;
                    }
                    case "--dport", "--destination-port", "--dports", "--destination-ports" -> {
                        applies &= PortList.contains(arg, port) != not;
                        i++;
                    }
                    case "-s", "--source" -> {
                        if (not) {
                            // everyone except these: applies to "other machines" in general
                        } else {
                            sources.addAll(List.of(arg.split(",")));
                        }
                        i++;
                    }
                    case "--match-set" -> {
                        if (i + 2 < w.size() && w.get(i + 2).startsWith("src") && !not) {
                            sources.add("ipset:" + arg);
                        }
                        i += 2;
                    }
                    case "-i", "--in-interface" -> {
                        applies &= !arg.equals("lo") != not;
                        i++;
                    }
                    case "--ctstate", "--state" -> {
                        applies &= List.of(arg.toUpperCase(Locale.ROOT).split(",")).contains("NEW") != not;
                        i++;
                    }
                    case "-j", "--jump" -> {
                        target = arg;
                        i++;
                    }
                    case "-g", "--goto" -> {
                        target = arg;
                        isGoto = true;
                        i++;
                    }
                    default -> {
                        // -m <module>, --comment, --reject-with...: their argument is skipped as an option value
                    }
                }
            }
            return new Spec(applies, sources, target == null ? "" : target, isGoto);
        }
    }

    private static final class Eval {
        private final Chains chains;
        private final int port;
        private final Family family;
        private final ToolReport ufw;
        private final List<String> evidence;
        private final List<String> sources = new ArrayList<>();

        Eval(Chains chains, int port, Family family, ToolReport ufw, List<String> evidence) {
            this.chains = chains;
            this.port = port;
            this.family = family;
            this.ufw = ufw;
            this.evidence = evidence;
        }

        Verdict input() {
            Optional<Verdict> v = chain("INPUT", 0);
            if (v.isPresent()) {
                return v.get();
            }
            String policy = chains.policies().getOrDefault("INPUT", "ACCEPT");
            evidence.add(prefix() + "-P INPUT " + policy);
            return policy.equals("DROP") ? Verdict.allowedFrom(sources, Verdict.DROPPED) : Verdict.OPEN;
        }

        private String prefix() {
            return family == Family.IPV4 ? "" : "ip6tables: ";
        }

        private Optional<Verdict> chain(String name, int depth) {
            if (depth > 16) {
                return Optional.of(new Verdict.Unknown("iptables chains nest deeper than 16"));
            }
            List<List<String>> rules = chains.chain(name);
            List<String> lines = chains.text().getOrDefault(name, List.of());
            for (int n = 0; n < rules.size(); n++) {
                Spec s = Spec.of(rules.get(n), port, family);
                if (!s.applies() || s.target().isEmpty()) {
                    continue;
                }
                String line = prefix() + lines.get(n);
                switch (s.target()) {
                    case "ACCEPT" -> {
                        evidence.add(line);
                        if (s.sources().isEmpty()) {
                            return Optional.of(Verdict.OPEN);
                        }
                        sources.addAll(s.sources());
                    }
                    case "DROP", "REJECT" -> {
                        if (s.sources().isEmpty()) {
                            evidence.add(line);
                            return Optional.of(Verdict.allowedFrom(sources,
                                    s.target().equals("DROP") ? Verdict.DROPPED : Verdict.REJECTED));
                        }
                    }
                    case "RETURN" -> {
                        if (s.sources().isEmpty()) {
                            return Optional.empty();
                        }
                    }
                    default -> {
                        String t = s.target();
                        if ((t.startsWith("ufw-") || t.startsWith("ufw6-")) && ufw.active()) {
                            evidence.add(line);
                            evidence.add(prefix() + "ufw's chains: decided by ufw status");
                            Verdict v = ufw.verdict(family);
                            if (v instanceof Verdict.AllowedFrom a) {
                                List<String> all = new ArrayList<>(sources);
                                all.addAll(a.sources());
                                return Optional.of(new Verdict.AllowedFrom(all, a.others()));
                            }
                            if (v instanceof Verdict.Blocked b) {
                                return Optional.of(Verdict.allowedFrom(sources, b));
                            }
                            return Optional.of(v);
                        }
                        if (!chains.rules().containsKey(t) && !chains.policies().containsKey(t)) {
                            continue; // LOG and other non-terminating targets
                        }
                        if (!s.sources().isEmpty()) {
                            Eval sub = new Eval(chains, port, family, ufw, evidence);
                            if (sub.chain(t, depth + 1).orElse(null) instanceof Verdict.Open) {
                                evidence.add(line);
                                sources.addAll(s.sources());
                            }
                            continue;
                        }
                        Optional<Verdict> v = chain(t, depth + 1);
                        if (v.isPresent() || s.isGoto()) {
                            return v;
                        }
                    }
                }
            }
            return Optional.empty();
        }
    }
}
