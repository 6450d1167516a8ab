package dev.lifeline.firewall;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An IPv4 or IPv6 network, {@code 10.0.0.0/24} or {@code fd00::/64}; a single host is a full-length prefix.
 *
 * <p>Parsing is done here rather than with {@link java.net.InetAddress}, because {@code InetAddress.getByName} falls
 * back to DNS for anything that is not a literal, and a firewall rule must never depend on what a name resolved to
 * on the day it was written. Host bits are always cleared: nft refuses a set element with host bits ("interval
 * overlaps") while other tools silently clear them, so the plan says what it did instead of letting each tool decide.
 *
 * @param family  IPv4 or IPv6
 * @param address the network address as an unsigned number, host bits zero
 * @param prefix  the prefix length, 0 to {@code family.bits()()}
 */
public record Cidr(Family family, BigInteger address, int prefix) implements Comparable<Cidr> {
    private static final Pattern V4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\\.?");

    public Cidr {
        Objects.requireNonNull(family);
        Objects.requireNonNull(address);
        if (prefix < 0 || prefix > family.bits()) {
            throw new IllegalArgumentException("prefix /" + prefix + " is out of range for " + family.label() + " (0-" + family.bits() + ")");
        }
        if (address.signum() < 0 || address.bitLength() > family.bits()) {
            throw new IllegalArgumentException("address out of range for " + family.label());
        }
        if (!address.equals(network(address, prefix, family))) {
            throw new IllegalArgumentException("host bits set in " + format(family, address) + "/" + prefix);
        }
    }

    /** Parses like {@link #parse(String, Consumer)}, dropping the note about cleared host bits. */
    public static Cidr parse(String text) {
        return parse(text, note -> {
        });
    }

    /**
     * Parses {@code 10.0.0.0/24}, {@code 192.168.1.5} (a /32), {@code fd00::/64} or {@code ::1} (a /128). Host bits are
     * cleared, and {@code notes} is told so. Host names are refused, never resolved.
     *
     * @throws IllegalArgumentException with a message fit to follow the text the user typed
     */
    public static Cidr parse(String text, Consumer<String> notes) {
        String s = text.strip();
        int slash = s.indexOf('/');
        String addressText = slash < 0 ? s : s.substring(0, slash);
        Family family;
        BigInteger address;
        if (V4.matcher(addressText).matches()) {
            family = Family.IPV4;
            address = parseV4(addressText);
        } else if (addressText.contains(":")) {
            family = Family.IPV6;
            address = parseV6(addressText);
        } else {
            address = null;
            family = null;
        }
        if (address == null) {
            boolean looksLikeName = HOST_NAME.matcher(addressText).matches() && addressText.chars().anyMatch(Character::isLetter);
            throw new IllegalArgumentException("not an IPv4 or IPv6 address"
                    + (looksLikeName ? " (host names are not resolved: give an address or a subnet)" : ""));
        }
        if (family == Family.IPV6 && address.shiftRight(32).equals(BigInteger.valueOf(0xffffL))) {
            throw new IllegalArgumentException("an IPv4-mapped IPv6 address never matches a packet: write it as IPv4 ("
                    + format(Family.IPV4, address.and(mask(32))) + ")");
        }
        int prefix = family.bits();
        if (slash >= 0) {
            String p = s.substring(slash + 1);
            if (!p.matches("\\d{1,3}")) {
                throw new IllegalArgumentException("the prefix after / must be a number (0-" + family.bits() + ")");
            }
            prefix = Integer.parseInt(p);
            if (prefix > family.bits()) {
                throw new IllegalArgumentException("prefix /" + prefix + " is out of range for " + family.label() + " (0-" + family.bits() + ")");
            }
        }
        BigInteger network = network(address, prefix, family);
        Cidr cidr = new Cidr(family, network, prefix);
        if (!network.equals(address)) {
            notes.accept(s + " has host bits set; using " + cidr);
        }
        return cidr;
    }

    /** The network {@code text} denotes, or empty when it is not an address literal (firewalls also print names and sets). */
    public static java.util.Optional<Cidr> literal(String text) {
        try {
            return java.util.Optional.of(parse(text));
        } catch (IllegalArgumentException e) {
            return java.util.Optional.empty();
        }
    }

    /** The smaller of two networks as written when one contains the other; empty when they are disjoint or not literals. */
    public static java.util.Optional<String> intersection(String a, String b) {
        if (a.equals(b)) {
            return java.util.Optional.of(a);
        }
        java.util.Optional<Cidr> x = literal(a);
        java.util.Optional<Cidr> y = literal(b);
        if (x.isEmpty() || y.isEmpty()) {
            return java.util.Optional.empty();
        }
        if (x.get().contains(y.get())) {
            return java.util.Optional.of(b);
        }
        return y.get().contains(x.get()) ? java.util.Optional.of(a) : java.util.Optional.empty();
    }

    /** Whether every address of {@code other} is also in this network. */
    public boolean contains(Cidr other) {
        if (family != other.family || other.prefix < prefix) {
            return false;
        }
        return network(other.address, prefix, family).equals(address);
    }

    /** A single address: /32 or /128. */
    public boolean isHost() {
        return prefix == family.bits();
    }

    /** {@code 0.0.0.0/0} or {@code ::/0}. */
    public boolean isEverything() {
        return prefix == 0;
    }

    /** Inside {@code 127.0.0.0/8} or {@code ::1}: always allowed anyway. */
    public boolean isLoopback() {
        return LOOPBACK.stream().anyMatch(l -> l.contains(this));
    }

    /**
     * Inside a range that is never routed on the public internet: RFC 1918, CGNAT (100.64/10, used by Tailscale),
     * link-local, unique-local (fc00::/7). Anything else is worth a second look before it reaches a firewall.
     */
    public boolean isPrivate() {
        return PRIVATE.stream().anyMatch(p -> p.contains(this));
    }

    /** The network address alone, without the prefix: {@code 10.0.0.0}, {@code fd00::}. */
    public String addressText() {
        return format(family, address);
    }

    /** {@code 10.0.0.0/24}, {@code fd00::/64}; a host without prefix ({@code 192.168.1.5}), which every tool accepts. */
    @Override
    public String toString() {
        return isHost() ? addressText() : addressText() + "/" + prefix;
    }

    /** IPv4 before IPv6, then by address, then the wider network first. */
    @Override
    public int compareTo(Cidr o) {
        int c = family.compareTo(o.family);
        if (c == 0) {
            c = address.compareTo(o.address);
        }
        return c != 0 ? c : Integer.compare(prefix, o.prefix);
    }

    private static final List<Cidr> LOOPBACK = List.of(parse("127.0.0.0/8"), parse("::1"));
    private static final List<Cidr> PRIVATE = List.of(parse("10.0.0.0/8"), parse("172.16.0.0/12"), parse("192.168.0.0/16"),
            parse("100.64.0.0/10"), parse("169.254.0.0/16"), parse("127.0.0.0/8"), parse("fc00::/7"), parse("fe80::/10"), parse("::1"));

    private static BigInteger mask(int bits) {
        return BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE);
    }

    private static BigInteger network(BigInteger address, int prefix, Family family) {
        int hostBits = family.bits() - prefix;
        return address.shiftRight(hostBits).shiftLeft(hostBits);
    }

    private static BigInteger parseV4(String text) {
        Matcher m = V4.matcher(text);
        if (!m.matches()) {
            return null;
        }
        long value = 0;
        for (int i = 1; i <= 4; i++) {
            String part = m.group(i);
            // a leading zero reads as octal to inet_aton (010 = 8), so refuse it rather than guess
            if (part.length() > 1 && part.charAt(0) == '0') {
                return null;
            }
            int octet = Integer.parseInt(part);
            if (octet > 255) {
                return null;
            }
            value = value << 8 | octet;
        }
        return BigInteger.valueOf(value);
    }

    /** RFC 4291 text forms, including {@code ::} and a trailing dotted quad; no zone ids. */
    private static BigInteger parseV6(String text) {
        if (!text.matches("[0-9A-Fa-f:.]+") || text.indexOf("::") != text.lastIndexOf("::") || text.contains(":::")) {
            return null;
        }
        int gap = text.indexOf("::");
        List<Integer> head = gap < 0 ? groups(text) : groups(text.substring(0, gap));
        List<Integer> tail = gap < 0 ? List.of() : groups(text.substring(gap + 2));
        if (head == null || tail == null) {
            return null;
        }
        int count = head.size() + tail.size();
        if (gap < 0 ? count != 8 : count > 7) {
            return null;
        }
        BigInteger value = BigInteger.ZERO;
        List<Integer> all = new ArrayList<>(head);
        for (int i = count; i < 8; i++) {
            all.add(0);
        }
        all.addAll(tail);
        for (int g : all) {
            value = value.shiftLeft(16).or(BigInteger.valueOf(g));
        }
        return value;
    }

    /** The 16-bit groups of one side of {@code ::}; a final dotted quad counts as two. Null if malformed. */
    private static List<Integer> groups(String side) {
        List<Integer> out = new ArrayList<>();
        if (side.isEmpty()) {
            return out;
        }
        String[] parts = side.split(":", -1);
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            if (i == parts.length - 1 && p.contains(".")) {
                BigInteger v4 = parseV4(p);
                if (v4 == null) {
                    return null;
                }
                out.add(v4.intValue() >>> 16);
                out.add(v4.intValue() & 0xffff);
            } else if (p.matches("[0-9A-Fa-f]{1,4}")) {
                out.add(Integer.parseInt(p, 16));
            } else {
                return null;
            }
        }
        return out;
    }

    private static String format(Family family, BigInteger address) {
        if (family == Family.IPV4) {
            long v = address.longValue();
            return (v >>> 24 & 255) + "." + (v >>> 16 & 255) + "." + (v >>> 8 & 255) + "." + (v & 255);
        }
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = address.shiftRight(16 * (7 - i)).intValue() & 0xffff;
        }
        // RFC 5952: compress the longest run of two or more zero groups, the first one on a tie
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString().toLowerCase(Locale.ROOT);
    }
}
