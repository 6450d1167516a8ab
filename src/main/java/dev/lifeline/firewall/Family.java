package dev.lifeline.firewall;

/**
 * IP version. Firewalls are configured per family (iptables vs ip6tables, nft {@code ip} vs {@code ip6} tables), and a
 * dual-stack listener is still reachable over IPv6 behind an IPv4-only deny, so every verdict comes in a pair.
 */
public enum Family {
    IPV4("IPv4", 32),
    IPV6("IPv6", 128);

    private final String label;
    private final int bits;

    Family(String label, int bits) {
        this.label = label;
        this.bits = bits;
    }

    /** The address width. */
    public int bits() {
        return bits;
    }

    /** The family of an address as text: IPv6 addresses are the ones with a colon. */
    public static Family of(String address) {
        return address.contains(":") ? IPV6 : IPV4;
    }

    public String label() {
        return label;
    }
}
