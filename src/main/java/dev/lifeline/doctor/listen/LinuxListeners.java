package dev.lifeline.doctor.listen;

import java.io.IOException;
import java.net.Inet6Address;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Linux, from {@code /proc} alone: no tool to install, no root needed to see every listening socket and its owner's
 * uid. Only the step from socket to process needs the right to read {@code /proc/PID/fd}, which a normal user has for
 * their own processes only; for the others the scan says so and names the socket's owner from {@code /etc/passwd}.
 *
 * <p>{@code /proc/net/tcp*} shows the sockets of this process's network namespace only: a server inside a container
 * with its own network is not seen here, only a port published for it (docker-proxy or iptables).
 */
final class LinuxListeners implements Listeners {
    private final Path proc;
    private final Path passwd;
    private final ByteOrder order;

    LinuxListeners() {
        this(Path.of("/proc"), Path.of("/etc/passwd"));
    }

    /**
     * @param proc   where {@code /proc} is (tests point it at a copy)
     * @param passwd the account database that names uids
     */
    LinuxListeners(Path proc, Path passwd) {
        this.proc = proc;
        this.passwd = passwd;
        this.order = ByteOrder.nativeOrder();
    }

    @Override
    public ListenerScan listening(Set<Integer> ports) {
        Scans.checkPorts(ports);
        List<String> notes = new ArrayList<>();
        List<ProcNetTcp.Row> rows = new ArrayList<>();
        readTable(proc.resolve("net/tcp"), ports, rows, notes);
        if (Files.exists(proc.resolve("net/tcp6"))) {
            readTable(proc.resolve("net/tcp6"), ports, rows, notes);
        }
        if (rows.isEmpty()) {
            return new ListenerScan(List.of(), notes);
        }
        boolean v6Wildcard = rows.stream().anyMatch(r -> r.address() instanceof Inet6Address && r.address().isAnyLocalAddress());
        boolean dualStackDefault = v6Wildcard && dualStackDefault(notes);
        Set<Long> inodes = new HashSet<>();
        rows.forEach(r -> inodes.add(r.inode()));
        FdScan fds = scanFds(inodes, notes);
        Map<Integer, String> users = Passwd.read(passwd, notes);
        OptionalInt me = effectiveUid();

        List<Listener> listeners = new ArrayList<>();
        for (ProcNetTcp.Row r : rows) {
            boolean dual = dualStackDefault && r.address() instanceof Inet6Address && r.address().isAnyLocalAddress();
            Optional<String> user = Optional.ofNullable(users.get(r.uid()));
            Optional<OwnerProcess> owner = Optional.ofNullable(fds.owners().get(r.inode())).flatMap(pid -> owner(pid, users));
            Listener l = new Listener(r.address(), r.port(), dual, OptionalInt.of(r.uid()), user, owner);
            if (owner.isEmpty()) {
                notes.add(hiddenOwner(l, r, fds, me));
            }
            listeners.add(l);
        }
        return new ListenerScan(Scans.tidy(listeners), notes.stream().distinct().toList());
    }

    private static String hiddenOwner(Listener l, ProcNetTcp.Row r, FdScan fds, OptionalInt me) {
        String owner = "uid " + r.uid() + l.user().map(u -> " (" + u + ")").orElse("");
        boolean root = me.isPresent() && me.getAsInt() == 0;
        if (root && !fds.denied().isEmpty()) {
            return "the process listening on " + l.display() + " belongs to " + owner + ", but even root may not inspect "
                    + Scans.processes(fds.denied()) + ": it may run outside this container, or a security module"
                    + " (Yama ptrace_scope, SELinux, AppArmor) hides it";
        }
        boolean otherUser = me.isPresent() && !root && me.getAsInt() != r.uid();
        if (!fds.denied().isEmpty() || otherUser) {
            return "the process listening on " + l.display() + " belongs to " + owner
                    + ", whose processes this user may not inspect: run with sudo to see processes of other users";
        }
        return "no process visible here holds the socket on " + l.display() + " (owner " + owner + ", inode " + r.inode()
                + "): it may belong to a container or another PID namespace, or have just exited";
    }

    private void readTable(Path table, Set<Integer> ports, List<ProcNetTcp.Row> rows, List<String> notes) {
        List<String> lines;
        try {
            lines = Files.readAllLines(table, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            notes.add("could not read " + table + " (" + describe(e) + "): listeners in it are not shown");
            return;
        }
        for (String line : lines) {
            if (line.isBlank() || ProcNetTcp.header(line)) {
                continue;
            }
            try {
                ProcNetTcp.Row row = ProcNetTcp.parse(line, order);
                if (row.state() == ProcNetTcp.LISTEN && ports.contains(row.port())) {
                    rows.add(row);
                }
            } catch (IllegalArgumentException e) {
                notes.add("could not read a line of " + table + " (" + e.getMessage() + "): " + line.strip());
            }
        }
    }

    /** Whether {@code ::} sockets accept IPv4 too unless the program said otherwise (bindv6only = 0, the default). */
    private boolean dualStackDefault(List<String> notes) {
        Path file = proc.resolve("sys/net/ipv6/bindv6only");
        try {
            String value = Files.readString(file, StandardCharsets.US_ASCII).strip();
            return switch (value) {
                case "0" -> true;
                case "1" -> false;
                default -> {
                    notes.add(file + " says '" + value + "', expected 0 or 1: treating [::] listeners as IPv6-only");
                    yield false;
                }
            };
        } catch (IOException e) {
            notes.add("could not read " + file + " (" + describe(e) + "): treating [::] listeners as IPv6-only");
            return false;
        }
    }

    /**
     * @param owners inode to the lowest pid that holds it (the parent, when a server forks workers that share the socket)
     * @param denied pids whose fd table we may not read
     */
    private record FdScan(Map<Long, Long> owners, Set<Long> denied) {
    }

    /** One pass over {@code /proc/PID/fd} of every process, stopping as soon as every wanted inode has its owner. */
    private FdScan scanFds(Set<Long> inodes, List<String> notes) {
        Map<Long, Long> owners = new HashMap<>();
        Set<Long> denied = new HashSet<>();
        for (long pid : pids(notes)) {
            if (owners.size() == inodes.size()) {
                break;
            }
            Path fdDir = proc.resolve(pid + "/fd");
            try (DirectoryStream<Path> fds = Files.newDirectoryStream(fdDir)) {
                for (Path fd : fds) {
                    long inode = socketInode(fd);
                    if (inode >= 0 && inodes.contains(inode)) {
                        owners.putIfAbsent(inode, pid);
                    }
                }
            } catch (AccessDeniedException e) {
                denied.add(pid);
            } catch (NoSuchFileException e) {
                // the process exited while we looked (or a copied /proc has no fd table): it holds nothing any more
            } catch (IOException | DirectoryIteratorException e) {
                notes.add("could not read " + fdDir + " (" + describe(e) + ")");
            }
        }
        return new FdScan(owners, denied);
    }

    /** The inode of {@code socket:[12345]}, or -1 for any other file and for a descriptor closed meanwhile. */
    private static long socketInode(Path fd) throws IOException {
        String target;
        try {
            target = Files.readSymbolicLink(fd).toString();
        } catch (NoSuchFileException e) {
            return -1;
        }
        if (!target.startsWith("socket:[") || !target.endsWith("]")) {
            return -1;
        }
        try {
            return Long.parseLong(target, 8, target.length() - 1, 10);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Ascending, so that the first process found holding a shared socket is the one that opened it. */
    private List<Long> pids(List<String> notes) {
        try (Stream<Path> entries = Files.list(proc)) {
            return entries.map(p -> p.getFileName().toString())
                    .filter(n -> !n.isEmpty() && n.chars().allMatch(Character::isDigit))
                    .map(Long::parseLong)
                    .sorted()
                    .toList();
        } catch (IOException e) {
            notes.add("could not list " + proc + " (" + describe(e) + "): processes are not shown");
            return List.of();
        }
    }

    private Optional<OwnerProcess> owner(long pid, Map<Integer, String> users) {
        Path dir = proc.resolve(Long.toString(pid));
        try {
            String name = Files.readString(dir.resolve("comm"), StandardCharsets.UTF_8).strip();
            String commandLine = commandLine(dir);
            Optional<String> user = realUid(dir).map(users::get);
            return Optional.of(new OwnerProcess(pid, name, commandLine, user));
        } catch (IOException e) {
            // it exited between the fd scan and now
            return Optional.empty();
        }
    }

    /** {@code cmdline} separates arguments with NUL; a process that rewrote its title may use spaces instead. */
    private static String commandLine(Path dir) throws IOException {
        byte[] raw = Files.readAllBytes(dir.resolve("cmdline"));
        return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ').strip();
    }

    /** The first number of the {@code Uid:} line: real, effective, saved, filesystem. */
    private static Optional<Integer> realUid(Path dir) throws IOException {
        return uidField(Files.readAllLines(dir.resolve("status"), StandardCharsets.UTF_8), 1);
    }

    private static Optional<Integer> uidField(List<String> status, int field) {
        return status.stream()
                .filter(l -> l.startsWith("Uid:"))
                .findFirst()
                .map(l -> l.split("\\s+"))
                .filter(f -> f.length > field && !f[field].isEmpty() && f[field].chars().allMatch(Character::isDigit))
                .map(f -> Integer.parseInt(f[field]));
    }

    /** Ours, from the real {@code /proc} even when a test points {@link #proc} elsewhere: it is about who runs the scan. */
    private static OptionalInt effectiveUid() {
        try {
            return uidField(Files.readAllLines(Path.of("/proc/self/status")), 2).map(OptionalInt::of).orElse(OptionalInt.empty());
        } catch (IOException e) {
            // without it, a hidden owner is explained by what the fd scan saw, which is enough
            return OptionalInt.empty();
        }
    }

    @Override
    public ProcessScan running(Set<String> names) {
        Set<String> wanted = ProcessNames.normalise(names);
        List<String> notes = new ArrayList<>();
        if (wanted.isEmpty()) {
            return new ProcessScan(List.of(), notes);
        }
        Map<Integer, String> users = Passwd.read(passwd, notes);
        List<RunningProcess> found = new ArrayList<>();
        int unreadable = 0;
        for (long pid : pids(notes)) {
            Path dir = proc.resolve(Long.toString(pid));
            try {
                String name = Files.readString(dir.resolve("comm"), StandardCharsets.UTF_8).strip();
                String commandLine = commandLine(dir);
                List<String> hits = ProcessNames.matches(wanted, name, commandLine);
                if (!hits.isEmpty()) {
                    OwnerProcess p = new OwnerProcess(pid, name, commandLine, realUid(dir).map(users::get));
                    hits.forEach(h -> found.add(new RunningProcess(h, p)));
                }
            } catch (NoSuchFileException e) {
                // exited while we looked
            } catch (IOException e) {
                unreadable++;
            }
        }
        if (unreadable > 0) {
            notes.add(unreadable + " processes could not be read (is /proc mounted with hidepid?): "
                    + "run with sudo to see processes of other users");
        }
        found.sort(Comparator.comparingLong((RunningProcess r) -> r.process().pid()));
        return new ProcessScan(found, notes);
    }

    static String describe(Exception e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    /** uid to account name from {@code /etc/passwd}; accounts only in LDAP or sssd stay nameless. */
    static final class Passwd {
        private Passwd() {
        }

        static Map<Integer, String> read(Path file, List<String> notes) {
            Map<Integer, String> users = new HashMap<>();
            List<String> lines;
            try {
                lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                notes.add("could not read " + file + " (" + describe(e) + "): users are shown by uid only");
                return users;
            }
            for (String line : lines) {
                String[] f = line.split(":", -1);
                if (f.length >= 3 && !line.startsWith("#")) {
                    try {
                        users.putIfAbsent(Integer.parseInt(f[2]), f[0]);
                    } catch (NumberFormatException e) {
                        // a NIS "+" line or a broken entry: it names nobody we could match
                    }
                }
            }
            return users;
        }
    }
}
