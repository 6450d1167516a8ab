package dev.lifeline.firewall;

import dev.lifeline.os.Shell;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the nftables ruleset ({@code nft -j list ruleset}) and decides what the {@code input} hook does to a new TCP
 * connection from another machine to one port.
 *
 * <p>The evaluation is deliberately simple and says so: in each input base chain, the first rule that matches decides
 * (jumps are followed), else the chain policy. A rule limited to source addresses that accepts adds those sources to
 * an allow-list and evaluation goes on. nft tables are independent: an accept in one table does not override a drop
 * in another, so the chains' verdicts are combined with {@link Verdict#both} (any drop is final).
 *
 * <p>Tables written by a front-end are left to that front-end, which knows its own rules better than a generic
 * reading of its chains: {@code inet firewalld} to firewalld, and iptables-nft tables ({@code ip filter} with
 * {@code INPUT}, where ufw and Docker live) to the iptables reader.
 */
final class Nftables {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_DEPTH = 16;

    private Nftables() {
    }

    static ToolReport detect(Shell shell, int port) {
        Shell.Result json = shell.run("nft", "-j", "list", "ruleset");
        if (json.notInstalled()) {
            return ToolReport.inactive(Tool.NFTABLES, "nft is not installed");
        }
        if (!json.ok()) {
            String reason = json.needsRoot() ? "nft: Operation not permitted — run with sudo" : json.problem();
            return ToolReport.unreadable(Tool.NFTABLES, false, reason, List.of());
        }
        Shell.Result text = shell.run("nft", "-a", "list", "ruleset");
        return evaluate(json.stdout(), text.ok() ? text.stdout() : "", port);
    }

    /** Evaluates a ruleset given as {@code nft -j list ruleset} (and {@code nft -a list ruleset} for rule text). */
    static ToolReport evaluate(String json, String textWithHandles, int port) {
        Ruleset rs;
        try {
            rs = Ruleset.parse(JSON.readTree(json), textWithHandles);
        } catch (IOException | RuntimeException e) {
            return ToolReport.unreadable(Tool.NFTABLES, true, "cannot parse nft -j output: " + e.getMessage(),
                    List.of());
        }
        List<String> notes = new ArrayList<>();
        rs.tables.forEach((key, owner) -> {
            if (owner != Owner.NFT) {
                notes.add("table " + key + ": " + owner.describe);
            }
        });
        List<Chain> bases = rs.chains.values().stream()
                .filter(c -> "input".equals(c.hook) && "filter".equals(c.type) && rs.owner(c) == Owner.NFT
                        || "input".equals(c.hook) && "filter".equals(c.type) && rs.owner(c) == Owner.LIFELINE)
                .sorted(Comparator.comparingInt(c -> c.prio)).toList();
        boolean active = !bases.isEmpty() || rs.tables.values().stream().anyMatch(o -> o != Owner.NFT);
        if (rs.tables.isEmpty()) {
            return new ToolReport(Tool.NFTABLES, false, Verdict.OPEN, Verdict.OPEN, List.of(), List.of(),
                    List.of("the nftables ruleset is empty"));
        }
        List<String> evidence = new ArrayList<>();
        List<String> fixes = new ArrayList<>();
        Verdict[] result = new Verdict[2];
        for (Family f : Family.values()) {
            Verdict v = Verdict.OPEN;
            for (Chain base : bases) {
                if (!base.appliesTo(f)) {
                    continue;
                }
                Eval e = new Eval(rs, port, f, evidence);
                Verdict cv = e.base(base);
                if (cv.blocksSomeClients()) {
                    String fix = "sudo nft insert rule " + base.family + " " + base.table + " " + base.name + " "
                            + (f == Family.IPV4 ? "ip" : "ip6") + " saddr SUBNET tcp dport " + port + " accept";
                    if (!fixes.contains(fix)) {
                        fixes.add(fix);
                    }
                }
                v = Verdict.both(v, cv);
            }
            result[f.ordinal()] = v;
        }
        return new ToolReport(Tool.NFTABLES, active, result[0], result[1], evidence.stream().distinct().toList(),
                fixes, notes);
    }

    /** Who wrote a table, judged by its name and chains. */
    enum Owner {
        NFT("plain nftables"),
        LIFELINE("written by lifeline"),
        FIREWALLD("managed by firewalld (evaluated from firewall-cmd)"),
        IPTABLES("managed by iptables-nft (evaluated from iptables -S)"),
        UFW("managed by ufw through iptables-nft (evaluated from ufw status)"),
        DOCKER("managed by Docker");

        final String describe;

        Owner(String describe) {
            this.describe = describe;
        }
    }

    static final class Chain {
        final String family;
        final String table;
        final String name;
        final String hook;
        final String type;
        final int prio;
        final String policy;
        final List<Rule> rules = new ArrayList<>();

        Chain(JsonNode c) {
            family = c.path("family").asText();
            table = c.path("table").asText();
            name = c.path("name").asText();
            hook = c.path("hook").asText("");
            type = c.path("type").asText("");
            prio = c.path("prio").asInt(0);
            policy = c.path("policy").asText("accept");
        }

        boolean appliesTo(Family f) {
            return family.equals("inet") || family.equals(f == Family.IPV4 ? "ip" : "ip6");
        }

        String key() {
            return family + " " + table + " " + name;
        }
    }

    record Rule(List<JsonNode> expr, String text) {
    }

    static final class Ruleset {
        final Map<String, Owner> tables = new LinkedHashMap<>();
        final Map<String, Chain> chains = new LinkedHashMap<>();
        final Map<String, List<JsonNode>> sets = new HashMap<>();

        static Ruleset parse(JsonNode root, String text) {
            Ruleset rs = new Ruleset();
            Map<String, String> ruleText = ruleText(text);
            for (JsonNode item : root.path("nftables")) {
                if (item.has("table")) {
                    JsonNode t = item.get("table");
                    rs.tables.put(t.path("family").asText() + " " + t.path("name").asText(), Owner.NFT);
                } else if (item.has("chain")) {
                    Chain c = new Chain(item.get("chain"));
                    rs.chains.put(c.key(), c);
                } else if (item.has("set")) {
                    JsonNode s = item.get("set");
                    List<JsonNode> elems = new ArrayList<>();
                    s.path("elem").forEach(elems::add);
                    rs.sets.put(s.path("family").asText() + " " + s.path("table").asText() + " "
                            + s.path("name").asText(), elems);
                } else if (item.has("rule")) {
                    JsonNode r = item.get("rule");
                    String chainKey = r.path("family").asText() + " " + r.path("table").asText() + " "
                            + r.path("chain").asText();
                    List<JsonNode> expr = new ArrayList<>();
                    r.path("expr").forEach(expr::add);
                    String txt = ruleText.getOrDefault(chainKey + " " + r.path("handle").asText(), "");
                    Chain c = rs.chains.get(chainKey);
                    if (c != null) {
                        c.rules.add(new Rule(expr, txt.isEmpty() ? chainKey + " rule " + r.path("handle") : txt));
                    }
                }
            }
            rs.tables.replaceAll((table, owner) -> rs.classify(table, root));
            return rs;
        }

        private Owner classify(String table, JsonNode root) {
            String[] fn = table.split(" ", 2);
            if (fn[1].startsWith("lifeline_")) {
                return Owner.LIFELINE;
            }
            if (fn[1].equals("firewalld")) {
                return Owner.FIREWALLD;
            }
            boolean ufw = false;
            boolean docker = false;
            boolean upper = false;
            for (Chain c : chains.values()) {
                if ((c.family + " " + c.table).equals(table)) {
                    ufw |= c.name.startsWith("ufw-") || c.name.startsWith("ufw6-");
                    docker |= c.name.startsWith("DOCKER");
                    upper |= c.name.equals("INPUT") || c.name.equals("FORWARD") || c.name.equals("OUTPUT")
                            || c.name.equals("PREROUTING") || c.name.equals("POSTROUTING");
                }
            }
            boolean xt = root.toString().contains("\"xt\"");
            if (ufw) {
                return Owner.UFW;
            }
            if (upper && (fn[0].equals("ip") || fn[0].equals("ip6")) && (xt || List.of("filter", "nat", "mangle",
                    "raw", "security").contains(fn[1]))) {
                return docker ? Owner.DOCKER : Owner.IPTABLES;
            }
            return docker ? Owner.DOCKER : Owner.NFT;
        }

        Owner owner(Chain c) {
            return tables.getOrDefault(c.family + " " + c.table, Owner.NFT);
        }

        /** Maps "family table chain handle" to the rule's line in {@code nft -a list ruleset}. */
        private static Map<String, String> ruleText(String text) {
            Map<String, String> map = new HashMap<>();
            Pattern table = Pattern.compile("^table (\\S+) (\\S+) \\{");
            Pattern chain = Pattern.compile("^\\s*chain (\\S+) \\{");
            Pattern handle = Pattern.compile("^(.*?)\\s*# handle (\\d+)\\s*$");
            String t = "";
            String c = "";
            for (String line : text.lines().toList()) {
                Matcher m = table.matcher(line);
                if (m.find()) {
                    t = m.group(1) + " " + m.group(2);
                    continue;
                }
                m = chain.matcher(line);
                if (m.find()) {
                    c = m.group(1);
                    continue;
                }
                m = handle.matcher(line);
                if (m.find() && !c.isEmpty() && !m.group(1).strip().startsWith("type ")) {
                    map.put(t + " " + c + " " + m.group(2), t + " " + c + ": " + m.group(1).strip());
                }
            }
            return map;
        }
    }

    /** One walk through a base chain for one family. */
    private static final class Eval {
        private final Ruleset rs;
        private final int port;
        private final Family family;
        private final List<String> evidence;
        private final List<String> sources = new ArrayList<>();

        Eval(Ruleset rs, int port, Family family, List<String> evidence) {
            this.rs = rs;
            this.port = port;
            this.family = family;
            this.evidence = evidence;
        }

        Verdict base(Chain base) {
            Optional<Verdict> v = chain(base, 0);
            if (v.isPresent()) {
                return v.get();
            }
            evidence.add(base.key() + ": policy " + base.policy);
            return base.policy.equals("drop") ? Verdict.allowedFrom(sources, Verdict.DROPPED) : Verdict.OPEN;
        }

        /** Empty when the packet leaves the chain without a verdict (end of chain, or {@code return}). */
        private Optional<Verdict> chain(Chain c, int depth) {
            if (depth > MAX_DEPTH) {
                return Optional.of(new Verdict.Unknown("nft chains nest deeper than " + MAX_DEPTH));
            }
            for (Rule r : c.rules) {
                Match m = match(c, r);
                if (!m.applies) {
                    continue;
                }
                String verdict = m.verdict;
                if (verdict == null) {
                    continue; // a rule that only counts or logs
                }
                switch (verdict) {
                    case "accept" -> {
                        evidence.add(r.text());
                        if (m.sources.isEmpty()) {
                            return Optional.of(Verdict.OPEN);
                        }
                        sources.addAll(m.sources);
                    }
                    case "drop", "reject" -> {
                        if (m.sources.isEmpty()) {
                            evidence.add(r.text());
                            return Optional.of(Verdict.allowedFrom(sources,
                                    verdict.equals("drop") ? Verdict.DROPPED : Verdict.REJECTED));
                        }
                    }
                    case "return" -> {
                        if (m.sources.isEmpty()) {
                            return Optional.empty();
                        }
                    }
                    default -> { // jump:<chain> or goto:<chain>
                        Chain target = rs.chains.get(c.family + " " + c.table + " " + verdict.substring(5));
                        if (target == null) {
                            continue;
                        }
                        if (!m.sources.isEmpty()) {
                            // a jump for some sources only: those sources get in if the target chain accepts
                            Eval sub = new Eval(rs, port, family, evidence);
                            if (sub.chain(target, depth + 1).orElse(null) instanceof Verdict.Open) {
                                evidence.add(r.text());
                                sources.addAll(m.sources);
                            }
                            continue;
                        }
                        Optional<Verdict> v = chain(target, depth + 1);
                        if (v.isPresent() || verdict.startsWith("goto:")) {
                            return v;
                        }
                    }
                }
            }
            return Optional.empty();
        }

        /** Whether a rule can match our packet, its verdict, and the sources it is limited to (empty: any). */
        private record Match(boolean applies, String verdict, List<String> sources) {
        }

        private Match match(Chain c, Rule r) {
            List<String> ruleSources = new ArrayList<>();
            String verdict = null;
            for (JsonNode e : r.expr()) {
                if (e.has("match")) {
                    JsonNode m = e.get("match");
                    Boolean ok = condition(c, m, ruleSources);
                    if (ok != null && !ok) {
                        return new Match(false, null, List.of());
                    }
                } else if (e.has("accept")) {
                    verdict = "accept";
                } else if (e.has("drop")) {
                    verdict = "drop";
                } else if (e.has("reject")) {
                    verdict = "reject";
                } else if (e.has("return")) {
                    verdict = "return";
                } else if (e.has("jump")) {
                    verdict = "jump:" + e.get("jump").path("target").asText();
                } else if (e.has("goto")) {
                    verdict = "goto:" + e.get("goto").path("target").asText();
                } else if (e.has("vmap")) {
                    verdict = vmap(e.get("vmap"));
                    if (verdict == null) {
                        return new Match(false, null, List.of());
                    }
                }
            }
            return new Match(true, verdict, ruleSources);
        }

        /** {@code ct state vmap { established : accept, invalid : drop }}: only a "new" entry concerns us. */
        private String vmap(JsonNode vmap) {
            JsonNode key = vmap.path("key");
            if (!key.path("ct").path("key").asText().equals("state")) {
                return null;
            }
            for (JsonNode pair : vmap.path("data").path("set")) {
                if (values(pair.get(0)).contains("new")) {
                    JsonNode v = pair.get(1);
                    return v.fieldNames().hasNext() ? v.fieldNames().next() : null;
                }
            }
            return null;
        }

        /**
         * True when the condition holds for our packet, false when it cannot, null when it is not understood (and is
         * then assumed to hold: an unknown condition must not hide a drop). Source conditions fill {@code sources}.
         */
        private Boolean condition(Chain c, JsonNode m, List<String> ruleSources) {
            String op = m.path("op").asText("==");
            boolean negate = op.equals("!=");
            JsonNode left = m.path("left");
            JsonNode right = m.path("right");
            if (left.has("payload")) {
                String proto = left.get("payload").path("protocol").asText();
                String field = left.get("payload").path("field").asText();
                if (proto.equals("ip") || proto.equals("ip6")) {
                    if (!proto.equals(family == Family.IPV4 ? "ip" : "ip6")) {
                        return false;
                    }
                    if (field.equals("saddr")) {
                        List<String> addrs = addresses(c, right);
                        if (negate) {
                            return addrs.stream().noneMatch(a -> a.equals("0.0.0.0/0") || a.equals("::/0"));
                        }
                        ruleSources.addAll(addrs);
                        return true;
                    }
                    if (field.equals("protocol") || field.equals("nexthdr")) {
                        return values(c, right).contains("tcp") != negate;
                    }
                    return null;
                }
                if (proto.equals("tcp")) {
                    if (field.equals("dport")) {
                        return portMatches(c, right) != negate;
                    }
                    return null;
                }
                if (proto.equals("th") && field.equals("dport")) {
                    return portMatches(c, right) != negate;
                }
                return false; // udp, sctp, icmp...: not a TCP packet
            }
            if (left.has("meta")) {
                String key = left.get("meta").path("key").asText();
                switch (key) {
                    case "l4proto", "protocol" -> {
                        if (key.equals("protocol")) {
                            return null;
                        }
                        return values(c, right).contains("tcp") != negate;
                    }
                    case "nfproto" -> {
                        return values(c, right).contains(family == Family.IPV4 ? "ipv4" : "ipv6") != negate;
                    }
                    case "iifname", "iif" -> {
                        // other machines never arrive on loopback
                        return !values(c, right).contains("lo") != negate;
                    }
                    default -> {
                        return null;
                    }
                }
            }
            if (left.has("ct") && left.get("ct").path("key").asText().equals("state")) {
                return values(c, right).contains("new") != negate;
            }
            return null;
        }

        private boolean portMatches(Chain c, JsonNode right) {
            if (right.isTextual() && right.asText().startsWith("@")) {
                return rs.sets.getOrDefault(c.family + " " + c.table + " " + right.asText().substring(1), List.of())
                        .stream().anyMatch(this::portIn);
            }
            return portIn(right);
        }

        private boolean portIn(JsonNode n) {
            if (n.isInt()) {
                return n.asInt() == port;
            }
            if (n.isTextual()) {
                return PortList.contains(n.asText(), port);
            }
            if (n.has("range")) {
                return port >= n.get("range").get(0).asInt() && port <= n.get("range").get(1).asInt();
            }
            if (n.has("set")) {
                for (JsonNode e : n.get("set")) {
                    if (portIn(e)) {
                        return true;
                    }
                }
            }
            if (n.has("elem")) {
                return portIn(n.get("elem").path("val"));
            }
            if (n.isArray()) {
                for (JsonNode e : n) {
                    if (portIn(e)) {
                        return true;
                    }
                }
            }
            return false;
        }

        private List<String> addresses(Chain c, JsonNode right) {
            if (right.isTextual() && right.asText().startsWith("@")) {
                List<String> out = new ArrayList<>();
                rs.sets.getOrDefault(c.family + " " + c.table + " " + right.asText().substring(1), List.of())
                        .forEach(e -> out.addAll(address(e)));
                return out;
            }
            return address(right);
        }

        private static List<String> address(JsonNode n) {
            if (n.isTextual()) {
                return List.of(n.asText());
            }
            if (n.has("prefix")) {
                return List.of(n.get("prefix").path("addr").asText() + "/" + n.get("prefix").path("len").asInt());
            }
            if (n.has("range")) {
                return List.of(n.get("range").get(0).asText() + "-" + n.get("range").get(1).asText());
            }
            if (n.has("elem")) {
                return address(n.get("elem").path("val"));
            }
            List<String> out = new ArrayList<>();
            n.path("set").forEach(e -> out.addAll(address(e)));
            return out;
        }

        private List<String> values(Chain c, JsonNode right) {
            if (right.isTextual() && right.asText().startsWith("@")) {
                List<String> out = new ArrayList<>();
                rs.sets.getOrDefault(c.family + " " + c.table + " " + right.asText().substring(1), List.of())
                        .forEach(e -> out.addAll(values(e)));
                return out;
            }
            return values(right);
        }

        private static List<String> values(JsonNode n) {
            if (n == null) {
                return List.of();
            }
            if (n.isValueNode()) {
                return List.of(n.asText().toLowerCase(Locale.ROOT));
            }
            List<String> out = new ArrayList<>();
            if (n.has("set")) {
                n.get("set").forEach(e -> out.addAll(values(e)));
            } else if (n.isArray()) {
                n.forEach(e -> out.addAll(values(e)));
            }
            return out;
        }
    }
}
