package dev.lifeline.cli;

import dev.lifeline.doctor.listen.Addresses;
import dev.lifeline.firewall.Family;
import dev.lifeline.firewall.FirewallDetector;
import dev.lifeline.firewall.FirewallReport;
import dev.lifeline.os.Shell;
import dev.lifeline.firewall.Tool;
import dev.lifeline.firewall.ToolReport;
import dev.lifeline.firewall.plan.Applier;
import dev.lifeline.firewall.plan.Block;
import dev.lifeline.firewall.plan.Frontend;
import dev.lifeline.firewall.plan.Plan;
import dev.lifeline.firewall.plan.Policy;
import dev.lifeline.firewall.plan.PolicyException;
import dev.lifeline.firewall.plan.Renderer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code lifeline firewall}: only trusted machines reach the model server's port. */
@Command(name = "firewall", mixinStandardHelpOptions = true,
        description = {"Let only trusted machines reach a port: exact rules, applied, verified, rolled back.",
                "For ufw, firewalld, nftables, iptables, Windows or pf. Loopback is always allowed; IPv4 and IPv6 are both covered."},
        subcommands = {FirewallCommand.PlanCommand.class, FirewallCommand.ApplyCommand.class, FirewallCommand.StatusCommand.class,
                FirewallCommand.RollbackCommand.class, FirewallCommand.VerifyCommand.class})
public final class FirewallCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The policy options {@code plan} and {@code apply} share. */
    static final class PolicyOptions {
        @Option(names = "--port", required = true, paramLabel = "PORT", description = "the TCP port to guard (Ollama: 11434)")
        int port;

        @Option(names = "--allow", paramLabel = "ADDRESS[/BITS]", description = "a machine or subnet that may connect (repeatable),"
                + " such as 10.0.0.0/24, 192.168.1.5 or fd00::/64")
        List<String> allow = new ArrayList<>();

        @Option(names = "--tool", paramLabel = "TOOL", description = "auto (the front-end active here), ufw, firewalld, nftables,"
                + " iptables, windows or pf (default: auto)")
        String tool = "auto";

        @Option(names = "--block", paramLabel = "HOW", description = "what others get: drop (they time out, the port looks closed)"
                + " or reject (refused at once) (default: drop)")
        String block = "drop";

        @Option(names = "--force", description = "allow 0.0.0.0/0, ::/0 or an empty allow-list")
        boolean force;

        @Option(names = "--zone", paramLabel = "ZONE", description = "firewalld only: the zone the clients come in through"
                + " (default: the default zone)")
        String zone;

        @Option(names = "--state-dir", paramLabel = "DIR", description = "where rulesets, backups and the record of what was applied"
                + " are kept (default: " + Renderer.STATE_DIR + ")")
        Path stateDir = Path.of(Renderer.STATE_DIR);

        /** The plan, or empty with every problem on {@code err}. */
        Optional<Plan> plan(PrintWriter err) {
            return plan(err, List.of());
        }

        /** The plan, or empty with every problem, {@code more} among them, on {@code err}. */
        Optional<Plan> plan(PrintWriter err, List<String> more) {
            List<String> problems = new ArrayList<>(more);
            Block how = null;
            try {
                how = Block.valueOf(block.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                problems.add("--block " + block + ": expected drop or reject");
            }
            Policy policy = null;
            try {
                policy = Policy.parse(port, allow, how == null ? Block.DROP : how, force);
            } catch (PolicyException e) {
                problems.addAll(e.problems());
            }
            Optional<Frontend> named = Optional.empty();
            if (!tool.equalsIgnoreCase("auto")) {
                try {
                    named = Optional.of(Frontend.fromId(tool));
                } catch (IllegalArgumentException e) {
                    problems.add(e.getMessage());
                }
            }
            if (!problems.isEmpty()) {
                problems.forEach(p -> err.println("lifeline: " + p));
                return Optional.empty();
            }
            // what is active here decides --tool auto, and shows traps no rule can fix (Docker publishing the port)
            FirewallReport here = FirewallDetector.forThisMachine().examine(port);
            here.notes().forEach(n -> err.println("lifeline: warning: " + n));
            Policy guarded = policy;
            here.tool(Tool.DOCKER).filter(ToolReport::active).ifPresent(d -> {
                err.println("lifeline: warning: Docker publishes port " + port + ": its traffic is forwarded past these rules.");
                err.println("  fix: publish it on loopback only (-p 127.0.0.1:" + port + ":" + port + "), or guard it in DOCKER-USER:");
                dockerUser(guarded).forEach(line -> err.println("    " + line));
            });
            Frontend frontend = named.orElseGet(() ->
                    Frontend.auto(here, System.getProperty("os.name"), Shell.local().run("nft", "--version").ok()));
            if (zone != null && frontend != Frontend.FIREWALLD) {
                err.println("lifeline: --zone " + zone + " applies to firewalld, not " + frontend.id());
                return Optional.empty();
            }
            try {
                return Optional.of(frontend.plan(policy, stateDir.toAbsolutePath().toString(), Optional.ofNullable(zone)));
            } catch (IllegalArgumentException e) {
                err.println("lifeline: --zone " + zone + ": " + e.getMessage());
                return Optional.empty();
            }
        }
    }

    /**
     * The DOCKER-USER rules for a published port: a drop, then a return per allowed source inserted above it (each
     * {@code -I} lands on top), for iptables and ip6tables. Docker applies DOCKER-USER before its own forwarding.
     */
    static List<String> dockerUser(Policy policy) {
        List<String> out = new ArrayList<>();
        String match = "-p tcp -m conntrack --ctorigdstport " + policy.port();
        for (Family f : Family.values()) {
            String tool = f == Family.IPV4 ? "iptables" : "ip6tables";
            out.add("sudo " + tool + " -I DOCKER-USER " + match + " -j DROP");
            policy.allow().sources(f).forEach(c -> out.add("sudo " + tool + " -I DOCKER-USER " + match + " -s " + c + " -j RETURN"));
        }
        return out;
    }

    @Command(name = "plan", mixinStandardHelpOptions = true,
            description = {"Print the rules that let only --allow sources reach --port, with rollback and verify scripts.",
                    "Changes nothing. Pipe one part to a shell with --only apply."})
    static final class PlanCommand implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Mixin
        PolicyOptions options;

        @Option(names = "--only", paramLabel = "PART", description = "print only this script: apply, rollback or verify")
        String only;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            List<String> problems = only != null && !List.of("apply", "rollback", "verify").contains(only)
                    ? List.of("--only " + only + ": expected apply, rollback or verify") : List.of();
            Optional<Plan> plan = options.plan(err, problems);
            if (plan.isEmpty()) {
                return 2;
            }
            Plan p = plan.get();
            if (only != null) {
                out.print(switch (only) {
                    case "apply" -> p.applyScript();
                    case "rollback" -> p.rollbackScript();
                    default -> p.verifyScript();
                });
            } else {
                out.println("# ==== apply: review, then run as " + (p.tool() == Frontend.WINDOWS ? "administrator" : "root") + " ====");
                out.print(p.applyScript());
                out.println();
                out.println("# ==== rollback: removes exactly what apply added ====");
                out.print(p.rollbackScript());
                out.println();
                out.println("# ==== verify: exits 0 when every rule is in place ====");
                out.print(p.verifyScript());
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "apply", mixinStandardHelpOptions = true,
            description = {"Apply the plan on this machine (Linux, as root), with a backup, and roll back on failure.",
                    "It saves the current rules, removes the rules an earlier apply made for the port, applies, verifies, and rolls",
                    "back if anything fails. Without --yes it only prints what it would do."})
    static final class ApplyCommand implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Mixin
        PolicyOptions options;

        @Option(names = "--yes", description = "really apply (default: a dry run that prints the plan)")
        boolean yes;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Optional<Plan> plan = options.plan(err);
            if (plan.isEmpty()) {
                return 2;
            }
            Plan p = plan.get();
            if (p.tool() == Frontend.WINDOWS || p.tool() == Frontend.PF) {
                err.println("lifeline: apply runs on Linux; on " + (p.tool() == Frontend.PF ? "macOS" : "Windows")
                        + " review and run the script from `lifeline firewall plan --tool " + p.tool().id() + "`");
                return 2;
            }
            if (!yes) {
                out.println("# dry run for " + p.tool().id() + ": nothing was changed. Run again with --yes to apply (as root).");
                out.print(p.applyScript());
                out.flush();
                return 0;
            }
            Applier.Outcome o = new Applier(Shell.local(), options.stateDir, Clock.systemUTC()).apply(p, Optional.ofNullable(options.zone));
            o.lines().forEach(o.ok() ? out::println : err::println);
            if (o.ok()) {
                out.println("check from an allowed and from another machine: lifeline firewall verify --host THIS_HOST --port "
                        + p.policy().port());
            }
            return o.ok() ? 0 : 1;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Show the rules Lifeline applied here, whether they are still in place, and what the firewall does to each port.")
    static final class StatusCommand implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--state-dir", paramLabel = "DIR", description = "as given to apply (default: " + Renderer.STATE_DIR + ")")
        Path stateDir = Path.of(Renderer.STATE_DIR);

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Applier applier = new Applier(Shell.local(), stateDir, Clock.systemUTC());
            List<Plan> plans;
            try {
                plans = applier.recorded();
            } catch (IOException e) {
                err.println("lifeline: " + e.getMessage());
                return 2;
            }
            if (plans.isEmpty()) {
                out.println("Lifeline manages no firewall rules on this machine (nothing recorded in " + stateDir + ").");
                return 0;
            }
            boolean allOk = true;
            for (Plan p : plans) {
                Applier.Outcome v = applier.verify(p);
                allOk &= v.ok();
                out.printf("port %d (%s): %s%n", p.policy().port(), p.tool().id(), v.ok() ? "in place" : "NOT in place");
                out.println("  " + p.policy().summary());
                v.lines().forEach(l -> out.println("  " + l));
                FirewallReport r = FirewallDetector.forThisMachine().examine(p.policy().port());
                out.println("  firewall now: IPv4 " + r.ipv4().describe() + "; IPv6 " + r.ipv6().describe());
                r.notes().forEach(n -> out.println("  note: " + n));
            }
            return allOk ? 0 : 1;
        }
    }

    @Command(name = "rollback", mixinStandardHelpOptions = true,
            description = "Remove the rules Lifeline applied for --port, exactly those.")
    static final class RollbackCommand implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--port", required = true, paramLabel = "PORT")
        int port;

        @Option(names = "--state-dir", paramLabel = "DIR", description = "as given to apply (default: " + Renderer.STATE_DIR + ")")
        Path stateDir = Path.of(Renderer.STATE_DIR);

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Applier applier = new Applier(Shell.local(), stateDir, Clock.systemUTC());
            try {
                Optional<Plan> p = applier.recorded(port);
                if (p.isEmpty()) {
                    err.println("lifeline: no rules recorded for port " + port + " in " + stateDir + " (see lifeline firewall status)");
                    return 2;
                }
                Applier.Outcome o = applier.rollback(p.get());
                o.lines().forEach(o.ok() ? out::println : err::println);
                return o.ok() ? 0 : 1;
            } catch (IOException e) {
                err.println("lifeline: " + e.getMessage());
                return 2;
            }
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Say whether this machine gets through to --host:--port, by a real connection.",
                    "Run it on an allowed machine and on another one; --from picks the source address on a machine with several.",
                    "Exit 0 when the outcome is --expect, 1 when not, 2 when this machine cannot even try."})
    static final class VerifyCommand implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--host", required = true, paramLabel = "HOST", description = "the guarded machine")
        String host;

        @Option(names = "--port", required = true, paramLabel = "PORT", description = "the guarded port")
        int port;

        @Option(names = "--from", paramLabel = "ADDRESS", description = "the local address to connect from")
        String from;

        @Option(names = "--expect", paramLabel = "OUTCOME", description = "open or blocked: the exit code says whether it came out so")
        String expect;

        @Option(names = "--timeout", paramLabel = "DURATION", description = "how long a dropped connection is waited for (default: 3s)")
        String timeout = "3s";

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if (expect != null && !List.of("open", "blocked").contains(expect)) {
                err.println("lifeline: --expect " + expect + ": expected open or blocked");
                return 2;
            }
            Optional<java.time.Duration> t = MonitorCommand.DurationOption.parse(timeout, "--timeout", err);
            if (t.isEmpty()) {
                return 2;
            }
            if (port < 1 || port > 65535) {
                err.println("lifeline: --port " + port + ": must be 1-65535");
                return 2;
            }
            InetAddress target;
            Optional<InetAddress> source = Optional.empty();
            try {
                target = InetAddress.getByName(host);
                if (from != null) {
                    source = Optional.of(InetAddress.getByName(from));
                }
            } catch (UnknownHostException e) {
                err.println("lifeline: " + (from != null && e.getMessage() != null && e.getMessage().startsWith(from) ? "--from " + from
                        : "--host " + host) + ": does not resolve");
                return 2;
            }
            String where = Addresses.withPort(target, port);
            String outcome;
            String words;
            try (Socket s = new Socket()) {
                if (source.isPresent()) {
                    try {
                        s.bind(new InetSocketAddress(source.get(), 0));
                    } catch (IOException e) {
                        err.println("lifeline: --from " + from + ": not an address of this machine (" + e.getMessage() + ")");
                        return 2;
                    }
                }
                s.connect(new InetSocketAddress(target, port), (int) t.get().toMillis());
                outcome = "open";
                words = "connected from " + Addresses.format(s.getLocalAddress()) + ": this machine gets in";
            } catch (SocketTimeoutException e) {
                outcome = "blocked";
                words = "no answer within " + timeout + ": dropped (a firewall keeps this machine out)";
            } catch (java.net.ConnectException e) {
                outcome = "blocked";
                words = "connection refused: nothing listens there, or a firewall rejects this machine";
            } catch (java.net.NoRouteToHostException e) {
                outcome = "blocked";
                words = "no route to host: a firewall rejects this machine (or the host is down)";
            } catch (IOException e) {
                // "network is unreachable" and the like: this machine cannot even try, which says nothing of the firewall
                err.println("lifeline: cannot connect to " + where + " from here: " + e.getMessage());
                return 2;
            }
            out.println(where + " " + outcome + " - " + words);
            if (expect == null) {
                return 0;
            }
            boolean as = expect.equals(outcome);
            out.println(as ? "as expected" : "NOT as expected (--expect " + expect + ")");
            return as ? 0 : 1;
        }
    }

}
