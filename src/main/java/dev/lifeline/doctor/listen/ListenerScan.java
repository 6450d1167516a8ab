package dev.lifeline.doctor.listen;

import java.util.List;

/**
 * What one look at the listening sockets found.
 *
 * @param listeners the sockets in LISTEN state on the ports asked for, by port and then address
 * @param notes     what could not be seen and why, in words a user can act on ("run with sudo to see processes of other
 *                  users"); empty when the picture is complete. A port without listeners and without notes is free.
 */
public record ListenerScan(List<Listener> listeners, List<String> notes) {
    public ListenerScan {
        listeners = List.copyOf(listeners);
        notes = List.copyOf(notes);
    }

    /** The listeners on one port; empty when nothing (visible) listens there. */
    public List<Listener> on(int port) {
        return listeners.stream().filter(l -> l.port() == port).toList();
    }
}
