package dev.lifeline.harden;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where Ollama listens: {@code OLLAMA_HOST} as an IP address and port. Host names are refused: what they resolve to can
 * change after the check, and a name that now means 127.0.0.1 could later mean a public address.
 *
 * @param host an IPv4 address or an IPv6 address (without brackets)
 * @param port 1 to 65535
 */
public record Listen(String host, int port) {
    private static final Pattern FORM = Pattern.compile("(?:\\[([0-9A-Fa-f:.]+)\\]|([0-9.]+)):([0-9]{1,5})");
    /** A host name and a port: refused with a reason of its own, not as "not an address". */
    private static final Pattern NAME = Pattern.compile("([A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*):([0-9]{1,5})");
    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");

    public Listen {
        Objects.requireNonNull(host, "host");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port);
        }
    }

    /** {@code 127.0.0.1:11434}, {@code [::1]:11434}, or empty with the reason added to {@code problems}. */
    public static Optional<Listen> parse(String text, List<String> problems) {
        Matcher m = FORM.matcher(text);
        String expected = " (expected: ADDRESS:PORT, such as 127.0.0.1:11434, 10.0.0.5:11434 or [::1]:11434 with IPv6 in brackets)";
        if (!m.matches()) {
            Matcher named = NAME.matcher(text);
            if (named.matches() && !named.group(1).matches("[0-9.]+")) {
                String instead = named.group(1).equalsIgnoreCase("localhost") ? "127.0.0.1:" + named.group(2)
                        : "10.0.0.5:" + named.group(2) + ", or [::1]:" + named.group(2) + " with IPv6 in brackets";
                problems.add("--listen " + text + ": host names are refused, since what they resolve to can change"
                        + " (expected: an IP address, such as " + instead + ")");
                return Optional.empty();
            }
            problems.add("--listen " + text + ": not an address and port" + expected);
            return Optional.empty();
        }
        int port = Integer.parseInt(m.group(3));
        if (port < 1 || port > 65535) {
            problems.add("--listen " + text + ": port " + port + " (expected: 1-65535)");
            return Optional.empty();
        }
        String host = m.group(1) != null ? m.group(1) : m.group(2);
        if (m.group(1) != null) {
            if (!host.contains(":") || !isLiteral(host)) {
                problems.add("--listen " + text + ": " + host + " is not an IPv6 address" + expected);
                return Optional.empty();
            }
        } else if (!IPV4.matcher(host).matches()) {
            problems.add("--listen " + text + ": " + host + " is not an IPv4 address" + expected);
            return Optional.empty();
        }
        return Optional.of(new Listen(host, port));
    }

    /** Only this machine can connect: 127.0.0.0/8 or ::1. */
    public boolean loopback() {
        return address().map(InetAddress::isLoopbackAddress).orElse(false);
    }

    /** 0.0.0.0 or ::, every interface. */
    public boolean wildcard() {
        return address().map(InetAddress::isAnyLocalAddress).orElse(false);
    }

    /** The URL a client on this machine uses: 0.0.0.0 is not a destination (Windows refuses it), 127.0.0.1 is. */
    public String localUrl() {
        String h = wildcard() ? (host.contains(":") ? "[::1]" : "127.0.0.1") : host.contains(":") ? "[" + host + "]" : host;
        return "http://" + h + ":" + port;
    }

    /** As {@code OLLAMA_HOST} takes it. */
    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    private Optional<InetAddress> address() {
        try {
            return Optional.of(InetAddress.getByName(host)); // a literal: no lookup
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    private static boolean isLiteral(String v6) {
        try {
            return InetAddress.getByName(v6) instanceof Inet6Address; // only hex digits, colons and dots reach here: no lookup
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
