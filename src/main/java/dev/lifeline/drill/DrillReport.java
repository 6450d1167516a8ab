package dev.lifeline.drill;

import dev.lifeline.drill.Sample.Phase;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What a drill found: the timeline, every request, and the verdict with its reasons.
 *
 * @param gateway       the gateway drilled
 * @param outage        how the cloud was taken away
 * @param planned       the outage's planned length
 * @param started       when the block started (empty if the drill stopped before)
 * @param lifted        when it was lifted
 * @param ended         when the drill ended
 * @param cloudBackends the backends the block covered
 * @param samples       every request, in order
 * @param recovery      how long after the lift the cloud answered again; empty if it did not within the bound
 * @param recoveryBound how long the drill waited for that
 * @param failures      why the drill failed; empty when it passed
 * @param surprises     what did not fail the drill but deserves a look before the next one
 * @param interrupted   stopped early (Ctrl-C); the block was lifted
 */
public record DrillReport(String gateway, String outage, Duration planned, Optional<Instant> started, Optional<Instant> lifted,
        Instant ended, List<String> cloudBackends, List<Sample> samples, Optional<Duration> recovery, Duration recoveryBound,
        List<String> failures, List<String> surprises, boolean interrupted) {
    public DrillReport {
        cloudBackends = List.copyOf(cloudBackends);
        samples = List.copyOf(samples);
        failures = List.copyOf(failures);
        surprises = List.copyOf(surprises);
    }

    public boolean passed() {
        return failures.isEmpty() && !interrupted;
    }

    public List<Sample> in(Phase phase) {
        return samples.stream().filter(s -> s.phase() == phase).toList();
    }

    /** Latency percentile in ms of the successful samples {@code cloud} or local; empty without any. */
    public OptionalLong latency(boolean cloud, double percentile) {
        return percentile(samples, cloudBackends, cloud, percentile);
    }

    /** Samples whose answers passed their checks, of those that got an answer. */
    public long checked() {
        return samples.stream().filter(Sample::ok).count();
    }

    public long checksPassed() {
        return samples.stream().filter(Sample::passed).count();
    }

    /** The verdict's reasons, computed from the samples: what the drill promises to verify. */
    static Verdict judge(List<Sample> samples, List<String> cloud, Optional<Duration> recovery, Duration bound, Optional<Instant> started,
            Optional<Instant> lifted) {
        List<String> failures = new ArrayList<>();
        List<String> surprises = new ArrayList<>();
        List<Sample> outage = samples.stream().filter(s -> s.phase() == Phase.OUTAGE).toList();
        if (started.isPresent() && outage.isEmpty()) {
            failures.add("no request was made during the outage");
        }
        List<Sample> failed = outage.stream().filter(s -> !s.ok()).toList();
        if (!failed.isEmpty()) {
            failures.add(failed.size() + " of " + outage.size() + " requests during the outage got no answer from a local model: "
                    + failed.getFirst().error().orElse("status " + failed.getFirst().status()));
        }
        List<Sample> byCloud = outage.stream().filter(s -> s.ok() && s.servedBy(cloud)).toList();
        if (!byCloud.isEmpty()) {
            failures.add(byCloud.size() + " requests during the outage were answered by the cloud ("
                    + byCloud.getFirst().backend().orElse("?") + "): the block did not hold");
        }
        List<Sample> unlogged = outage.stream().filter(s -> s.ok() && !s.servedBy(cloud) && s.failover().isEmpty()).toList();
        if (!unlogged.isEmpty()) {
            failures.add(unlogged.size() + " requests during the outage were served locally without a logged failover"
                    + " (no x-lifeline-failover): is the route local-first, or the cloud not in it?");
        }
        List<Sample> badAnswers = outage.stream().filter(s -> s.ok() && !s.checks().isEmpty()).toList();
        if (!badAnswers.isEmpty()) {
            Sample b = badAnswers.getFirst();
            failures.add(badAnswers.size() + " of " + outage.size() + " local answers during the outage failed their checks, e.g. task "
                    + b.task() + ": " + String.join(", ", b.checks()) + " (the answer: \"" + b.answer().replaceAll("\\s+", " ") + "\")");
        }
        if (lifted.isPresent() && recovery.isEmpty()) {
            failures.add("the cloud did not answer again within " + dev.lifeline.config.Durations.words(bound)
                    + " of the lift: the breaker did not close, or the cloud is really down");
        }
        List<Sample> before = samples.stream().filter(s -> s.phase() == Phase.BEFORE).toList();
        if (before.stream().anyMatch(s -> s.ok() && !s.servedBy(cloud))) {
            surprises.add("before the block, requests were already answered locally: was the cloud down, or is the route local-first?");
        }
        if (before.stream().anyMatch(s -> !s.ok())) {
            surprises.add("before the block, some requests failed: " + before.stream().filter(s -> !s.ok()).findFirst()
                    .flatMap(Sample::error).orElse("?"));
        }
        OptionalLong cloudP95 = percentile(samples, cloud, true, 95);
        // a local answer's latency includes the wait for a silent cloud: only answers that did not wait judge the local model
        List<Sample> noWait = samples.stream().filter(s -> s.failover().map(f -> !f.contains("timeout")).orElse(true)).toList();
        OptionalLong localP95 = percentile(noWait, cloud, false, 95);
        if (cloudP95.isPresent() && localP95.isPresent() && localP95.getAsLong() >= 1000
                && localP95.getAsLong() > 3 * Math.max(1, cloudP95.getAsLong())) {
            surprises.add("local answers were slow: p95 " + localP95.getAsLong() + " ms against the cloud's " + cloudP95.getAsLong()
                    + " ms; check that the local model runs on the GPU (lifeline monitor) and is kept loaded (keep_alive)");
        }
        List<Sample> waited = outage.stream().filter(s -> s.failover().map(f -> f.contains("timeout")).orElse(false)).toList();
        if (!waited.isEmpty()) {
            surprises.add(waited.size() + " requests of the outage waited for the cloud's timeout before the local answer (up to "
                    + waited.stream().mapToLong(s -> s.latency().toMillis()).max().orElse(0) + " ms), until the breaker opened:"
                    + " a silent outage costs that much per request; a shorter connect timeout or a lower breaker threshold cuts it");
        }
        long slowFirst = outage.stream().limit(5).filter(s -> s.latency().toSeconds() >= 5).count() - waited.stream().limit(5).count();
        if (slowFirst > 0) {
            surprises.add(slowFirst + " of the first requests of the outage took 5 s or more before the local answer: a cold local"
                    + " model (keep it loaded: prewarm, keep_alive)");
        }
        long cloudFailedChecks = samples.stream().filter(s -> s.ok() && s.servedBy(cloud) && !s.checks().isEmpty()).count();
        if (cloudFailedChecks > 0) {
            surprises.add(cloudFailedChecks + " cloud answers failed their checks too: the workload's checks may be too strict");
        }
        return new Verdict(failures, surprises);
    }

    private static OptionalLong percentile(List<Sample> samples, List<String> cloud, boolean fromCloud, double percentile) {
        List<Long> ms = samples.stream().filter(Sample::ok).filter(s -> s.servedBy(cloud) == fromCloud)
                .map(s -> s.latency().toMillis()).sorted(Comparator.naturalOrder()).toList();
        if (ms.isEmpty()) {
            return OptionalLong.empty();
        }
        int i = (int) Math.ceil(percentile / 100.0 * ms.size()) - 1;
        return OptionalLong.of(ms.get(Math.max(0, Math.min(ms.size() - 1, i))));
    }

    record Verdict(List<String> failures, List<String> surprises) {
    }
}
