package dev.lifeline.monitor;

import dev.lifeline.probe.Check;
import dev.lifeline.probe.Status;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What one alert message says: the checks that changed state in a run (or still fail, for a reminder), sent as one
 * message per sink.
 *
 * @param host  the machine the monitor runs on
 * @param at    when the run happened
 * @param items one line per check
 */
public record Notice(String host, Instant at, List<Item> items) {
    public Notice {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(at, "at");
        items = List.copyOf(items);
        if (items.isEmpty()) {
            throw new IllegalArgumentException("a notice says something");
        }
    }

    /** Why a check is in the message. */
    public enum Kind {
        /** it went from OK (or from another problem status) to this one */
        PROBLEM,
        /** it is OK again */
        RECOVERY,
        /** it still fails; the re-notify interval passed */
        REMINDER,
        /** {@code lifeline monitor test-alert}: nothing is wrong */
        TEST
    }

    /** @param previous the status the sink was last told of (OK when it was told nothing) */
    public record Item(Kind kind, Check check, Status previous) {
        public Item {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(check, "check");
            Objects.requireNonNull(previous, "previous");
        }

        /** {@code ollama/service is CRITICAL: connection refused}, {@code ollama/service recovered: ...} */
        public String line() {
            Check c = check;
            return switch (kind) {
                case PROBLEM -> c.id() + " is " + c.status() + ": " + c.summary();
                case RECOVERY -> c.id() + " recovered (was " + previous + "): " + c.summary();
                case REMINDER -> c.id() + " is still " + c.status() + ": " + c.summary();
                case TEST -> "test alert from lifeline monitor: if you read this, alerts reach you";
            };
        }
    }

    /** The worst status among the items that are problems or reminders; OK for recoveries and tests. */
    public Status status() {
        return items.stream().filter(i -> i.kind() == Kind.PROBLEM || i.kind() == Kind.REMINDER)
                .map(i -> i.check().status()).reduce(Status::worst).orElse(Status.OK);
    }

    public boolean isTest() {
        return items.stream().allMatch(i -> i.kind() == Kind.TEST);
    }

    /**
     * A one-line title: {@code [CRITICAL] ollama/service on gpu-box}, {@code [RECOVERED] ollama/service on gpu-box},
     * {@code [WARNING] 3 checks on gpu-box}, {@code [TEST] lifeline monitor on gpu-box}.
     */
    public String title() {
        if (isTest()) {
            return "[TEST] lifeline monitor on " + host;
        }
        Status s = status();
        String what = items.size() == 1 ? items.getFirst().check().id() : items.size() + " checks";
        return "[" + (s.isOk() ? "RECOVERED" : s.name()) + "] " + what + " on " + host;
    }
}
