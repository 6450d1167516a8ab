package dev.lifeline.doctor.listen;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.regex.Pattern;

/** Address text in and out: the RFC 5952 short form people recognise, and the {@code host:port} that tools print. */
public final class Addresses {
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    private Addresses() {
    }

    /** {@code 127.0.0.1:80}, {@code [::1]:80}: Java's own form would be {@code 0:0:0:0:0:0:0:1}, which nobody types. */
    public static String withPort(InetAddress address, int port) {
        return address instanceof Inet4Address ? address.getHostAddress() + ":" + port : "[" + format(address) + "]:" + port;
    }

    /** The RFC 5952 text of an address: lower case, the longest run of two or more zero groups as {@code ::}, no scope. */
    public static String format(InetAddress address) {
        byte[] b = address.getAddress();
        if (b.length == 4) {
            return address.getHostAddress();
        }
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                s.append("::");
                i += bestLength - 1;
                continue;
            }
            if (!s.isEmpty() && s.charAt(s.length() - 1) != ':') {
                s.append(':');
            }
            s.append(Integer.toHexString(groups[i]));
        }
        return s.toString();
    }

    /** A socket address as {@code lsof} and {@code netstat} print it. */
    record HostPort(InetAddress address, int port) {
    }

    /**
     * Reads {@code 127.0.0.1:11434}, {@code [::1]:11434}, {@code [fe80::1%12]:5353} or {@code *:11434} ({@code *} is the
     * IPv6 wildcard when {@code starIsIpv6}, else 0.0.0.0). Only numeric addresses are accepted, so this never asks DNS.
     */
    static Optional<HostPort> parseHostPort(String text, boolean starIsIpv6) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            return Optional.empty();
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        if (port < 0 || port > 65535) {
            return Optional.empty();
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int percent = host.indexOf('%');
        if (percent >= 0) {
            host = host.substring(0, percent);
        }
        if (host.equals("*")) {
            host = starIsIpv6 ? "::" : "0.0.0.0";
        }
        if (!IPV4.matcher(host).matches() && !IPV6.matcher(host).matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new HostPort(InetAddress.getByName(host), port));
        } catch (UnknownHostException e) {
            // only reached for malformed literals such as "1:2:3": the caller reports the whole line as unreadable
            return Optional.empty();
        }
    }
}
