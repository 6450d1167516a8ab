package dev.lifeline.doctor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The traps around the server rather than in it: a proxy that swallows {@code localhost} calls, a container whose
 * {@code localhost} is itself, WSL 2's NAT. Read from the environment the doctor was started in, which is the one the
 * user's apps start in.
 *
 * @param env  the environment variables
 * @param root the file system root ({@code /}), a folder in tests
 */
record Environment(Map<String, String> env, Path root) {
    static final String TARGET = "environment";
    private static final List<String> PROXIES = List.of("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY");

    boolean inContainer() {
        if (Files.exists(root.resolve(".dockerenv")) || Files.exists(root.resolve("run/.containerenv"))) {
            return true;
        }
        return read("proc/1/cgroup").map(c -> c.matches("(?s).*(docker|kubepods|containerd|libpod).*")).orElse(false);
    }

    boolean inWsl() {
        return env.containsKey("WSL_DISTRO_NAME")
                || read("proc/sys/kernel/osrelease").map(r -> r.toLowerCase(Locale.ROOT).contains("microsoft")).orElse(false);
    }

    /**
     * The findings; {@code hosts} are the local servers' hosts, which a proxy must leave alone too. Where the server
     * runs is only worth a line when something could not be reached: a container's localhost is the reason then.
     */
    List<Finding> findings(Set<String> hosts, boolean unreached) {
        List<Finding> out = new ArrayList<>();
        proxy(hosts).ifPresent(out::add);
        if (unreached && inContainer()) {
            out.add(new Finding(TARGET, "env.container", Severity.INFO, "running inside a container: localhost here is the container, not the host",
                    List.of(Files.exists(root.resolve(".dockerenv")) ? "/.dockerenv exists" : "the container runtime's marker is present"),
                    List.of("a model server on the host machine is at http://host.docker.internal:11434 (on Linux start the container with"
                                    + " --add-host=host.docker.internal:host-gateway)",
                            "and the server must listen on an address the container reaches (not only 127.0.0.1 of the host)")));
        }
        if (unreached && inWsl()) {
            out.add(new Finding(TARGET, "env.wsl", Severity.INFO, "running in WSL: localhost is the Linux VM, not Windows",
                    List.of("kernel release mentions Microsoft"),
                    List.of("a server on Windows: set networkingMode=mirrored in %UserProfile%\\.wslconfig and restart WSL (wsl --shutdown)",
                            "or bind the Windows server to 0.0.0.0, allow the port in Windows Defender Firewall, and use the Windows host's IP"
                                    + " (ip route show default | awk '{print $3}')")));
        }
        Optional.ofNullable(env.get("OLLAMA_HOST")).filter(h -> !h.isBlank()).ifPresent(h -> out.add(new Finding(TARGET, "env.ollama-host",
                Severity.INFO, "OLLAMA_HOST=" + h + " is set: the ollama CLI and Ollama's client libraries started here go there",
                List.of("clients turn 0.0.0.0 into 127.0.0.1 and :: into ::1"), List.of())));
        return out;
    }

    /** A proxy in the environment that loopback calls would go through: many clients honour it for localhost too. */
    private Optional<Finding> proxy(Set<String> hosts) {
        List<String> set = PROXIES.stream().filter(k -> !env.getOrDefault(k, "").isBlank()).toList();
        if (set.isEmpty()) {
            return Optional.empty();
        }
        String noProxyName = env.containsKey("NO_PROXY") || !env.containsKey("no_proxy") ? "NO_PROXY" : "no_proxy";
        String noProxy = env.getOrDefault(noProxyName, "");
        Set<String> exempt = new LinkedHashSet<>();
        Arrays.stream(noProxy.split(",")).map(String::strip).filter(s -> !s.isEmpty()).forEach(exempt::add);
        Set<String> needed = new LinkedHashSet<>(List.of("localhost", "127.0.0.1", "::1"));
        hosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).forEach(needed::add);
        List<String> missing = needed.stream().filter(h -> !covered(h, exempt)).toList();
        List<String> evidence = new ArrayList<>(set.stream().map(k -> k + " is set").toList());
        evidence.add(noProxy.isEmpty() ? "NO_PROXY is not set" : noProxyName + "=" + noProxy);
        if (missing.isEmpty()) {
            return Optional.of(new Finding(TARGET, "env.proxy-ok", Severity.OK, "a proxy is set, and NO_PROXY keeps local servers off it", evidence, List.of()));
        }
        Set<String> fixed = new LinkedHashSet<>(exempt);
        fixed.addAll(missing);
        String list = String.join(",", fixed);
        return Optional.of(new Finding(TARGET, "env.proxy", Severity.WARN,
                "a proxy is set and NO_PROXY does not name " + String.join(", ", missing) + ": clients send local calls to the proxy",
                Finding.plus(evidence, "the symptom: 502, 403 or a \"Privoxy error\" page from a server that runs fine"),
                List.of("export NO_PROXY=" + list + " no_proxy=" + list + "   (and in the service's environment)")));
    }

    private static boolean covered(String host, Set<String> exempt) {
        for (String e : exempt) {
            String x = e.toLowerCase(Locale.ROOT);
            if (x.equals("*") || x.equals(host) || x.startsWith(".") && host.endsWith(x) || host.endsWith("." + x)
                    || x.equals("127.0.0.0/8") && host.startsWith("127.")) {
                return true;
            }
        }
        return false;
    }

    private Optional<String> read(String relative) {
        try {
            return Optional.of(Files.readString(root.resolve(relative)));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
