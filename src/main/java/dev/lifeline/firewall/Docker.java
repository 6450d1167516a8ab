package dev.lifeline.firewall;

import dev.lifeline.os.Shell;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Docker-published ports bypass ufw: they are DNATed in PREROUTING and then go through FORWARD, never INPUT, so
 * {@code ufw deny} does nothing for them. Docker is found by a {@code docker-proxy} process holding the port or by a
 * DNAT rule for the port in the nat table's {@code DOCKER} chain; a port published on 127.0.0.1 only is not exposed.
 * A {@code DOCKER-USER} rule that drops the port for everyone but some sources is the one thing that filters it.
 */
final class Docker {
    private Docker() {
    }

    static ToolReport detect(Shell shell, int port, List<List<String>> processCommandLines, boolean ufwActive) {
        List<String> evidence = new ArrayList<>();
        boolean published = false;
        for (List<String> argv : processCommandLines) {
            Optional<String> hostIp = proxyHostIp(argv, port);
            if (hostIp.isPresent()) {
                evidence.add("docker-proxy holds port " + port + ": " + String.join(" ", argv));
                published |= !isLoopback(hostIp.get());
            }
        }
        Shell.Result nat = shell.run("iptables", "-t", "nat", "-S", "DOCKER");
        if (nat.ok()) {
            for (String line : nat.lines()) {
                if (dnatsPort(line, port)) {
                    evidence.add(line.strip());
                    published |= !line.contains("-d 127.");
                }
            }
        }
        if (!published) {
            return ToolReport.inactive(Tool.DOCKER, evidence.isEmpty()
                    ? "Docker does not publish port " + port
                    : "Docker publishes port " + port + " on loopback only");
        }
        Verdict verdict = Verdict.OPEN;
        Shell.Result user = shell.run("iptables", "-S", "DOCKER-USER");
        if (user.ok()) {
            List<String> sources = new ArrayList<>();
            for (String line : user.lines()) {
                List<String> w = Iptables.tokens(line);
                if (line.contains("--ctorigdstport " + port) || line.contains("--dport " + port)) {
                    int s = w.indexOf("-s");
                    if (s > 0 && w.get(s - 1).equals("!") && (line.contains("-j DROP") || line.contains("-j REJECT"))) {
                        sources.add(w.get(s + 1));
                        evidence.add(line.strip());
                        verdict = new Verdict.AllowedFrom(sources,
                                line.contains("-j DROP") ? Verdict.DROPPED : Verdict.REJECTED);
                    }
                }
            }
        }
        List<String> notes = new ArrayList<>();
        List<String> fixes = new ArrayList<>();
        if (ufwActive) {
            notes.add("Docker publishes port " + port + " and bypasses ufw: ufw rules for it have no effect");
        }
        if (verdict instanceof Verdict.Open) {
            fixes.add("publish on loopback only: docker run -p 127.0.0.1:" + port + ":" + port + " ...");
            fixes.add("or allow only your LAN: sudo iptables -I DOCKER-USER -p tcp -m conntrack --ctorigdstport "
                    + port + " ! -s SUBNET -j DROP");
        }
        return new ToolReport(Tool.DOCKER, true, verdict, verdict, evidence, fixes, notes);
    }

    /** The host address a {@code docker-proxy -proto tcp -host-ip X -host-port P ...} command line publishes on. */
    static Optional<String> proxyHostIp(List<String> argv, int port) {
        if (argv.isEmpty() || !Path.of(argv.getFirst()).getFileName().toString().equals("docker-proxy")) {
            return Optional.empty();
        }
        String proto = value(argv, "-proto").orElse("tcp");
        if (!proto.equals("tcp") || !value(argv, "-host-port").map(p -> p.equals(String.valueOf(port))).orElse(false)) {
            return Optional.empty();
        }
        return Optional.of(value(argv, "-host-ip").orElse("0.0.0.0"));
    }

    private static Optional<String> value(List<String> argv, String flag) {
        int i = argv.indexOf(flag);
        return i >= 0 && i + 1 < argv.size() ? Optional.of(argv.get(i + 1)) : Optional.empty();
    }

    static boolean dnatsPort(String line, int port) {
        List<String> w = Iptables.tokens(line);
        int d = w.indexOf("--dport");
        return w.contains("DNAT") && d >= 0 && d + 1 < w.size() && PortList.contains(w.get(d + 1), port);
    }

    private static boolean isLoopback(String ip) {
        return ip.startsWith("127.") || ip.equals("::1");
    }

    /** The argv of every {@code docker-proxy} process, from {@code /proc/<pid>/cmdline} (readable without root). */
    static List<List<String>> dockerProxies() {
        List<List<String>> all = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).forEach(p -> {
                try {
                    if (!Files.readString(p.resolve("comm")).strip().equals("docker-proxy")) {
                        return;
                    }
                    byte[] raw = Files.readAllBytes(p.resolve("cmdline"));
                    if (raw.length > 0) {
                        all.add(List.of(new String(raw, StandardCharsets.UTF_8).split("\0")));
                    }
                } catch (IOException | RuntimeException e) {
                    // the process ended or is not ours to read
                }
            });
        } catch (IOException e) {
            return List.of();
        }
        return all;
    }
}
