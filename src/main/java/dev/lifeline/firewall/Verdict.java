package dev.lifeline.firewall;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What a firewall does to a new TCP connection from another machine to one port. DROP and REJECT are kept apart
 * because clients see them differently: a dropped SYN times out (curl exit 28), a rejected one is refused at once
 * (curl exit 7), and {@code doctor} explains "connection refused" and "timed out" differently.
 */
public sealed interface Verdict {
    Open OPEN = new Open();
    Dropped DROPPED = new Dropped();
    Rejected REJECTED = new Rejected();

    /** Nothing filters the port: any machine that can route here may connect. */
    record Open() implements Verdict {
    }

    /**
     * Only these sources get in; everyone else is {@code others}.
     *
     * @param sources addresses or CIDRs as the firewall states them, in order, without duplicates
     * @param others  what happens to everyone else: {@link #DROPPED} or {@link #REJECTED}
     */
    record AllowedFrom(List<String> sources, Blocked others) implements Verdict {
        public AllowedFrom {
            sources = List.copyOf(new LinkedHashSet<>(sources));
            Objects.requireNonNull(others);
            if (sources.isEmpty()) {
                throw new IllegalArgumentException("no sources: use the blocking verdict itself");
            }
        }
    }

    /** Connections are silently dropped: clients time out. */
    record Dropped() implements Blocked {
    }

    /** Connections are actively refused (TCP reset or ICMP unreachable): clients fail at once. */
    record Rejected() implements Blocked {
    }

    /** Could not be decided, with the reason a person can act on ("nft: Operation not permitted — run with sudo"). */
    record Unknown(String reason) implements Verdict {
        public Unknown {
            Objects.requireNonNull(reason);
        }
    }

    /** The two ways a firewall blocks. */
    sealed interface Blocked extends Verdict permits Dropped, Rejected {
    }

    /** Whether at least some other machines cannot connect because of this verdict. */
    default boolean blocksSomeClients() {
        return this instanceof Blocked || this instanceof AllowedFrom;
    }

    /** One line for a report: {@code open}, {@code allowed from 10.0.0.0/24 (others dropped)}, ... */
    default String describe() {
        return switch (this) {
            case Open o -> "open";
            case Dropped d -> "dropped (clients time out)";
            case Rejected r -> "rejected (clients are refused)";
            case AllowedFrom a -> "allowed from " + String.join(", ", a.sources()) + " (others "
                    + (a.others() instanceof Dropped ? "dropped" : "rejected") + ")";
            case Unknown u -> "unknown: " + u.reason();
        };
    }

    /** A verdict that lets only {@code sources} in, or just {@code rest} when there are none. */
    static Verdict allowedFrom(List<String> sources, Blocked rest) {
        return sources.isEmpty() ? rest : new AllowedFrom(sources, rest);
    }

    /**
     * The verdict of two filters a packet must pass one after the other (two nft tables, or nft and iptables-legacy):
     * a block anywhere is final, allow-lists intersect, and an unknown layer makes an otherwise passing result unknown.
     */
    static Verdict both(Verdict a, Verdict b) {
        if (a instanceof Blocked) {
            return a;
        }
        if (b instanceof Blocked) {
            return b;
        }
        if (a instanceof Unknown) {
            return a;
        }
        if (b instanceof Unknown) {
            return b;
        }
        if (a instanceof Open) {
            return b;
        }
        if (b instanceof Open) {
            return a;
        }
        AllowedFrom x = (AllowedFrom) a;
        AllowedFrom y = (AllowedFrom) b;
        List<String> common = new ArrayList<>();
        for (String s : x.sources()) {
            for (String t : y.sources()) {
                Cidr.intersection(s, t).ifPresent(common::add);
            }
        }
        return allowedFrom(common, x.others());
    }

    /**
     * The verdict for a client that may take either of two paths (two interfaces in different firewalld zones, IPv4
     * or IPv6): whichever lets more in, because "am I exposed" must not be answered with the better of two paths.
     */
    static Verdict eitherOf(Verdict a, Verdict b) {
        if (a instanceof Open || b instanceof Open) {
            return OPEN;
        }
        if (a instanceof Unknown) {
            return a;
        }
        if (b instanceof Unknown) {
            return b;
        }
        if (a instanceof AllowedFrom x && b instanceof AllowedFrom y) {
            Set<String> union = new LinkedHashSet<>(x.sources());
            union.addAll(y.sources());
            return new AllowedFrom(List.copyOf(union), x.others() instanceof Rejected ? x.others() : y.others());
        }
        if (a instanceof AllowedFrom) {
            return a;
        }
        if (b instanceof AllowedFrom) {
            return b;
        }
        return a instanceof Rejected ? a : b; // a refusal is the more visible of two blocks
    }
}
