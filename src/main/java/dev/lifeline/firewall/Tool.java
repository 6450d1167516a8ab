package dev.lifeline.firewall;

/** A firewall (or something that bypasses one) that the detector knows how to read. */
public enum Tool {
    UFW("ufw"),
    FIREWALLD("firewalld"),
    NFTABLES("nftables"),
    IPTABLES("iptables"),
    DOCKER("docker"),
    WINDOWS_FIREWALL("Windows Defender Firewall"),
    PF("pf"),
    MACOS_APPLICATION_FIREWALL("macOS Application Firewall");

    private final String display;

    Tool(String display) {
        this.display = display;
    }

    /** The name a person knows it by. */
    public String display() {
        return display;
    }
}
