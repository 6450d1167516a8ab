package dev.lifeline.doctor.listen;

import dev.lifeline.os.Shell;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Windows, through {@code netstat -ano} and {@code tasklist}: both ship with every Windows and, unlike
 * {@code netstat -b}, need no administrator. Neither tells the owning account or the command line (that would take
 * PowerShell and a second of start-up), so those stay empty.
 */
final class WindowsListeners implements Listeners {
    private static final Pattern QUOTED = Pattern.compile("\"([^\"]*)\"");

    private final Shell runner;

    WindowsListeners(Shell runner) {
        this.runner = runner;
    }

    @Override
    public ListenerScan listening(Set<Integer> ports) {
        Scans.checkPorts(ports);
        List<String> notes = new ArrayList<>();
        if (ports.isEmpty()) {
            return new ListenerScan(List.of(), notes);
        }
        Shell.Result netstat = runner.run("netstat", "-ano");
        List<NetstatSocket> sockets;
        if (!netstat.ran()) {
            notes.add(netstat.problem() + ": cannot see who listens on any port");
            sockets = List.of();
        } else if (netstat.exitCode() != 0) {
            notes.add("netstat -ano exited " + netstat.exitCode() + ": " + netstat.firstErrorLine());
            sockets = List.of();
        } else {
            Netstat parsed = parseNetstat(netstat.stdout());
            parsed.problems().forEach(p -> notes.add("could not read netstat output: " + p));
            sockets = parsed.sockets().stream().filter(s -> ports.contains(s.port())).toList();
        }
        Map<Long, String> names = sockets.isEmpty() ? Map.of() : tasks(notes, "process names are not shown");
        List<Listener> listeners = new ArrayList<>();
        for (NetstatSocket s : sockets) {
            OwnerProcess owner = new OwnerProcess(s.pid(), names.getOrDefault(s.pid(), ""), "", Optional.empty());
            listeners.add(new Listener(s.address(), s.port(), false, OptionalInt.empty(), Optional.empty(), Optional.of(owner)));
        }
        return new ListenerScan(Scans.tidy(listeners), notes);
    }

    @Override
    public ProcessScan running(Set<String> names) {
        Set<String> wanted = ProcessNames.normalise(names);
        List<String> notes = new ArrayList<>();
        if (wanted.isEmpty()) {
            return new ProcessScan(List.of(), notes);
        }
        Map<Long, String> tasks = tasks(notes, "cannot tell which servers run");
        List<RunningProcess> found = new ArrayList<>();
        List<Long> pythons = new ArrayList<>();
        tasks.forEach((pid, name) -> {
            OwnerProcess p = new OwnerProcess(pid, name, "", Optional.empty());
            ProcessNames.matches(wanted, name, "").forEach(h -> found.add(new RunningProcess(h, p)));
            if (ProcessNames.clean(name).startsWith("python")) {
                pythons.add(pid);
            }
        });
        if (!pythons.isEmpty()) {
            pythons.sort(Comparator.naturalOrder());
            notes.add("Python runs (pid " + pythons.stream().map(String::valueOf).reduce((a, b) -> a + ", " + b).orElseThrow()
                    + "), but command lines are not read on Windows: whether it serves a model (vLLM) is not known");
        }
        found.sort(Comparator.comparingLong((RunningProcess r) -> r.process().pid()));
        return new ProcessScan(found, notes);
    }

    private Map<Long, String> tasks(List<String> notes, String consequence) {
        Shell.Result r = runner.run("tasklist", "/fo", "csv", "/nh");
        if (!r.ran()) {
            notes.add(r.problem() + ": " + consequence);
            return Map.of();
        }
        if (r.exitCode() != 0) {
            notes.add("tasklist exited " + r.exitCode() + ": " + r.firstErrorLine() + ": " + consequence);
            return Map.of();
        }
        return parseTasklist(r.stdout());
    }

    /** A listening socket as netstat shows it. */
    record NetstatSocket(InetAddress address, int port, long pid) {
    }

    record Netstat(List<NetstatSocket> sockets, List<String> problems) {
        Netstat {
            sockets = List.copyOf(sockets);
            problems = List.copyOf(problems);
        }
    }

    /**
     * Reads the TCP lines of {@code netstat -ano}: protocol, local address, foreign address, state, PID. The state word
     * is translated on non-English Windows ({@code ABHÖREN}), so a listener is told by its foreign address instead,
     * which is {@code 0.0.0.0:0} or {@code [::]:0} for listening sockets only.
     */
    static Netstat parseNetstat(String output) {
        List<NetstatSocket> sockets = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (String line : output.lines().toList()) {
            String[] f = line.strip().split("\\s+");
            if (f.length != 5 || !f[0].equalsIgnoreCase("TCP") || !(f[2].equals("0.0.0.0:0") || f[2].equals("[::]:0"))) {
                continue;
            }
            Optional<Addresses.HostPort> local = Addresses.parseHostPort(f[1], true);
            if (local.isEmpty() || !f[4].chars().allMatch(Character::isDigit) || f[4].length() > 18) {
                problems.add(line.strip());
                continue;
            }
            sockets.add(new NetstatSocket(local.get().address(), local.get().port(), Long.parseLong(f[4])));
        }
        return new Netstat(sockets, problems);
    }

    /**
     * Reads {@code tasklist /fo csv /nh}: {@code "ollama.exe","1234","Console","1","45,123 K"}. A filter that matches
     * nothing prints an {@code INFO:} line instead, which has no quoted fields and is skipped.
     */
    static Map<Long, String> parseTasklist(String output) {
        Map<Long, String> names = new HashMap<>();
        for (String line : output.lines().toList()) {
            Matcher m = QUOTED.matcher(line);
            List<String> fields = new ArrayList<>();
            while (m.find()) {
                fields.add(m.group(1));
            }
            if (fields.size() >= 2 && !fields.get(1).isEmpty() && fields.get(1).length() <= 18
                    && fields.get(1).chars().allMatch(Character::isDigit)) {
                names.put(Long.parseLong(fields.get(1)), fields.get(0));
            }
        }
        return names;
    }
}
