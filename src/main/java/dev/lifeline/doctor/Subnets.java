package dev.lifeline.doctor;

import dev.lifeline.doctor.listen.Addresses;
import dev.lifeline.firewall.Cidr;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * This machine's own networks and addresses, so that a printed fix names them rather than a placeholder a user might
 * paste unchanged (a wrong subnet in an allow rule lets the wrong machines in).
 */
final class Subnets {
    private Subnets() {
    }

    /** The IPv4 networks of this machine's up, non-loopback interfaces: {@code 192.168.1.0/24}. */
    static List<String> local() {
        List<String> out = new ArrayList<>();
        try {
            for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!nif.isUp() || nif.isLoopback()) {
                    continue;
                }
                for (InterfaceAddress a : nif.getInterfaceAddresses()) {
                    if (a.getAddress() instanceof Inet4Address v4 && a.getNetworkPrefixLength() > 0 && a.getNetworkPrefixLength() < 32) {
                        out.add(Cidr.parse(v4.getHostAddress() + "/" + a.getNetworkPrefixLength()).toString());
                    }
                }
            }
        } catch (SocketException e) {
            return List.of();
        }
        return out.stream().distinct().toList();
    }

    /**
     * The address this machine would send from to reach {@code host}: a UDP socket "connected" to it picks the route and
     * the source address without sending a packet.
     */
    static Optional<String> sourceToward(String host, int port) {
        try (DatagramSocket s = new DatagramSocket()) {
            s.connect(new InetSocketAddress(InetAddress.getByName(host), port));
            InetAddress a = s.getLocalAddress();
            return a.isAnyLocalAddress() ? Optional.empty() : Optional.of(Addresses.format(a));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
