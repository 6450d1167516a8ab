package dev.lifeline.firewall;

import dev.lifeline.os.Shell;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads ufw. {@code ufw status verbose} needs root, but {@code /etc/ufw/ufw.conf} ({@code ENABLED=yes}) is readable by
 * anyone, so without root we still know whether ufw is on. ufw is first-match-wins: an {@code allow} appended after a
 * {@code deny} is dead, which is why the fix {@code prepend}s.
 */
final class Ufw {
    static final String CONF = "/etc/ufw/ufw.conf";

    private Ufw() {
    }

    static ToolReport detect(Shell shell, int port) {
        Shell.Result conf = shell.run("cat", CONF);
        Optional<Boolean> enabled = conf.ok() ? enabledInConf(conf.stdout()) : Optional.empty();
        Shell.Result status = shell.run("ufw", "status", "verbose");
        if (status.notInstalled() && enabled.isEmpty()) {
            return ToolReport.inactive(Tool.UFW, "ufw is not installed");
        }
        if (!status.ok()) {
            if (enabled.isPresent() && !enabled.get()) {
                return ToolReport.inactive(Tool.UFW, "ufw is disabled (ENABLED=no in " + CONF + ")");
            }
            String reason = enabled.isPresent()
                    ? "ufw is enabled (ENABLED=yes in " + CONF + ") but its rules need root: " + status.problem()
                    : status.problem();
            return ToolReport.unreadable(Tool.UFW, enabled.orElse(false), reason,
                    enabled.isPresent() ? List.of(CONF + ": ENABLED=yes") : List.of());
        }
        Status parsed = Status.parse(status.stdout());
        if (!parsed.active()) {
            return ToolReport.inactive(Tool.UFW, "ufw is inactive (Status: inactive)");
        }
        return parsed.report(port);
    }

    static Optional<Boolean> enabledInConf(String text) {
        return text.lines().map(String::strip).filter(l -> l.startsWith("ENABLED="))
                .map(l -> l.substring(8).replace("\"", "").replace("'", "").strip().equalsIgnoreCase("yes"))
                .reduce((a, b) -> b);
    }

    /** One line of the rule table: {@code 11434/tcp  ALLOW IN  10.0.0.0/24  # lifeline}. */
    record Rule(String to, String action, String from, String line) {
        boolean v6() {
            // "11000:12000/tcp" has a colon too: only an address that parses is IPv6
            return to.contains("(v6)") || from.contains("(v6)") || ipv6Address(firstWord(from))
                    || ipv6Address(firstWord(to));
        }

        private static boolean ipv6Address(String word) {
            return Family.of(word) == Family.IPV6 && Cidr.literal(word).isPresent();
        }

        boolean inbound() {
            String a = action.toUpperCase(Locale.ROOT);
            return !a.endsWith(" OUT") && !a.endsWith(" FWD");
        }

        boolean anySource() {
            return from.startsWith("Anywhere");
        }

        String source() {
            return firstWord(from);
        }

        private static String firstWord(String s) {
            String t = s.strip();
            int sp = t.indexOf(' ');
            return sp < 0 ? t : t.substring(0, sp);
        }
    }

    private static final Pattern PORT_TOKEN = Pattern.compile("([0-9][0-9,:]*)(?:/(tcp|udp))?");

    /**
     * Whether a rule's "To" column covers TCP {@code port}: {@code Anywhere} covers every port; {@code 11434},
     * {@code 11434/tcp}, {@code 11000:12000/tcp} and {@code 80,11434/tcp} do when they list it; application profiles
     * ({@code OpenSSH}) are not resolved and never match.
     */
    static boolean coversPort(String to, int port) {
        String[] words = to.replace("(v6)", "").strip().split("\\s+");
        boolean anywhere = false;
        for (int i = 0; i < words.length; i++) {
            String w = words[i];
            if (w.equals("on") && i + 1 < words.length) {
                i++;
                continue;
            }
            if (w.equals("Anywhere")) {
                anywhere = true;
                continue;
            }
            Matcher m = PORT_TOKEN.matcher(w);
            if (m.matches()) {
                if ("udp".equals(m.group(2))) {
                    return false;
                }
                return PortList.contains(m.group(1), port);
            }
        }
        // "Anywhere" or a bare destination address without a port: every port
        return anywhere || (words.length > 0 && Cidr.literal(words[0]).isPresent());
    }

    /** The parsed output of {@code ufw status verbose}. */
    record Status(boolean active, String defaultIncoming, String defaultLine, List<Rule> rules) {
        static Status parse(String text) {
            boolean active = false;
            String incoming = "deny";
            String defaultLine = "";
            List<Rule> rules = new ArrayList<>();
            boolean table = false;
            for (String raw : text.lines().toList()) {
                String line = raw.strip();
                if (line.startsWith("Status:")) {
                    active = line.substring(7).strip().equals("active");
                } else if (line.startsWith("Default:")) {
                    defaultLine = line;
                    Matcher m = Pattern.compile("(\\w+) \\(incoming\\)").matcher(line);
                    if (m.find()) {
                        incoming = m.group(1);
                    }
                } else if (line.startsWith("--")) {
                    table = true;
                } else if (table && !line.isEmpty()) {
                    String body = line.replaceFirst("^\\[\\s*\\d+\\]\\s*", "");
                    int hash = body.indexOf(" # ");
                    if (hash >= 0) {
                        body = body.substring(0, hash);
                    }
                    String[] cols = body.strip().split("\\s{2,}");
                    if (cols.length >= 3) {
                        rules.add(new Rule(cols[0], cols[1], cols[2], line));
                    }
                }
            }
            return new Status(active, incoming, defaultLine, rules);
        }

        ToolReport report(int port) {
            List<String> evidence = new ArrayList<>();
            Verdict v4 = evaluate(port, false, evidence);
            Verdict v6 = evaluate(port, true, evidence);
            evidence.add(defaultLine);
            List<String> fixes = new ArrayList<>();
            if (v4.blocksSomeClients() || v6.blocksSomeClients()) {
                fixes.add("sudo ufw prepend allow from SUBNET to any port " + port + " proto tcp comment 'lifeline'");
            }
            return new ToolReport(Tool.UFW, true, v4, v6, evidence.stream().distinct().toList(), fixes, List.of());
        }

        private Verdict evaluate(int port, boolean v6, List<String> evidence) {
            List<String> sources = new ArrayList<>();
            for (Rule r : rules) {
                if (!r.inbound() || r.v6() != v6 || !coversPort(r.to(), port)) {
                    continue;
                }
                String action = r.action().toUpperCase(Locale.ROOT);
                boolean accept = action.startsWith("ALLOW") || action.startsWith("LIMIT");
                if (!r.anySource()) {
                    if (accept) {
                        sources.add(r.source());
                        evidence.add(r.line());
                    }
                    continue; // a deny for one source leaves everyone else to the next rule
                }
                evidence.add(r.line());
                if (accept) {
                    return Verdict.OPEN;
                }
                return Verdict.allowedFrom(sources, action.startsWith("REJECT") ? Verdict.REJECTED : Verdict.DROPPED);
            }
            return switch (defaultIncoming) {
                case "allow" -> Verdict.OPEN;
                case "reject" -> Verdict.allowedFrom(sources, Verdict.REJECTED);
                default -> Verdict.allowedFrom(sources, Verdict.DROPPED);
            };
        }
    }
}
