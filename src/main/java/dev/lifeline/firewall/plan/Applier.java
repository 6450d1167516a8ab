package dev.lifeline.firewall.plan;

import dev.lifeline.firewall.Cidr;
import dev.lifeline.os.Shell;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * Applies a plan on this machine (Linux, as root) the way a careful admin would: save the current ruleset, run the
 * apply script, run the verify script, and roll back if either fails. What was applied is recorded in the state
 * folder, so {@code lifeline firewall status} and {@code rollback} know later what Lifeline manages.
 */
public final class Applier {
    private static final Duration SCRIPT_TIMEOUT = Duration.ofSeconds(60);
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private final Shell shell;
    private final Path stateDir;
    private final Clock clock;

    public Applier(Shell shell, Path stateDir, Clock clock) {
        this.shell = shell.withTimeout(SCRIPT_TIMEOUT);
        this.stateDir = stateDir;
        this.clock = clock;
    }

    /** How an apply, verify or rollback went: each step with what it printed. */
    public record Outcome(boolean ok, List<String> lines) {
        public Outcome {
            lines = List.copyOf(lines);
        }
    }

    /**
     * Applies {@code plan}. A policy applied earlier for the same port is rolled back first, whatever its tool: its
     * rules are not this plan's (a source dropped from the list must lose its allow rule, a table of another tool must
     * go), and the record keeps only one policy per port. Between the two the port is briefly unguarded.
     */
    public Outcome apply(Plan plan) {
        return apply(plan, Optional.empty());
    }

    /** As {@link #apply(Plan)}, for a firewalld plan made for {@code zone} (recorded, so rollback finds the rules). */
    public Outcome apply(Plan plan, Optional<String> zone) {
        List<String> lines = new ArrayList<>();
        if (!root()) {
            return new Outcome(false, List.of("changing the firewall needs root: run it with sudo"));
        }
        try {
            Files.createDirectories(stateDir);
            lines.add("saved the current rules to " + backup(plan.policy()));
        } catch (IOException e) {
            return new Outcome(false, List.of("cannot write " + stateDir + ": " + e.getMessage()));
        }
        try {
            Optional<Plan> before = recorded(plan.policy().port());
            if (before.isPresent()) {
                Outcome removed = rollback(before.get());
                lines.addAll(removed.lines().stream().map(l -> l.replaceFirst("^rolled back the", "removed the previous")).toList());
                if (!removed.ok()) {
                    return new Outcome(false, lines);
                }
            }
        } catch (IOException e) {
            lines.add("the record of the previous rules is unreadable, left as it is: " + e.getMessage());
            return new Outcome(false, lines);
        }
        Shell.Result applied = script(plan.applyScript());
        if (!applied.ok()) {
            lines.add("apply failed: " + applied.problem());
            lines.addAll(rollback(plan).lines());
            return new Outcome(false, lines);
        }
        lines.add("applied the " + plan.tool().id() + " rules for port " + plan.policy().port());
        Shell.Result verified = script(plan.verifyScript());
        verified.lines().forEach(l -> lines.add("  " + l));
        if (!verified.ok()) {
            lines.add("verify failed after apply: rolling back");
            lines.addAll(rollback(plan).lines());
            return new Outcome(false, lines);
        }
        try {
            record(plan, zone);
        } catch (IOException e) {
            lines.add("applied, but could not record it in " + stateDir + ": " + e.getMessage());
            return new Outcome(false, lines);
        }
        return new Outcome(true, lines);
    }

    public Outcome verify(Plan plan) {
        Shell.Result r = script(plan.verifyScript());
        List<String> lines = new ArrayList<>(r.lines());
        if (r.outcome() != Shell.Outcome.RAN) {
            lines.add(r.problem());
        }
        return new Outcome(r.ok(), lines);
    }

    public Outcome rollback(Plan plan) {
        Shell.Result r = script(plan.rollbackScript());
        List<String> lines = new ArrayList<>();
        if (r.ok()) {
            lines.add("rolled back the " + plan.tool().id() + " rules for port " + plan.policy().port());
            try {
                Files.deleteIfExists(recordFile(plan.policy().port()));
            } catch (IOException e) {
                lines.add("could not remove " + recordFile(plan.policy().port()) + ": " + e.getMessage());
            }
        } else {
            lines.add("rollback failed: " + r.problem());
        }
        return new Outcome(r.ok(), lines);
    }

    /** The plans applied earlier and still recorded, by port. */
    public List<Plan> recorded() throws IOException {
        if (!Files.isDirectory(stateDir)) {
            return List.of();
        }
        List<Plan> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(stateDir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().matches("lifeline-\\d+\\.policy")).sorted().toList()) {
                out.add(read(f));
            }
        }
        return out;
    }

    public Optional<Plan> recorded(int port) throws IOException {
        Path f = recordFile(port);
        return Files.exists(f) ? Optional.of(read(f)) : Optional.empty();
    }

    /** Effective user id 0, as the kernel sees this process; a failed look counts as not root. */
    private boolean root() {
        Shell.Result r = shell.run("id", "-u");
        return r.ok() && r.stdout().strip().equals("0");
    }

    private Shell.Result script(String text) {
        return shell.run("sh", "-c", text);
    }

    /** {@code nft list ruleset} and, where iptables is in use, {@code iptables-save}, to put things back by hand. */
    private Path backup(Policy policy) throws IOException {
        Path file = stateDir.resolve("backup-" + policy.port() + "-" + STAMP.format(clock.instant()) + ".rules");
        StringBuilder sb = new StringBuilder("# rules before lifeline firewall apply --port " + policy.port() + "\n");
        Map<String, List<String>> dumps = new LinkedHashMap<>();
        dumps.put("nft list ruleset", List.of("nft", "list", "ruleset"));
        dumps.put("iptables-save", List.of("iptables-save"));
        dumps.put("ip6tables-save", List.of("ip6tables-save"));
        dumps.forEach((name, cmd) -> {
            Shell.Result r = shell.run(cmd);
            if (r.ok()) {
                sb.append("# ---- ").append(name).append('\n').append(r.stdout());
            }
        });
        Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
        return file;
    }

    private Path recordFile(int port) {
        return stateDir.resolve(Policy.TAG + "-" + port + ".policy");
    }

    private void record(Plan plan, Optional<String> zone) throws IOException {
        Properties p = new Properties();
        p.setProperty("tool", plan.tool().id());
        p.setProperty("port", String.valueOf(plan.policy().port()));
        p.setProperty("block", plan.policy().block().name().toLowerCase(java.util.Locale.ROOT));
        p.setProperty("allow", String.join(",", plan.policy().allow().sources().stream().map(Cidr::toString).toList()));
        zone.ifPresent(z -> p.setProperty("zone", z));
        Path tmp = Files.createTempFile(stateDir, ".policy", ".tmp");
        try (var out = Files.newBufferedWriter(tmp)) {
            p.store(out, "applied by lifeline firewall apply; read by status and rollback");
        }
        Files.move(tmp, recordFile(plan.policy().port()), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private Plan read(Path f) throws IOException {
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(f)) {
            p.load(in);
        }
        try {
            String allow = p.getProperty("allow", "");
            Policy policy = Policy.parse(Integer.parseInt(p.getProperty("port", "0")),
                    allow.isEmpty() ? List.of() : List.of(allow.split(",")), Block.valueOf(p.getProperty("block", "drop").toUpperCase(java.util.Locale.ROOT)),
                    true);
            return Frontend.fromId(p.getProperty("tool", "")).plan(policy, stateDir.toString(), Optional.ofNullable(p.getProperty("zone")));
        } catch (RuntimeException e) {
            throw new IOException(f + " is damaged: " + e.getMessage(), e);
        }
    }
}
