package dev.lifeline.firewall.plan;

import dev.lifeline.firewall.Cidr;
import dev.lifeline.firewall.Family;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * The sources allowed to connect, normalised: sorted (IPv4 first), without duplicates and without networks that
 * lie inside another listed one. Removing nested networks is not only tidiness: an nft interval set refuses
 * overlapping elements, and a redundant rule is one more thing to explain and to roll back.
 *
 * @param sources the allowed networks, normalised; loopback is never listed because every plan allows it anyway
 * @param notes   what normalisation changed in what the user typed, one sentence each, to show before the plan
 */
public record AllowList(List<Cidr> sources, List<String> notes) {
    public AllowList {
        sources = normalise(sources, new ArrayList<>());
        notes = List.copyOf(notes);
    }

    /** An allow-list of {@code sources}, normalised silently. */
    public static AllowList of(List<Cidr> sources) {
        return new AllowList(sources, List.of());
    }

    /**
     * Parses the values of {@code --allow}.
     *
     * <p>An empty list and {@code 0.0.0.0/0} or {@code ::/0} are refused unless {@code force} is set: the first locks
     * everyone but this machine out, the others make the plan pointless while looking like protection.
     *
     * @throws PolicyException listing every value that is not valid
     */
    public static AllowList parse(List<String> values, boolean force) {
        List<String> problems = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        List<Cidr> parsed = new ArrayList<>();
        for (String value : values) {
            try {
                Cidr cidr = Cidr.parse(value, notes::add);
                if (cidr.isEverything() && !force) {
                    problems.add("--allow " + value + ": allows the whole internet (every " + cidr.family().label()
                            + " address), which is no protection at all; pass --force if that is really meant");
                    continue;
                }
                parsed.add(cidr);
            } catch (IllegalArgumentException e) {
                problems.add("--allow " + value + ": " + e.getMessage());
            }
        }
        if (values.isEmpty() && !force) {
            problems.add("no --allow given: only this machine (loopback) could connect; pass --force if that is really meant");
        }
        if (!problems.isEmpty()) {
            throw new PolicyException(problems);
        }
        List<Cidr> sources = normalise(parsed, notes);
        for (Cidr c : sources) {
            if (!c.isPrivate()) {
                notes.add(c + (c.isHost() ? " is a public internet address" : " includes public internet addresses"));
            }
        }
        boolean v4 = sources.stream().anyMatch(c -> c.family() == Family.IPV4);
        boolean v6 = sources.stream().anyMatch(c -> c.family() == Family.IPV6);
        if (v4 != v6) {
            Family none = v4 ? Family.IPV6 : Family.IPV4;
            notes.add("no " + none.label() + " source is allowed: " + none.label() + " clients are blocked too (only loopback gets in)");
        }
        return new AllowList(sources, notes);
    }

    /** Sorts, removes duplicates, loopback and networks nested in another, telling {@code notes} about each. */
    private static List<Cidr> normalise(List<Cidr> in, List<String> notes) {
        TreeSet<Cidr> sorted = new TreeSet<>();
        for (Cidr c : in) {
            Objects.requireNonNull(c);
            if (c.isLoopback()) {
                notes.add(c + " is loopback, which is always allowed; not listed again");
            } else if (!sorted.add(c)) {
                notes.add(c + " is listed more than once; kept once");
            }
        }
        List<Cidr> out = new ArrayList<>(sorted);
        for (Iterator<Cidr> it = out.iterator(); it.hasNext(); ) {
            Cidr c = it.next();
            for (Cidr wider : sorted) {
                if (wider != c && wider.contains(c)) {
                    notes.add(c + " is inside " + wider + "; dropped as redundant");
                    it.remove();
                    break;
                }
            }
        }
        return List.copyOf(out);
    }

    /** The sources of one family, in order. */
    public List<Cidr> sources(Family family) {
        return sources.stream().filter(c -> c.family() == family).toList();
    }

    public boolean isEmpty() {
        return sources.isEmpty();
    }
}
