package dev.lifeline.doctor;

import dev.lifeline.doctor.Http.Answer;
import dev.lifeline.doctor.listen.Listener;
import dev.lifeline.doctor.listen.ListenerScan;
import dev.lifeline.doctor.listen.Listeners;
import dev.lifeline.doctor.listen.OwnerProcess;
import dev.lifeline.firewall.FirewallDetector;
import dev.lifeline.firewall.FirewallReport;
import dev.lifeline.firewall.ToolReport;
import dev.lifeline.firewall.Verdict;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * What only this machine can tell about a port: who listens on it and on which addresses, whether the server's process
 * runs at all, what the firewall does to it, and whether the server is exposed or run carelessly. Each look is made
 * once per port and shared by the targets on it.
 */
final class Local {
    private final Listeners listeners;
    private final FirewallDetector firewalls;
    private final Environment environment;
    private final Hardening hardening;
    private final Http http;
    private final Map<Integer, ListenerScan> scans = new ConcurrentHashMap<>();
    private final Map<Integer, FirewallReport> walls = new ConcurrentHashMap<>();

    Local(Listeners listeners, FirewallDetector firewalls, Environment environment, Http http) {
        this.listeners = listeners;
        this.firewalls = firewalls;
        this.environment = environment;
        this.hardening = new Hardening(environment.root());
        this.http = http;
    }

    boolean inContainer() {
        return environment.inContainer();
    }

    List<OwnerProcess> runningAnyOf(Set<String> names) {
        return listeners.running(names).anyOf(names);
    }

    ListenerScan scan(int port) {
        return scans.computeIfAbsent(port, p -> listeners.listening(Set.of(p)));
    }

    FirewallReport firewallReport(int port) {
        return walls.computeIfAbsent(port, firewalls::examine);
    }

    /**
     * Who listens on the target's port. With {@code refused} (the connects that failed), also why: nothing listens, or
     * it listens on other addresses than the ones the client tried, or the process is not running at all.
     */
    List<Finding> listeners(Target t, Optional<List<Connect>> refused) {
        ListenerScan scan = scan(t.port());
        List<Listener> on = scan.on(t.port());
        String label = t.label();
        List<String> evidence = new ArrayList<>(on.stream().map(Local::line).toList());
        evidence.addAll(scan.notes());
        if (on.isEmpty()) {
            if (refused.isEmpty()) {
                return List.of();
            }
            return List.of(notListening(t, scan));
        }
        if (refused.isPresent() && refused.get().stream().noneMatch(c -> on.stream().anyMatch(l -> l.accepts(c.address())))) {
            List<String> tried = refused.get().stream().map(Connect::where).toList();
            String where = on.stream().map(Listener::display).collect(Collectors.joining(", "));
            evidence.addAll(refused.get().stream().map(Connect::line).toList());
            List<String> fix = new ArrayList<>();
            on.stream().filter(l -> !l.allInterfaces()).findFirst()
                    .ifPresent(l -> fix.add("point clients at " + t.withAddress(l.address())));
            fix.add("or make the server listen where clients call it (for Ollama: OLLAMA_HOST in its service environment,"
                    + " sudo systemctl edit ollama); beyond loopback, guard it with lifeline firewall plan");
            return List.of(new Finding(label, "port.other-address", Severity.FAIL, "the port is open on " + where + ", not on "
                    + String.join(" or ", tried), evidence, fix));
        }
        return List.of(new Finding(label, "port.listening", Severity.OK, "listening on "
                + on.stream().map(Local::line).distinct().collect(Collectors.joining(", ")), scan.notes(), List.of()));
    }

    private Finding notListening(Target t, ListenerScan scan) {
        List<String> evidence = new ArrayList<>(scan.notes());
        Set<ServerKind> kinds = t.expected().map(Set::of).orElseGet(() -> Set.copyOf(ServerKind.usualOn(t.port())));
        Set<String> names = kinds.stream().flatMap(k -> k.processNames().stream()).collect(Collectors.toSet());
        List<OwnerProcess> running = names.isEmpty() ? List.of() : listeners.running(names).anyOf(names);
        List<String> fix = new ArrayList<>();
        String what = kinds.size() == 1 ? kinds.iterator().next().display() : "the model server";
        if (running.isEmpty()) {
            evidence.add("no " + what + " process runs (looked for " + String.join(", ", names.stream().sorted().toList()) + ")");
            kinds.stream().map(ServerKind::startCommand).filter(s -> !s.isEmpty()).forEach(s -> fix.add("start it: " + s));
        } else {
            running.forEach(p -> evidence.add(p.describe() + " runs: " + p.commandLine()));
            fix.add(what + " runs but does not listen on port " + t.port() + ": check the port it was started with (see its log)");
            if (kinds.contains(ServerKind.OLLAMA)) {
                fix.add("Ollama reads OLLAMA_HOST: sudo systemctl show ollama -p Environment");
            }
        }
        return new Finding(t.label(), "port.free", Severity.FAIL, "nothing listens on port " + t.port() + " on this machine", evidence, fix);
    }

    /** What the firewall does to the port, when it decides whether other machines get in. */
    List<Finding> firewall(Target t) {
        FirewallReport r = firewallReport(t.port());
        if (r.active().isEmpty()) {
            return List.of();
        }
        List<String> evidence = new ArrayList<>();
        for (ToolReport tool : r.active()) {
            evidence.add(tool.tool().display() + ": " + tool.verdict().describe());
            tool.evidence().forEach(e -> evidence.add("  " + e));
        }
        evidence.addAll(r.notes());
        Verdict v = r.verdict();
        Severity s = v instanceof Verdict.Unknown ? Severity.WARN : Severity.INFO;
        return List.of(new Finding(t.label(), "firewall.port", s, "firewall for port " + t.port() + " from other machines: IPv4 "
                + r.ipv4().describe() + "; IPv6 " + r.ipv6().describe(), evidence, List.of()));
    }

    /** How to let a client through, from the firewall that blocks it; generic advice when none was read. */
    List<String> firewallFix(Target t) {
        if (Hosts.isLocal(t.host())) {
            List<String> f = firewallReport(t.port()).fixes();
            if (!f.isEmpty()) {
                return f;
            }
        }
        String me = Subnets.sourceToward(t.host(), t.port()).orElse("THIS_MACHINE_IP");
        return List.of("on " + t.host() + ": run `lifeline doctor --port " + t.port() + "` to see which firewall drops the connection",
                "then let this machine in there: lifeline firewall apply --port " + t.port() + " --allow " + me);
    }

    /**
     * Is the server reachable from other machines without a key, and is it run with care. A listener on every interface
     * is only a problem when nothing else stands in the way: a firewall allow-list or an API key.
     */
    List<Finding> exposure(Target t, Identity id) {
        List<Finding> out = new ArrayList<>();
        List<Listener> on = scan(t.port()).on(t.port());
        List<Listener> wide = on.stream().filter(l -> !l.loopbackOnly()).toList();
        String label = t.label();
        if (!on.isEmpty() && wide.isEmpty()) {
            out.add(Finding.ok(label, "exposure.loopback", "listens on loopback only: other machines cannot reach it",
                    on.stream().map(Listener::display).toArray(String[]::new)));
        } else if (!wide.isEmpty()) {
            out.add(exposed(t, id, wide));
        }
        on.stream().flatMap(l -> l.process().stream()).findFirst().ifPresent(p ->
                out.addAll(hardening.check(label, id.kind(), p, on.getFirst())));
        return out;
    }

    private Finding exposed(Target t, Identity id, List<Listener> wide) {
        String label = t.label();
        String where = wide.stream().map(Listener::display).collect(Collectors.joining(", "));
        boolean keyless = id.kind() == ServerKind.OLLAMA || !id.locked() && answersWithoutKey(t, wide.getFirst());
        FirewallReport r = firewallReport(t.port());
        List<String> evidence = new ArrayList<>();
        evidence.add("listening on " + where);
        evidence.add(keyless ? "answers its API without a key" : "asks for an API key");
        evidence.add("firewall, IPv4: " + r.ipv4().describe() + "; IPv6: " + r.ipv6().describe());
        for (ToolReport tool : r.active()) {
            tool.evidence().forEach(e -> evidence.add("  " + tool.tool().display() + ": " + e));
        }
        evidence.addAll(r.notes());
        if (!keyless) {
            return new Finding(label, "exposure.keyed", Severity.OK, "reachable from other machines, and asks for a key", evidence, List.of());
        }
        List<String> fix = new ArrayList<>();
        fix.add(bindLoopback(id.kind(), t.port()));
        fix.add("or let in only trusted machines: lifeline firewall apply --port " + t.port() + " --allow "
                + Subnets.local().stream().findFirst().orElse("SUBNET") + " (covers IPv4 and IPv6)");
        String kind = id.kind() == ServerKind.OTHER ? "the server" : id.kind().display();
        return switch (r.verdict()) {
            case Verdict.Open o -> r.ipv4().blocksSomeClients()
                    ? new Finding(label, "exposure.open", Severity.FAIL, "anyone who reaches this machine over IPv6 can use " + kind
                            + ": the firewall covers IPv4 only, and it listens on " + where + " with no key", evidence, fix)
                    : new Finding(label, "exposure.open", Severity.FAIL, "anyone who can reach this machine can use " + kind
                            + ": it listens on " + where + " with no key and no firewall", evidence, fix);
            case Verdict.Unknown u -> new Finding(label, "exposure.unknown", Severity.WARN,
                    "listens on " + where + " with no key, and the firewall could not be read", evidence, fix);
            case Verdict.AllowedFrom a -> new Finding(label, "exposure.allow-list", Severity.OK,
                    "listens on " + where + "; the firewall lets in only " + String.join(", ", a.sources()), evidence, List.of());
            case Verdict.Dropped d -> new Finding(label, "exposure.blocked", Severity.OK,
                    "listens on " + where + ", but the firewall keeps other machines out", evidence, List.of());
            case Verdict.Rejected d -> new Finding(label, "exposure.blocked", Severity.OK,
                    "listens on " + where + ", but the firewall keeps other machines out", evidence, List.of());
        };
    }

    /** The process holding {@code port} with its command line, for evidence about a program that should not be there. */
    Optional<String> owner(int port) {
        return scan(port).on(port).stream().flatMap(l -> l.process().stream()).findFirst()
                .map(p -> p.describe() + (p.commandLine().isBlank() ? "" : ": " + p.commandLine()));
    }

    private boolean answersWithoutKey(Target t, Listener l) {
        String where = l.allInterfaces() ? (l.ipv6() && !l.dualStack() ? "[::1]" : "127.0.0.1") + ":" + t.port()
                : Connect.where(l.address(), t.port());
        URI models = URI.create((t.tls() ? "https://" : "http://") + where + "/v1/models");
        return http.get(models, Map.of()) instanceof Answer a && a.status() == 200;
    }

    private static String bindLoopback(ServerKind kind, int port) {
        return switch (kind) {
            case OLLAMA -> "listen on loopback only: sudo systemctl edit ollama, add [Service] Environment=\"OLLAMA_HOST=127.0.0.1:"
                    + port + "\", sudo systemctl restart ollama; serve other machines through lifeline serve with API keys";
            case LLAMA_CPP -> "listen on loopback only: llama-server --host 127.0.0.1 --port " + port + " (or start it with --api-key)";
            case VLLM -> "listen on loopback only: vllm serve MODEL --host 127.0.0.1 --port " + port + " (or with --api-key)";
            case TGI -> "listen on loopback only: text-generation-launcher --hostname 127.0.0.1 --port " + port;
            case LM_STUDIO -> "turn off \"Serve on Local Network\" in LM Studio's server settings";
            default -> "make the server listen on 127.0.0.1 only";
        };
    }

    /** {@code 127.0.0.1:11434 ollama (pid 812, user ollama)}, or with the user alone when the process is hidden. */
    private static String line(Listener l) {
        return l.display() + l.process().map(p -> " " + p.describe()).orElseGet(() ->
                l.user().map(u -> " (user " + u + ")").orElse(""));
    }
}
