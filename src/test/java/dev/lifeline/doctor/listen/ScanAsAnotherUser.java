package dev.lifeline.doctor.listen;

import java.util.Set;

/**
 * Runs a scan and prints it, one line per listener and note, for {@link LinuxListenersTest} to start as another user
 * (the point is what an unprivileged user can see, which a test running as root cannot otherwise observe).
 */
final class ScanAsAnotherUser {
    private ScanAsAnotherUser() {
    }

    public static void main(String[] args) {
        ListenerScan scan = new LinuxListeners().listening(Set.of(Integer.parseInt(args[0])));
        for (Listener l : scan.listeners()) {
            System.out.println("listener " + l.display() + " uid=" + (l.uid().isPresent() ? l.uid().getAsInt() : "-")
                    + " user=" + l.user().orElse("-") + " pid=" + l.process().map(p -> String.valueOf(p.pid())).orElse("-"));
        }
        scan.notes().forEach(n -> System.out.println("note " + n));
    }
}
