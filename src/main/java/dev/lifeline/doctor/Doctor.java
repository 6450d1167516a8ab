package dev.lifeline.doctor;

import dev.lifeline.doctor.listen.Listeners;
import dev.lifeline.firewall.FirewallDetector;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

/**
 * {@code lifeline doctor}: the "connection refused" runbook, automated. Every target is examined at once on its own
 * virtual thread, so a run takes as long as its slowest target: well under a second when everything answers, and
 * about one timeout when something never does.
 */
public final class Doctor {
    private final Environment environment;
    private final Listeners listeners;
    private final FirewallDetector firewalls;

    /**
     * @param env  the environment the user's apps run in (proxies, {@code OLLAMA_HOST})
     * @param root the file system root, {@code /}; a folder in tests
     */
    public Doctor(Map<String, String> env, Path root, Listeners listeners, FirewallDetector firewalls) {
        this.environment = new Environment(env, root);
        this.listeners = listeners;
        this.firewalls = firewalls;
    }

    /** A doctor for this machine, as the command runs it. */
    public static Doctor forThisMachine(Map<String, String> env) {
        return new Doctor(env, Path.of("/"), Listeners.forThisMachine(), FirewallDetector.forThisMachine());
    }

    /**
     * What to examine.
     *
     * @param targets     servers that must work (the configuration's, or {@code --url})
     * @param wellKnown   also look on the well-known ports of this machine
     * @param fromOutside an address to probe as an internet scanner would
     * @param timeout     how long a connect or an answer may take
     */
    public record Plan(List<Target> targets, boolean wellKnown, Optional<Outsider> fromOutside, Duration timeout) {
        public Plan {
            targets = List.copyOf(targets);
        }
    }

    /** {@code --from-outside HOST:PORT}. */
    public record Outsider(String host, int port) {
    }

    public Report run(Plan plan) {
        long start = System.nanoTime();
        try (Http http = new Http(plan.timeout())) {
            return run(plan, http, start);
        }
    }

    private Report run(Plan plan, Http http, long start) {
        Local local = new Local(listeners, firewalls, environment, http);
        Examine examine = new Examine(http, plan.timeout(), local);
        List<Target> targets = new ArrayList<>(plan.targets());
        if (plan.wellKnown()) {
            targets.addAll(Targets.wellKnown(plan.targets()));
        }
        List<Finding> findings = new ArrayList<>();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<List<Finding>>> perTarget = targets.stream().map(t -> pool.submit(() -> examine.run(t))).toList();
            Future<List<Finding>> outside = pool.submit(() -> plan.fromOutside()
                    .map(o -> new Outside(http, plan.timeout()).check(o.host(), o.port())).orElse(List.of()));
            for (Future<List<Finding>> f : perTarget) {
                findings.addAll(f.get());
            }
            if (findings.isEmpty() && plan.fromOutside().isEmpty()) {
                findings.add(noneFound(targets, local));
            }
            findings.addAll(outside.get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
        Set<String> hosts = plan.targets().stream().map(Target::host).collect(Collectors.toCollection(LinkedHashSet::new));
        Set<String> unreached = Set.of("connect.refused", "connect.timeout", "connect.rejected", "port.free", "port.other-address",
                "discover.none", "name.unresolved");
        findings.addAll(environment.findings(hosts, findings.stream().anyMatch(f -> unreached.contains(f.code()))));
        List<Target> examined = targets.stream().filter(t -> t.mustWork()
                || findings.stream().anyMatch(f -> f.target().equals(t.label()))).toList();
        return new Report(examined, findings, java.time.Duration.ofNanos(System.nanoTime() - start));
    }

    /** Nothing on any well-known port, and nothing configured: the answer is that no model server runs here. */
    private Finding noneFound(List<Target> looked, Local local) {
        String ports = looked.stream().map(t -> String.valueOf(t.port())).distinct().collect(Collectors.joining(", "));
        List<String> evidence = new ArrayList<>();
        evidence.add("nothing accepts connections on localhost ports " + ports);
        Set<String> names = new java.util.TreeSet<>();
        for (ServerKind k : ServerKind.values()) {
            names.addAll(k.processNames());
        }
        var running = local.runningAnyOf(names);
        running.forEach(p -> evidence.add(p.describe() + " runs, but on none of these ports: " + p.commandLine()));
        return new Finding("this machine", "discover.none", Severity.FAIL, "no model server found on this machine", evidence,
                running.isEmpty() ? List.of("start one: " + ServerKind.OLLAMA.startCommand(),
                        "or name yours: lifeline doctor --url http://HOST:PORT")
                        : List.of("name it: lifeline doctor --port PORT (see its command line for the port)"));
    }
}
