package dev.lifeline.doctor.listen;

import dev.lifeline.os.Shell;

import java.util.Locale;
import java.util.Set;

/**
 * Looks at this machine's listening TCP sockets and processes, the way the OS lets an ordinary user: {@code /proc} on
 * Linux, {@code lsof} and {@code ps} on macOS, {@code netstat} and {@code tasklist} on Windows. What it cannot see is
 * said in the result's notes; nothing here throws because a tool is missing or a permission is denied.
 */
public sealed interface Listeners permits LinuxListeners, MacListeners, WindowsListeners, UnsupportedListeners {

    /** The implementation for the OS this JVM runs on. */
    /** The tools' runner: a short wait, since a scan is a handful of quick commands. */
    private static Shell shell() {
        return Shell.local().withTimeout(java.time.Duration.ofSeconds(2));
    }

    static Listeners forThisMachine() {
        String osName = System.getProperty("os.name", "");
        String os = osName.toLowerCase(Locale.ROOT);
        if (os.startsWith("linux")) {
            return new LinuxListeners();
        }
        if (os.startsWith("mac") || os.startsWith("darwin")) {
            return new MacListeners(Listeners.shell(), MacListeners.runningAsRoot());
        }
        if (os.startsWith("windows")) {
            return new WindowsListeners(Listeners.shell());
        }
        return new UnsupportedListeners(osName);
    }

    /**
     * The sockets in LISTEN state on any of {@code ports}, with their owners, from one look at the system: scanning
     * the doctor's handful of ports in one call costs what one port costs.
     *
     * @throws IllegalArgumentException for a number that is not a TCP port (1 to 65535)
     */
    ListenerScan listening(Set<Integer> ports);

    default ListenerScan listening(int port) {
        return listening(Set.of(port));
    }

    /**
     * The processes that go by any of {@code names} (compared without case): a process's own name, its program's file
     * name without {@code .exe}, or the script or module a Python interpreter runs, so {@code vllm} finds
     * {@code python3 -m vllm.entrypoints.openai.api_server}. Linux cuts names to 15 characters; a cut name matches the
     * names it is the start of ({@code text-generation} matches {@code text-generation-launcher}).
     */
    ProcessScan running(Set<String> names);
}
