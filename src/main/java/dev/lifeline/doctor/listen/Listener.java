package dev.lifeline.doctor.listen;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One listening TCP socket.
 *
 * <p>The address decides who can connect, which is what "connection refused" is often about: a server on
 * {@code 127.0.0.1} refuses a client that resolved {@code localhost} to {@code ::1}, and one on {@code ::1} refuses
 * {@code 127.0.0.1}. {@link #accepts(InetAddress)} answers that question for an address of this machine.
 *
 * @param address   the local address it is bound to; IPv4-mapped IPv6 addresses ({@code ::ffff:127.0.0.1}) are shown as
 *                  the IPv4 address they accept
 * @param port      the TCP port
 * @param dualStack true when this is an IPv6 wildcard ({@code ::}) socket that also accepts IPv4 connections. On Linux
 *                  this is the system default ({@code /proc/sys/net/ipv6/bindv6only} = 0); a program can override it
 *                  per socket, which {@code /proc/net/tcp6} does not show (Java and Go ask for dual-stack explicitly).
 *                  On Windows it is always false: a dual-stack socket appears there as a separate {@code 0.0.0.0} entry.
 * @param uid       the numeric owner of the socket; empty when the platform does not say (Windows)
 * @param user      the account name of that owner; empty when unknown
 * @param process   the process that holds it; empty when the OS did not let us see it (see the scan's notes for why)
 */
public record Listener(InetAddress address, int port, boolean dualStack, OptionalInt uid, Optional<String> user,
        Optional<OwnerProcess> process) {
    public Listener {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(uid, "uid");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(process, "process");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port);
        }
        if (dualStack && !(address instanceof Inet6Address && address.isAnyLocalAddress())) {
            throw new IllegalArgumentException("only an IPv6 wildcard socket can be dual-stack, not " + address);
        }
    }

    /** Only this machine can connect (127.0.0.0/8 or ::1). */
    public boolean loopbackOnly() {
        return address.isLoopbackAddress();
    }

    /** Bound to 0.0.0.0 or ::, so every interface of its family (both families when {@link #dualStack()}). */
    public boolean allInterfaces() {
        return address.isAnyLocalAddress();
    }

    public boolean ipv6() {
        return address instanceof Inet6Address;
    }

    /**
     * Whether a connection to {@code destination}, an address of this machine, reaches this socket. A client dialling
     * an address the machine does not have never gets here, so that case is not checked.
     */
    public boolean accepts(InetAddress destination) {
        Objects.requireNonNull(destination, "destination");
        if (address.equals(destination)) {
            return true;
        }
        if (!allInterfaces()) {
            return false;
        }
        if (address instanceof Inet4Address) {
            return destination instanceof Inet4Address;
        }
        return destination instanceof Inet6Address || dualStack;
    }

    /**
     * The {@code host:port} of a URL that reaches this socket from this machine: its own address ({@code [::1]:11434}),
     * or for a wildcard socket the loopback address of its family ({@code 127.0.0.1:11434} for 0.0.0.0,
     * {@code [::1]:11434} for ::, which works whether or not it is dual-stack).
     */
    public String localAuthority() {
        if (!allInterfaces()) {
            return Addresses.withPort(address, port);
        }
        return address instanceof Inet4Address ? "127.0.0.1:" + port : "[::1]:" + port;
    }

    /**
     * {@code 127.0.0.1:11434}, {@code [::1]:11434}, {@code 0.0.0.0:11434}; a dual-stack {@code ::} socket is
     * {@code *:11434} (every address of both families, as {@code ss} writes it) and an IPv6-only one {@code [::]:11434}.
     */
    public String display() {
        if (dualStack) {
            return "*:" + port;
        }
        return Addresses.withPort(address, port);
    }
}
