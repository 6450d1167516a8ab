package dev.lifeline.firewall;

import dev.lifeline.os.Shell;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads firewalld through {@code firewall-cmd} (it has no JSON output). {@code --state} exits 0 when running, 252 when
 * not running and 36 when there is no D-Bus to ask. A packet is handled by the zone of its source address if one
 * claims it, else by the zone of its interface (or the default zone); inside a zone, priority-0 deny rich rules come
 * before allow rich rules, ports and services, and the zone target decides the rest ({@code default} rejects).
 */
final class Firewalld {
    static final int NOT_RUNNING = 252;
    static final int NO_DBUS = 36;

    private Firewalld() {
    }

    static ToolReport detect(Shell shell, int port) {
        Shell.Result state = shell.run("firewall-cmd", "--state");
        if (state.notInstalled()) {
            return ToolReport.inactive(Tool.FIREWALLD, "firewalld is not installed");
        }
        if (state.exitCode() == NOT_RUNNING) {
            return ToolReport.inactive(Tool.FIREWALLD, "firewalld is not running (firewall-cmd --state: not running)");
        }
        if (state.exitCode() == NO_DBUS) {
            return ToolReport.inactive(Tool.FIREWALLD, "firewalld is not running (no D-Bus system bus to reach it)");
        }
        if (!state.ok()) {
            return ToolReport.unreadable(Tool.FIREWALLD, false, state.problem(), List.of());
        }
        Shell.Result all = shell.run("firewall-cmd", "--list-all-zones");
        if (!all.ok()) {
            return ToolReport.unreadable(Tool.FIREWALLD, true, all.problem(), List.of("firewall-cmd --state: running"));
        }
        Shell.Result defaultZone = shell.run("firewall-cmd", "--get-default-zone");
        Map<String, Zone> zones = Zone.parseAll(all.stdout());
        if (defaultZone.ok()) {
            // --list-all-zones marks the default zone in its header only in some versions: ask
            zones.replaceAll((name, z) -> name.equals(defaultZone.stdout().strip()) ? z.asDefault() : z);
        }
        Map<String, List<String>> servicePorts = new HashMap<>();
        for (Zone z : zones.values()) {
            if (!z.isDefault() && z.interfaces().isEmpty() && z.sources().isEmpty()) {
                continue;
            }
            for (String s : z.services()) {
                servicePorts.computeIfAbsent(s, name -> {
                    Shell.Result info = shell.run("firewall-cmd", "--info-service=" + name);
                    return info.ok() ? listValue(info.stdout(), "ports") : List.of();
                });
            }
        }
        return report(zones, servicePorts, port);
    }

    static ToolReport report(Map<String, Zone> zones, Map<String, List<String>> servicePorts, int port) {
        List<String> evidence = new ArrayList<>();
        Verdict v4 = evaluate(zones, servicePorts, port, Family.IPV4, evidence);
        Verdict v6 = evaluate(zones, servicePorts, port, Family.IPV6, evidence);
        List<String> fixes = new ArrayList<>();
        if (v4.blocksSomeClients() || v6.blocksSomeClients()) {
            String zone = zones.values().stream().filter(Zone::isDefault).map(Zone::name).findFirst().orElse("public");
            fixes.add("sudo firewall-cmd --permanent --zone=" + zone + " --add-rich-rule='rule family=\"ipv4\" source"
                    + " address=\"SUBNET\" port port=\"" + port + "\" protocol=\"tcp\" accept'"
                    + " && sudo firewall-cmd --reload");
        }
        return new ToolReport(Tool.FIREWALLD, true, v4, v6, evidence.stream().distinct().toList(), fixes, List.of());
    }

    private static Verdict evaluate(Map<String, Zone> zones, Map<String, List<String>> servicePorts, int port,
            Family family, List<String> evidence) {
        Verdict byInterface = null;
        for (Zone z : zones.values()) {
            if (z.isDefault() || !z.interfaces().isEmpty()) {
                Verdict v = z.evaluate(servicePorts, port, family, evidence);
                byInterface = byInterface == null ? v : Verdict.eitherOf(byInterface, v);
            }
        }
        if (byInterface == null) {
            byInterface = Verdict.REJECTED;
        }
        // zones bound to source addresses: those sources get that zone's treatment instead
        List<String> extra = new ArrayList<>();
        for (Zone z : zones.values()) {
            List<String> mine = z.sources().stream().filter(s -> Family.of(s) == family).toList();
            if (!mine.isEmpty() && z.evaluate(servicePorts, port, family, evidence) instanceof Verdict.Open) {
                evidence.add(z.name() + " sources: " + String.join(" ", mine));
                extra.addAll(mine);
            }
        }
        if (extra.isEmpty() || byInterface instanceof Verdict.Open || byInterface instanceof Verdict.Unknown) {
            return byInterface;
        }
        if (byInterface instanceof Verdict.AllowedFrom a) {
            List<String> sources = new ArrayList<>(a.sources());
            sources.addAll(extra);
            return new Verdict.AllowedFrom(sources, a.others());
        }
        return new Verdict.AllowedFrom(extra, (Verdict.Blocked) byInterface);
    }

    static List<String> listValue(String text, String key) {
        for (String line : text.lines().toList()) {
            String l = line.strip();
            if (l.startsWith(key + ":")) {
                String v = l.substring(key.length() + 1).strip();
                return v.isEmpty() ? List.of() : List.of(v.split("\\s+"));
            }
        }
        return List.of();
    }

    /** A rich rule, reduced to what decides a TCP port. */
    record RichRule(String text, Optional<String> family, Optional<String> source, boolean inverted,
            Optional<String> portSpec, Optional<String> protocol, Optional<String> service, String action,
            int priority, boolean other) {
        private static final Pattern ATTR = Pattern.compile("(\\w[\\w-]*)=\"([^\"]*)\"");

        static RichRule parse(String text) {
            String t = text.strip();
            Optional<String> family = attr(t, "rule", "family");
            int priority = attr(t, "rule", "priority").map(Integer::parseInt).orElse(0);
            Optional<String> source = attr(t, "source", "address");
            boolean inverted = attr(t, "source", "invert").map(v -> v.equalsIgnoreCase("true") || v.equals("yes"))
                    .orElse(false);
            Optional<String> port = attr(t, "port", "port");
            Optional<String> protocol = attr(t, "port", "protocol");
            Optional<String> service = attr(t, "service", "name");
            String action = t.matches(".*\\baccept\\b.*") ? "accept"
                    : t.matches(".*\\breject\\b.*") ? "reject"
                    : t.matches(".*\\bdrop\\b.*") ? "drop" : "none";
            boolean other = t.contains("forward-port") || t.contains("masquerade") || t.contains("icmp-block")
                    || t.contains("icmp-type") || t.contains("source-port") || t.contains(" protocol value=");
            return new RichRule(t, family, source, inverted, port, protocol, service, action, priority, other);
        }

        /** The value of {@code key="..."} in the element that starts with {@code element}. */
        private static Optional<String> attr(String text, String element, String key) {
            int at = element.equals("rule") ? 0 : indexOfWord(text, element);
            if (at < 0) {
                return Optional.empty();
            }
            Matcher m = ATTR.matcher(text);
            m.region(at + element.length(), text.length());
            while (m.find()) {
                if (m.group(1).equals(key)) {
                    return Optional.of(m.group(2));
                }
                // stop at the next element: attributes of later elements do not belong to this one
                String between = text.substring(at + element.length(), m.start()).replaceAll(ATTR.pattern(), "");
                if (!between.isBlank()) {
                    return Optional.empty();
                }
            }
            return Optional.empty();
        }

        private static int indexOfWord(String text, String word) {
            Matcher m = Pattern.compile("(?<=\\s|^)" + word + "(?=\\s)").matcher(text);
            return m.find() ? m.start() : -1;
        }

        boolean appliesTo(Family f) {
            if (family.isPresent()) {
                return family.get().equals(f == Family.IPV4 ? "ipv4" : "ipv6");
            }
            return source.map(s -> Family.of(s) == f).orElse(true);
        }

        boolean coversPort(Map<String, List<String>> servicePorts, int port) {
            if (portSpec.isPresent()) {
                return !"udp".equals(protocol.orElse("tcp")) && PortList.contains(portSpec.get(), port);
            }
            if (service.isPresent()) {
                return servicePorts.getOrDefault(service.get(), List.of()).stream()
                        .anyMatch(p -> p.endsWith("/tcp") && PortList.contains(p.substring(0, p.length() - 4), port));
            }
            return !other;
        }
    }

    /** One zone of {@code firewall-cmd --list-all-zones}. */
    record Zone(String name, boolean isDefault, boolean active, String target, List<String> interfaces,
            List<String> sources, List<String> services, List<String> ports, List<RichRule> richRules) {
        Zone asDefault() {
            return new Zone(name, true, active, target, interfaces, sources, services, ports, richRules);
        }

        static Map<String, Zone> parseAll(String text) {
            Map<String, Zone> zones = new LinkedHashMap<>();
            List<String> block = new ArrayList<>();
            for (String line : text.lines().toList()) {
                if (!line.isBlank() && !Character.isWhitespace(line.charAt(0)) && !block.isEmpty()) {
                    Zone z = parse(String.join("\n", block));
                    zones.put(z.name(), z);
                    block.clear();
                }
                if (!line.isBlank()) {
                    block.add(line);
                }
            }
            if (!block.isEmpty()) {
                Zone z = parse(String.join("\n", block));
                zones.put(z.name(), z);
            }
            return zones;
        }

        static Zone parse(String text) {
            List<String> lines = text.lines().toList();
            String header = lines.getFirst().strip();
            String name = header.split("\\s+")[0];
            boolean isDefault = header.contains("default");
            boolean active = header.contains("active");
            String target = listValue(text, "target").stream().findFirst().orElse("default");
            List<RichRule> rich = new ArrayList<>();
            boolean inRich = false;
            for (String line : lines) {
                if (line.strip().startsWith("rich rules:")) {
                    inRich = true;
                    String rest = line.strip().substring("rich rules:".length()).strip();
                    if (!rest.isEmpty()) {
                        rich.add(RichRule.parse(rest));
                    }
                } else if (inRich && line.strip().startsWith("rule")) {
                    rich.add(RichRule.parse(line));
                } else if (inRich && !line.isBlank()) {
                    inRich = false;
                }
            }
            return new Zone(name, isDefault, active, target, listValue(text, "interfaces"), listValue(text, "sources"),
                    listValue(text, "services"), listValue(text, "ports"), rich);
        }

        Verdict evaluate(Map<String, List<String>> servicePorts, int port, Family family, List<String> evidence) {
            List<RichRule> before = new ArrayList<>();
            List<RichRule> deny = new ArrayList<>();
            List<RichRule> allow = new ArrayList<>();
            List<RichRule> after = new ArrayList<>();
            for (RichRule r : richRules) {
                if (r.priority() < 0) {
                    before.add(r);
                } else if (r.priority() > 0) {
                    after.add(r);
                } else if (r.action().equals("accept")) {
                    allow.add(r);
                } else {
                    deny.add(r);
                }
            }
            before.sort(java.util.Comparator.comparingInt(RichRule::priority));
            after.sort(java.util.Comparator.comparingInt(RichRule::priority));
            List<String> sources = new ArrayList<>();
            for (List<RichRule> group : List.of(before, deny, allow)) {
                Optional<Verdict> v = apply(group, servicePorts, port, family, sources, evidence);
                if (v.isPresent()) {
                    return v.get();
                }
            }
            for (String p : ports) {
                if (p.endsWith("/tcp") && PortList.contains(p.substring(0, p.length() - 4), port)) {
                    evidence.add(name + " ports: " + String.join(" ", ports));
                    return Verdict.OPEN;
                }
            }
            for (String s : services) {
                if (servicePorts.getOrDefault(s, List.of()).stream()
                        .anyMatch(p -> p.endsWith("/tcp") && PortList.contains(p.substring(0, p.length() - 4), port))) {
                    evidence.add(name + " services: " + s);
                    return Verdict.OPEN;
                }
            }
            Optional<Verdict> v = apply(after, servicePorts, port, family, sources, evidence);
            if (v.isPresent()) {
                return v.get();
            }
            evidence.add(name + " target: " + target);
            return switch (target) {
                case "ACCEPT" -> Verdict.OPEN;
                case "DROP" -> Verdict.allowedFrom(sources, Verdict.DROPPED);
                default -> Verdict.allowedFrom(sources, Verdict.REJECTED);
            };
        }

        private Optional<Verdict> apply(List<RichRule> rules, Map<String, List<String>> servicePorts, int port,
                Family family, List<String> sources, List<String> evidence) {
            for (RichRule r : rules) {
                if (r.action().equals("none") || !r.appliesTo(family) || !r.coversPort(servicePorts, port)) {
                    continue;
                }
                if (r.source().isPresent() && !r.inverted()) {
                    if (r.action().equals("accept")) {
                        sources.add(r.source().get());
                        evidence.add(name + " rich rule: " + r.text());
                    }
                    continue;
                }
                evidence.add(name + " rich rule: " + r.text());
                return Optional.of(switch (r.action()) {
                    case "accept" -> Verdict.OPEN;
                    case "drop" -> Verdict.allowedFrom(sources, Verdict.DROPPED);
                    default -> Verdict.allowedFrom(sources, Verdict.REJECTED);
                });
            }
            return Optional.empty();
        }
    }
}
