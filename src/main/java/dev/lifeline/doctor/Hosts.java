package dev.lifeline.doctor;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.Collections;
import java.util.Locale;

/** Whether a host is this machine, where the doctor can see who listens. */
final class Hosts {
    private Hosts() {
    }

    static boolean isLocal(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.equals("localhost") || h.endsWith(".localhost")) {
            return true;
        }
        if (!literal(h)) {
            return false;
        }
        try {
            InetAddress a = InetAddress.getByName(h);
            if (a.isLoopbackAddress() || a.isAnyLocalAddress()) {
                return true;
            }
            for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (Collections.list(nif.getInetAddresses()).contains(a)) {
                    return true;
                }
            }
            return false;
        } catch (UnknownHostException | SocketException e) {
            return false;
        }
    }

    /** An IP address written out, which resolving does not send to DNS. */
    static boolean literal(String host) {
        return host.matches("[0-9.]+") || host.contains(":");
    }
}
