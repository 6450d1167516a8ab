package dev.lifeline.drill;

import dev.lifeline.drill.Sample.Phase;
import dev.lifeline.drill.Workload.Prompt;
import dev.lifeline.drill.Workload.Task;
import dev.lifeline.os.Shell;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The failover drill, as the runbook has it: ask the cloud first (it should answer), take the cloud away, keep asking
 * (a local model must answer every request, with the failover logged, and the answers must pass their checks), give
 * the cloud back, and time how long until it answers again. Plain blocking code; the caller may stop it at any moment
 * through {@code stop}, and the block is lifted whatever happens.
 */
public final class Drill implements AutoCloseable {
    private final GatewayClient gateway;
    private final Outage outage;
    private final Clock clock;

    Drill(GatewayClient gateway, Outage outage, Clock clock) {
        this.gateway = gateway;
        this.outage = outage;
        this.clock = clock;
    }

    /**
     * A drill that takes the cloud away through the gateway's admin API ({@code POST /admin/drill}).
     *
     * @param fault          {@code refused} (every cloud attempt fails at once) or {@code silent} (after the connect timeout)
     * @param requestTimeout how long one chat request may take
     */
    public static Drill viaGateway(URI gateway, Optional<String> key, Optional<String> adminKey, String fault, Duration requestTimeout) {
        GatewayClient client = new GatewayClient(gateway, key, adminKey, requestTimeout);
        return new Drill(client, new Outage.Admin(client, fault), Clock.systemUTC());
    }

    /**
     * A drill that takes the cloud away with a real firewall rule on this machine, which must be the gateway's (root).
     *
     * @param cloudUrls the configuration's cloud backends by name, with their URLs
     */
    public static Drill viaFirewall(URI gateway, Optional<String> key, Map<String, URI> cloudUrls, Duration requestTimeout) {
        GatewayClient client = new GatewayClient(gateway, key, Optional.empty(), requestTimeout);
        return new Drill(client, new Outage.Firewall(cloudUrls, Shell.local()), Clock.systemUTC());
    }

    /** How the cloud is taken away, for the plan. */
    public String outage() {
        return outage.describe();
    }

    @Override
    public void close() {
        gateway.close();
    }

    /**
     * @param length        how long the cloud stays away
     * @param pause         the pause between two requests
     * @param recoveryBound how long the cloud may take to answer again after the lift
     * @param model         the model name to ask for, unless a task names its own; empty: the gateway's first
     * @param monitorState  the monitor's alert state file: an alert about a cloud backend must have gone out during the outage
     */
    public record Plan(Duration length, Duration pause, Duration recoveryBound, Optional<String> model, Workload workload,
            Optional<Path> monitorState) {
        public Plan(Duration length, Duration pause, Duration recoveryBound, Optional<String> model, Workload workload) {
            this(length, pause, recoveryBound, model, workload, Optional.empty());
        }
    }

    /** Told after every request, for a progress display. */
    public interface Progress {
        void sample(Phase phase, Sample sample, Instant phaseEnds);
    }

    public DrillReport run(Plan plan, Progress progress, AtomicBoolean stop) throws DrillException {
        gateway.ready();
        outage.preflight();
        String model = plan.model().isPresent() ? plan.model().get() : gateway.firstModel()
                .orElseThrow(() -> new DrillException("the gateway offers no model (GET /v1/models is empty): give --model"));
        List<Map.Entry<Task, Prompt>> rounds = plan.workload().rounds();
        List<Sample> samples = new ArrayList<>();
        for (Task t : plan.workload().tasks()) {
            samples.add(ask(Phase.BEFORE, t, t.prompts().getFirst(), model));
            progress.sample(Phase.BEFORE, samples.getLast(), clock.instant());
        }
        refuseIfNotReady(samples);
        Optional<Instant> started = Optional.empty();
        Optional<Instant> lifted = Optional.empty();
        List<String> cloud = List.of();
        Optional<Duration> recovery = Optional.empty();
        try {
            Outage.Started s = outage.start(plan.length());
            cloud = s.cloudBackends();
            started = Optional.of(clock.instant());
            Instant ends = started.get().plus(plan.length());
            for (int i = 0; !stop.get() && clock.instant().isBefore(ends); i++) {
                Map.Entry<Task, Prompt> next = rounds.get(i % rounds.size());
                samples.add(ask(Phase.OUTAGE, next.getKey(), next.getValue(), model));
                progress.sample(Phase.OUTAGE, samples.getLast(), ends);
                pause(plan.pause(), ends, stop);
            }
        } finally {
            if (started.isPresent()) {
                outage.lift();
                lifted = Optional.of(clock.instant());
            }
        }
        if (lifted.isPresent() && !stop.get()) {
            Instant deadline = lifted.get().plus(plan.recoveryBound());
            Map.Entry<Task, Prompt> probe = rounds.getFirst();
            while (!stop.get() && clock.instant().isBefore(deadline)) {
                Sample r = ask(Phase.RECOVERY, probe.getKey(), probe.getValue(), model);
                samples.add(r);
                progress.sample(Phase.RECOVERY, r, deadline);
                if (r.ok() && r.servedBy(cloud)) {
                    recovery = Optional.of(Duration.between(lifted.get(), r.answered()));
                    break;
                }
                pause(plan.pause(), deadline, stop);
            }
        }
        // stopped early, the recovery was not waited for: it is no failure
        DrillReport.Verdict v = DrillReport.judge(samples, cloud, recovery, plan.recoveryBound(), started,
                stop.get() ? Optional.empty() : lifted);
        List<String> failures = new ArrayList<>(v.failures());
        if (plan.monitorState().isPresent() && started.isPresent()) {
            Optional<String> alert = MonitorAlerts.firedSince(plan.monitorState().get(), cloud, started.get());
            if (alert.isEmpty()) {
                failures.add("the monitor sent no alert about " + String.join(", ", cloud) + " during the outage ("
                        + plan.monitorState().get() + "): it does not watch the cloud from where the outage is, or ran too rarely");
            }
        }
        return new DrillReport(gatewayName(), outage.describe(), plan.length(), started, lifted, clock.instant(), cloud, samples,
                recovery, plan.recoveryBound(), failures, v.surprises(), stop.get());
    }

    /**
     * Before the cloud is taken away, the drill must be able to tell a failover from what already happens: requests
     * that fail (a model the gateway does not route, a key it refuses), or a cloud whose breaker is still open from an
     * earlier drill, would make the whole outage window meaningless.
     */
    private static void refuseIfNotReady(List<Sample> before) throws DrillException {
        Optional<Sample> failed = before.stream().filter(s -> !s.ok()).findFirst();
        if (failed.isPresent()) {
            throw new DrillException("before the outage, a request already failed (task " + failed.get().task() + ": "
                    + failed.get().error().orElse("status " + failed.get().status()) + "): nothing was blocked");
        }
        Optional<Sample> open = before.stream().filter(s -> s.failover().map(f -> f.contains("circuit")).orElse(false)).findFirst();
        if (open.isPresent()) {
            throw new DrillException("before the outage, the cloud is skipped: " + open.get().failover().get()
                    + " (an earlier drill or outage opened the circuit breaker; wait for its open_for, see GET /admin/breakers):"
                    + " nothing was blocked");
        }
    }

    private String gatewayName() {
        return gateway.base().toString();
    }

    private Sample ask(Phase phase, Task task, Prompt prompt, String defaultModel) {
        Instant at = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        long start = System.nanoTime();
        GatewayClient.Answer a = gateway.chat(task.model().orElse(defaultModel), prompt.text());
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        List<String> checks = a.error().isEmpty() ? Checks.judge(prompt.expect(), a.text()) : List.of();
        String excerpt = a.text().strip();
        return new Sample(at, phase, task.name(), a.status(), a.backend(), a.failover(), took, a.error(), checks,
                excerpt.length() > 300 ? excerpt.substring(0, 300) + "..." : excerpt);
    }

    /** Waits {@code pause}, but not past {@code until}, and not after a stop. */
    private void pause(Duration pause, Instant until, AtomicBoolean stop) {
        long end = Math.min(clock.millis() + pause.toMillis(), until.toEpochMilli());
        while (!stop.get() && clock.millis() < end) {
            try {
                Thread.sleep(Math.min(100, Math.max(1, end - clock.millis())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stop.set(true);
            }
        }
    }
}
