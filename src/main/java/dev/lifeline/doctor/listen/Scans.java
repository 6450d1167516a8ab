package dev.lifeline.doctor.listen;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** What every implementation does the same way. */
final class Scans {
    /** By port, IPv4 before IPv6, then address and pid: a stable order makes reports comparable between runs. */
    static final Comparator<Listener> ORDER = Comparator.comparingInt(Listener::port)
            .thenComparing(Listener::ipv6)
            .thenComparing(l -> Addresses.format(l.address()))
            .thenComparingLong(l -> l.process().map(OwnerProcess::pid).orElse(-1L));

    private Scans() {
    }

    static void checkPorts(Set<Integer> ports) {
        for (Integer port : ports) {
            if (port == null || port < 1 || port > 65535) {
                throw new IllegalArgumentException("not a TCP port: " + port);
            }
        }
    }

    /**
     * Sorted, and once per socket and program: the tools list a socket once per process holding it, and a server that
     * forks workers (gunicorn, nginx) would otherwise appear once per worker. The lowest pid, the parent, stays.
     */
    static List<Listener> tidy(List<Listener> listeners) {
        List<Listener> sorted = new ArrayList<>(listeners);
        sorted.sort(ORDER);
        Set<List<Object>> seen = new HashSet<>();
        List<Listener> kept = new ArrayList<>();
        for (Listener l : sorted) {
            List<Object> key = List.of(l.address(), l.port(), l.uid(), l.process().map(OwnerProcess::name).orElse(""));
            if (seen.add(key)) {
                kept.add(l);
            }
        }
        return kept;
    }

    /** {@code process 1} or {@code processes 1, 7, 9 and 4 more}: enough to look them up, short enough for one line. */
    static String processes(Collection<Long> pids) {
        List<Long> sorted = pids.stream().sorted().toList();
        String shown = sorted.stream().limit(3).map(String::valueOf).collect(Collectors.joining(", "));
        return (sorted.size() == 1 ? "process " : "processes ") + shown + (sorted.size() > 3 ? " and " + (sorted.size() - 3) + " more" : "");
    }
}
