package dev.lifeline.routing;

import dev.lifeline.backend.Failure;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A failover drill's fault: every attempt on one of {@code backends} fails, before anything is sent, the way a
 * real outage of that kind would fail it, until {@code until}. The end is part of the fault itself, so a drill that
 * crashes (or forgets to lift it) cannot leave the cloud switched off.
 *
 * @param mode     how the cloud fails
 * @param started  when the fault was started
 * @param until    when it lifts itself
 * @param backends the cloud backends it applies to, in configuration order
 */
public record DrillFault(Mode mode, Instant started, Instant until, List<String> backends) {
    public DrillFault {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(started, "started");
        Objects.requireNonNull(until, "until");
        backends = List.copyOf(backends);
    }

    /** The two outages a drill can play. */
    public enum Mode {
        /** Nothing listens, or a firewall rejects: the connection is refused at once. */
        REFUSED,
        /** A firewall drops the packets: nothing answers until the connect timeout. */
        SILENT;

        /** The name in the admin API: {@code refused}, {@code silent}. */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Optional<Mode> parse(String name) {
            for (Mode m : values()) {
                if (m.wireName().equals(name)) {
                    return Optional.of(m);
                }
            }
            return Optional.empty();
        }
    }

    public boolean activeAt(Instant now) {
        return now.isBefore(until);
    }

    /** Time left at {@code now}; zero once it has lifted. */
    public Duration remaining(Instant now) {
        Duration left = Duration.between(now, until);
        return left.isNegative() ? Duration.ZERO : left;
    }

    public boolean covers(String backend) {
        return backends.contains(backend);
    }

    /**
     * The failure the backend itself reports for this outage (same kind and detail as {@code HttpUpstream}'s), so that
     * the failure rules, the breaker and the metrics cannot tell a drill from the real thing.
     */
    Failure failure() {
        return switch (mode) {
            case REFUSED -> Failure.of(Failure.Kind.CONNECT_REFUSED, "connection refused");
            case SILENT -> Failure.of(Failure.Kind.CONNECT_TIMEOUT, "no connection within the connect timeout");
        };
    }
}
