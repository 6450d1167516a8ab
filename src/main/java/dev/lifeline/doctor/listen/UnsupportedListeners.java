package dev.lifeline.doctor.listen;

import java.util.List;
import java.util.Set;

/** An OS we have no way to look at (FreeBSD, AIX...): says so rather than pretending every port is free. */
final class UnsupportedListeners implements Listeners {
    private final String osName;

    UnsupportedListeners(String osName) {
        this.osName = osName;
    }

    @Override
    public ListenerScan listening(Set<Integer> ports) {
        Scans.checkPorts(ports);
        return new ListenerScan(List.of(), List.of(
                "cannot see listening sockets on " + osName + ": only Linux, macOS and Windows are supported"));
    }

    @Override
    public ProcessScan running(Set<String> names) {
        return new ProcessScan(List.of(), List.of(
                "cannot list processes on " + osName + ": only Linux, macOS and Windows are supported"));
    }
}
