package dev.lifeline.doctor;

import dev.lifeline.config.Durations;
import dev.lifeline.doctor.listen.Addresses;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Locale;

/**
 * One TCP connect to one address, and how it came out. The difference between the outcomes is the diagnosis: a refusal
 * comes back at once (nothing listens, or a reject rule), a timeout means the SYN was dropped on the way (a firewall),
 * "no route" is an ICMP reject (firewalld's default) or a network that is not there.
 */
record Connect(InetAddress address, int port, Outcome outcome, Duration took, String detail) {

    enum Outcome {
        OPEN("accepts connections"),
        /** The handshake completed and the server hung up at once: something listens, and the HTTP look says more. */
        RESET("accepted, then reset"),
        REFUSED("connection refused"),
        TIMEOUT("connect timed out"),
        UNREACHABLE("no route to host"),
        NO_NETWORK("network unreachable");

        private final String words;

        Outcome(String words) {
            this.words = words;
        }

        String words() {
            return words;
        }
    }

    static Connect to(InetAddress address, int port, Duration timeout) {
        long start = System.nanoTime();
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, port), (int) timeout.toMillis());
            return new Connect(address, port, Outcome.OPEN, since(start), "");
        } catch (SocketTimeoutException e) {
            return new Connect(address, port, Outcome.TIMEOUT, since(start), "no answer within " + Durations.words(timeout));
        } catch (NoRouteToHostException e) {
            return new Connect(address, port, Outcome.UNREACHABLE, since(start), message(e));
        } catch (ConnectException e) {
            String m = message(e).toLowerCase(Locale.ROOT);
            Outcome o = m.contains("unreachable") ? Outcome.NO_NETWORK : m.contains("no route") ? Outcome.UNREACHABLE : Outcome.REFUSED;
            return new Connect(address, port, o, since(start), message(e));
        } catch (IOException e) {
            String m = message(e).toLowerCase(Locale.ROOT);
            Outcome o = m.contains("reset") ? Outcome.RESET
                    : m.contains("unreachable") || m.contains("cannot assign") || m.contains("protocol family") ? Outcome.NO_NETWORK
                    // an ICMPv6 "administratively prohibited" arrives as EACCES: a firewall's reject
                    : m.contains("route") || m.contains("permission denied") ? Outcome.UNREACHABLE : Outcome.REFUSED;
            return new Connect(address, port, o, since(start), message(e));
        }
    }

    /** Something listens there: the connection was accepted, even if it was reset straight after. */
    boolean open() {
        return outcome == Outcome.OPEN || outcome == Outcome.RESET;
    }

    /** {@code 127.0.0.1:11434} or {@code [::1]:11434}. */
    String where() {
        return where(address, port);
    }

    static String where(InetAddress a, int port) {
        return Addresses.withPort(a, port);
    }

    /** {@code [::1]:11434: connection refused (0 ms)}: one line of evidence. */
    String line() {
        return where() + ": " + outcome.words() + " (" + took.toMillis() + " ms)";
    }

    private static Duration since(long start) {
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private static String message(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
