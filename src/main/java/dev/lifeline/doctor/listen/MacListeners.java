package dev.lifeline.doctor.listen;

import dev.lifeline.os.Shell;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * macOS, through {@code lsof} and {@code ps}: the kernel offers no {@code /proc}, and these two ship with every Mac.
 *
 * <p>Without root, lsof lists only the caller's own processes, so a port held by another user's process (a server
 * started by launchd as root) looks free. The scan says so for every port where it found nothing.
 */
final class MacListeners implements Listeners {
    private final Shell runner;
    private final boolean root;

    MacListeners(Shell runner, boolean root) {
        this.runner = runner;
        this.root = root;
    }

    static boolean runningAsRoot() {
        return ProcessHandle.current().info().user().map("root"::equals).orElse(false);
    }

    @Override
    public ListenerScan listening(Set<Integer> ports) {
        Scans.checkPorts(ports);
        List<String> notes = new ArrayList<>();
        if (ports.isEmpty()) {
            return new ListenerScan(List.of(), notes);
        }
        String portList = new TreeSet<>(ports).stream().map(String::valueOf).collect(Collectors.joining(","));
        // -n -P: numbers, no DNS or service names; +c 0: the whole command name, not 9 characters of it
        Shell.Result outcome = runner.run("lsof", "-nP", "+c", "0", "-iTCP:" + portList, "-sTCP:LISTEN", "-FpcuLtn");
        List<LsofSocket> sockets;
        if (!outcome.ran()) {
            notes.add(outcome.problem() + ": cannot see who listens on port " + portList);
            sockets = List.of();
        } else {
            // lsof exits 1 both when nothing matched and on errors; only the latter say something
            if (outcome.exitCode() != 0 && !outcome.stderr().isBlank()) {
                notes.add("lsof exited " + outcome.exitCode() + ": " + outcome.firstErrorLine());
            }
            Lsof parsed = parseLsof(outcome.stdout());
            parsed.problems().forEach(p -> notes.add("could not read lsof output: " + p));
            sockets = parsed.sockets();
        }
        Map<Long, String> commandLines = commandLines(sockets.stream().map(LsofSocket::pid).collect(Collectors.toSet()), notes);
        boolean dualStack = sockets.stream().anyMatch(s -> s.address() instanceof Inet6Address && s.address().isAnyLocalAddress())
                && dualStackDefault(notes);
        List<Listener> listeners = new ArrayList<>();
        for (LsofSocket s : sockets) {
            boolean dual = dualStack && s.address() instanceof Inet6Address && s.address().isAnyLocalAddress();
            OwnerProcess owner = new OwnerProcess(s.pid(), s.command(), commandLines.getOrDefault(s.pid(), ""), s.login());
            listeners.add(new Listener(s.address(), s.port(), dual, s.uid(), s.login(), Optional.of(owner)));
        }
        List<Listener> tidy = Scans.tidy(listeners);
        if (!root && outcome.ran()) {
            Set<Integer> empty = new TreeSet<>(ports);
            tidy.forEach(l -> empty.remove(l.port()));
            if (!empty.isEmpty()) {
                notes.add("lsof shows only this user's processes when not run as root: port "
                        + empty.stream().map(String::valueOf).collect(Collectors.joining(", "))
                        + " may still be taken by another user's process; run with sudo to see processes of other users");
            }
        }
        return new ListenerScan(tidy, notes);
    }

    private Map<Long, String> commandLines(Set<Long> pids, List<String> notes) {
        if (pids.isEmpty()) {
            return Map.of();
        }
        String list = new TreeSet<>(pids).stream().map(String::valueOf).collect(Collectors.joining(","));
        Shell.Result ps = runner.run("ps", "-ww", "-o", "pid=,args=", "-p", list);
        if (!ps.ran()) {
            notes.add(ps.problem() + ": command lines are not shown");
            return Map.of();
        }
        // ps exits 1 when one of the processes ended meanwhile; the others are still listed
        return parsePidAndRest(ps.stdout());
    }

    /** macOS's counterpart of bindv6only: whether {@code ::} sockets also take IPv4 unless the program said otherwise. */
    private boolean dualStackDefault(List<String> notes) {
        Shell.Result r = runner.run("sysctl", "-n", "net.inet6.ip6.v6only");
        if (r.ok() && r.stdout().strip().equals("0")) {
            return true;
        }
        if (r.ok() && r.stdout().strip().equals("1")) {
            return false;
        }
        notes.add((r.ran() ? "could not read sysctl net.inet6.ip6.v6only (" + (r.stderr().isBlank() ? "exit " + r.exitCode()
                : r.firstErrorLine()) + ")" : r.problem()) + ": treating [::] listeners as IPv6-only");
        return false;
    }

    @Override
    public ProcessScan running(Set<String> names) {
        Set<String> wanted = ProcessNames.normalise(names);
        List<String> notes = new ArrayList<>();
        if (wanted.isEmpty()) {
            return new ProcessScan(List.of(), notes);
        }
        // comm and args apart: comm may contain spaces (".../MacOS/LM Studio"), so one line cannot hold both unambiguously
        Shell.Result ps = runner.run("ps", "-A", "-ww", "-o", "pid=,user=,comm=");
        List<PsRow> rows = List.of();
        if (!ps.ran()) {
            notes.add(ps.problem() + ": cannot tell which servers run");
        } else if (ps.exitCode() != 0) {
            notes.add("ps exited " + ps.exitCode() + ": " + ps.firstErrorLine() + ": cannot tell which servers run");
        } else {
            rows = parsePs(ps.stdout());
        }
        Map<Long, String> args = Map.of();
        if (!rows.isEmpty()) {
            Shell.Result a = runner.run("ps", "-A", "-ww", "-o", "pid=,args=");
            if (a.ran()) {
                args = parsePidAndRest(a.stdout());
            } else {
                notes.add(a.problem() + ": servers run by Python (vLLM) cannot be recognised");
            }
        }
        List<RunningProcess> found = new ArrayList<>();
        for (PsRow row : rows) {
            String name = baseName(row.comm());
            String commandLine = args.getOrDefault(row.pid(), "");
            List<String> hits = ProcessNames.matches(wanted, name, commandLine);
            if (!hits.isEmpty()) {
                OwnerProcess p = new OwnerProcess(row.pid(), name, commandLine, Optional.of(row.user()));
                hits.forEach(h -> found.add(new RunningProcess(h, p)));
            }
        }
        found.sort(Comparator.comparingLong((RunningProcess r) -> r.process().pid()));
        return new ProcessScan(found, notes);
    }

    private static String baseName(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** One TCP socket as lsof describes it. */
    record LsofSocket(long pid, String command, OptionalInt uid, Optional<String> login, InetAddress address, int port) {
    }

    /** @param problems lines that could not be read, quoted for the user */
    record Lsof(List<LsofSocket> sockets, List<String> problems) {
        Lsof {
            sockets = List.copyOf(sockets);
            problems = List.copyOf(problems);
        }
    }

    /**
     * Reads {@code lsof -F} output: one field per line, the first character naming it. A process set ({@code p} pid,
     * {@code c} command, {@code u} uid, {@code L} login) is followed by its files ({@code f} descriptor, {@code t}
     * type IPv4/IPv6, {@code n} address, always last). {@code *} is the wildcard of the file's type.
     */
    static Lsof parseLsof(String output) {
        List<LsofSocket> sockets = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        long pid = -1;
        String command = "";
        OptionalInt uid = OptionalInt.empty();
        Optional<String> login = Optional.empty();
        String type = "";
        for (String line : output.lines().toList()) {
            if (line.isEmpty()) {
                continue;
            }
            String value = line.substring(1);
            switch (line.charAt(0)) {
                case 'p' -> {
                    pid = number(value).orElse(-1);
                    if (pid < 0) {
                        problems.add(line);
                    }
                    command = "";
                    uid = OptionalInt.empty();
                    login = Optional.empty();
                    type = "";
                }
                case 'c' -> command = value;
                case 'u' -> uid = number(value).stream().mapToInt(n -> (int) n).findFirst();
                case 'L' -> login = value.isEmpty() ? Optional.empty() : Optional.of(value);
                case 'f' -> type = "";
                case 't' -> type = value;
                case 'n' -> {
                    Optional<Addresses.HostPort> at = value.contains("->") ? Optional.empty()
                            : Addresses.parseHostPort(value, type.equals("IPv6"));
                    if (pid < 0 || at.isEmpty()) {
                        problems.add(line);
                    } else {
                        sockets.add(new LsofSocket(pid, command, uid, login, at.get().address(), at.get().port()));
                    }
                    type = "";
                }
                default -> {
                    // fields we did not ask for (a newer lsof may add some): not needed
                }
            }
        }
        return new Lsof(sockets, problems);
    }

    /** A line of {@code ps -o pid=,user=,comm=}. */
    record PsRow(long pid, String user, String comm) {
    }

    static List<PsRow> parsePs(String output) {
        List<PsRow> rows = new ArrayList<>();
        for (String line : output.lines().toList()) {
            String[] f = line.strip().split("\\s+", 3);
            if (f.length == 3) {
                number(f[0]).ifPresent(pid -> rows.add(new PsRow(pid, f[1], f[2])));
            }
        }
        return rows;
    }

    /** Lines of {@code ps -o pid=,args=}: pid to the rest of the line. */
    static Map<Long, String> parsePidAndRest(String output) {
        Map<Long, String> rest = new LinkedHashMap<>();
        for (String line : output.lines().toList()) {
            String[] f = line.strip().split("\\s+", 2);
            number(f[0]).ifPresent(pid -> rest.put(pid, f.length == 2 ? f[1] : ""));
        }
        return rest;
    }

    private static OptionalLong number(String text) {
        if (text.isEmpty() || text.length() > 18 || !text.chars().allMatch(Character::isDigit)) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(Long.parseLong(text));
    }
}
