package dev.lifeline.firewall;

import dev.lifeline.os.Shell;
import dev.lifeline.testing.Netns;
import dev.lifeline.testing.Netns.Reach;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.lifeline.testing.Netns.ALLOWED_V4;
import static dev.lifeline.testing.Netns.SERVER_V4;
import static dev.lifeline.testing.Netns.SERVER_V6;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The detector against real rules of each tool, applied inside a server namespace and, where cheap, checked against a
 * real connection from the allowed and the denied client. One set of namespaces serves the whole class; every test
 * starts from an empty ruleset.
 */
class FirewallDetectorNetnsTest {
    private static final int PORT = 11434;
    private static final List<String> NOBODY = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups");
    private static Netns net;
    private static AutoCloseable http;
    private static List<String> hostBefore;

    @BeforeAll
    static void network() {
        assumeTrue(Netns.available(), Netns.unavailableReason());
        assumeTrue(Netns.installed("nft") && Netns.installed("iptables"), "nftables and iptables are needed");
        hostBefore = hostState();
        net = Netns.create();
        http = net.startHttp(PORT);
    }

    @AfterAll
    static void teardown() throws Exception {
        if (net != null) {
            http.close();
            net.close();
            assertThat(hostState()).as("the host's firewall and /etc are as they were").isEqualTo(hostBefore);
        }
    }

    @AfterEach
    void flush() {
        net.flushServerRules();
    }

    private static List<String> hostState() {
        Shell sh = Shell.local();
        return List.of(sh.run("nft", "list", "ruleset").stdout(), sh.run("iptables", "-S").stdout(),
                sh.run("ip6tables", "-S").stdout(), sh.run("cat", "/etc/ufw/ufw.conf").stdout());
    }

    /** The detector as production runs it, but in the server namespace (and no host processes). */
    private static FirewallReport detect(Shell shell) {
        return new FirewallDetector(shell, "Linux", List::of).examine(PORT);
    }

    private static FirewallReport detect() {
        return detect(net.shell(net.server()));
    }

    @Test
    void noFirewallAtAllIsOpen() {
        FirewallReport r = detect();
        assertThat(r.ipv4()).isEqualTo(Verdict.OPEN);
        assertThat(r.ipv6()).isEqualTo(Verdict.OPEN);
        assertThat(r.active()).isEmpty();
        assertThat(r.fixes()).isEmpty();
        assertThat(net.connect(net.denied(), SERVER_V4, PORT)).isEqualTo(Reach.OPEN);
    }

    @Test
    void nftDropMakesClientsTimeOut() {
        net.nft("table inet t {\n chain input {\n type filter hook input priority 0; policy accept;\n"
                + " iifname \"lo\" accept\n tcp dport " + PORT + " counter drop\n }\n}\n");
        FirewallReport r = detect();
        ToolReport nft = r.tool(Tool.NFTABLES).orElseThrow();
        assertThat(nft.active()).isTrue();
        assertThat(nft.ipv4()).isEqualTo(Verdict.DROPPED);
        assertThat(nft.ipv6()).isEqualTo(Verdict.DROPPED);
        assertThat(nft.evidence()).anyMatch(e -> e.contains("tcp dport 11434") && e.contains("drop"));
        assertThat(nft.fixes()).anyMatch(f -> f.startsWith("sudo nft insert rule inet t input ip saddr SUBNET"));
        assertThat(r.verdict()).isEqualTo(Verdict.DROPPED);
        assertThat(net.connect(net.denied(), SERVER_V4, PORT)).isEqualTo(Reach.TIMEOUT);
    }

    @Test
    void nftRejectRefusesClients() {
        net.nft("table ip t {\n chain input {\n type filter hook input priority 0; policy accept;\n"
                + " tcp dport { 80, 11434 } reject with tcp reset\n }\n}\n");
        FirewallReport r = detect();
        assertThat(r.ipv4()).isEqualTo(Verdict.REJECTED);
        assertThat(r.ipv6()).as("an ip (v4) table does not see IPv6").isEqualTo(Verdict.OPEN);
        assertThat(r.notes()).anyMatch(n -> n.contains("IPv6 is open"));
        assertThat(net.connect(net.denied(), SERVER_V4, PORT)).isEqualTo(Reach.REFUSED);
        assertThat(net.connect(net.denied(), SERVER_V6, PORT)).isEqualTo(Reach.OPEN);
    }

    @Test
    void nftAllowListSetLetsOnlyItsSourcesIn() {
        net.nft("""
                table inet lifeline_guard {
                  set allow_v4 { type ipv4_addr; flags interval; elements = { 10.200.0.2, 192.168.1.0/24 } }
                  set ports { type inet_service; elements = { 11434 } }
                  chain input {
                    type filter hook input priority filter; policy accept;
                    ct state established,related accept
                    iifname "lo" accept
                    tcp dport @ports ip saddr @allow_v4 accept
                    tcp dport 11434 counter drop
                  }
                }
                """);
        FirewallReport r = detect();
        assertThat(r.ipv4()).isEqualTo(new Verdict.AllowedFrom(List.of("10.200.0.2", "192.168.1.0/24"), Verdict.DROPPED));
        assertThat(r.ipv6()).isEqualTo(Verdict.DROPPED);
        assertThat(r.tool(Tool.NFTABLES).orElseThrow().notes()).contains("table inet lifeline_guard: written by lifeline");
        assertThat(net.connect(net.allowed(), SERVER_V4, PORT)).isEqualTo(Reach.OPEN);
        assertThat(net.connect(net.denied(), SERVER_V4, PORT)).isEqualTo(Reach.TIMEOUT);
    }

    @Test
    void anAcceptInOneTableDoesNotOverrideADropInAnother() {
        net.nft("table inet a {\n chain input {\n type filter hook input priority -10; policy accept;\n"
                + " tcp dport 11434 accept\n }\n}\n"
                + "table inet b {\n chain input {\n type filter hook input priority 10; policy drop;\n"
                + " iif lo accept\n }\n}\n");
        FirewallReport r = detect();
        assertThat(r.verdict()).isEqualTo(Verdict.DROPPED);
        assertThat(r.tool(Tool.NFTABLES).orElseThrow().evidence()).contains("inet b input: policy drop");
        assertThat(net.connect(net.allowed(), SERVER_V4, PORT)).isEqualTo(Reach.TIMEOUT);
    }

    @Test
    void iptablesV4OnlyDropLeavesIpv6Open() {
        net.must(net.server(), "iptables", "-I", "INPUT", "1", "-p", "tcp", "--dport", "11434", "-j", "DROP");
        FirewallReport r = detect();
        ToolReport ipt = r.tool(Tool.IPTABLES).orElseThrow();
        assertThat(ipt.ipv4()).isEqualTo(Verdict.DROPPED);
        assertThat(ipt.ipv6()).isEqualTo(Verdict.OPEN);
        assertThat(ipt.evidence()).contains("-A INPUT -p tcp -m tcp --dport 11434 -j DROP");
        assertThat(ipt.notes()).anyMatch(n -> n.contains("only IPv4 is filtered"));
        assertThat(r.ipv4()).isEqualTo(Verdict.DROPPED);
        assertThat(r.ipv6()).isEqualTo(Verdict.OPEN);
        assertThat(r.verdict()).as("exposed over IPv6").isEqualTo(Verdict.OPEN);
        assertThat(r.notes()).anyMatch(n -> n.contains("still reachable over IPv6"));
        assertThat(net.connect(net.denied(), SERVER_V4, PORT)).isEqualTo(Reach.TIMEOUT);
        assertThat(net.connect(net.denied(), SERVER_V6, PORT)).isEqualTo(Reach.OPEN);
    }

    @Test
    void iptablesAllowOneSourceAndRejectTheRest() {
        net.must(net.server(), "iptables", "-A", "INPUT", "-s", ALLOWED_V4, "-p", "tcp", "--dport", "11434", "-j", "ACCEPT");
        net.must(net.server(), "iptables", "-A", "INPUT", "-p", "tcp", "-m", "multiport", "--dports", "80,11434",
                "-m", "conntrack", "--ctstate", "NEW", "-j", "REJECT", "--reject-with", "tcp-reset");
        net.must(net.server(), "ip6tables", "-A", "INPUT", "-p", "tcp", "--dport", "11434", "!", "-i", "lo", "-j", "DROP");
        FirewallReport r = detect();
        assertThat(r.ipv4()).isEqualTo(new Verdict.AllowedFrom(List.of("10.200.0.2/32"), Verdict.REJECTED));
        assertThat(r.ipv6()).isEqualTo(Verdict.DROPPED);
        ToolReport nft = r.tool(Tool.NFTABLES).orElseThrow();
        assertThat(nft.notes()).anyMatch(n -> n.startsWith("table ip filter: managed by iptables-nft"));
        assertThat(net.connect(net.allowed(), SERVER_V4, PORT)).isEqualTo(Reach.OPEN);
        assertThat(net.connect(net.denied(), SERVER_V4, PORT)).isEqualTo(Reach.REFUSED);
    }

    @Test
    void ufwDefaultDenyWithAndWithoutAnAllowForTheSubnet() {
        assumeTrue(Netns.installed("ufw"), "ufw is not installed");
        Shell ufw = net.ufw();
        try {
            assertThat(ufw.run("ufw", "--force", "reset").ok()).isTrue();
            assertThat(ufw.run("ufw", "--force", "enable").ok()).isTrue();
            FirewallReport denied = detect(ufw);
            ToolReport u = denied.tool(Tool.UFW).orElseThrow();
            assertThat(u.active()).isTrue();
            assertThat(u.ipv4()).isEqualTo(Verdict.DROPPED);
            assertThat(u.ipv6()).isEqualTo(Verdict.DROPPED);
            assertThat(u.evidence()).anyMatch(e -> e.startsWith("Default: deny (incoming)"));
            assertThat(u.fixes()).containsExactly(
                    "sudo ufw prepend allow from SUBNET to any port 11434 proto tcp comment 'lifeline'");
            assertThat(denied.verdict()).isEqualTo(Verdict.DROPPED);
            assertThat(net.connect(net.allowed(), SERVER_V4, PORT)).isEqualTo(Reach.TIMEOUT);

            assertThat(ufw.run("ufw", "prepend", "allow", "from", Netns.SUBNET_V4, "to", "any", "port", "11434",
                    "proto", "tcp", "comment", "lifeline").ok()).isTrue();
            FirewallReport allowed = detect(ufw);
            Verdict subnetOnly = new Verdict.AllowedFrom(List.of(Netns.SUBNET_V4), Verdict.DROPPED);
            assertThat(allowed.tool(Tool.UFW).orElseThrow().ipv4()).isEqualTo(subnetOnly);
            assertThat(allowed.tool(Tool.IPTABLES).orElseThrow().ipv4()).as("INPUT jumps into ufw's chains")
                    .isEqualTo(subnetOnly);
            assertThat(allowed.ipv4()).isEqualTo(subnetOnly);
            assertThat(allowed.ipv6()).isEqualTo(Verdict.DROPPED);
            assertThat(net.connect(net.allowed(), SERVER_V4, PORT)).isEqualTo(Reach.OPEN);
            assertThat(net.connect(net.denied(), SERVER_V6, PORT)).isEqualTo(Reach.TIMEOUT);

            // Docker publishing the port bypasses ufw: a DNAT in the nat table's DOCKER chain
            net.must(net.server(), "iptables", "-t", "nat", "-N", "DOCKER");
            net.must(net.server(), "iptables", "-t", "nat", "-A", "DOCKER", "!", "-i", "docker0", "-p", "tcp", "-m",
                    "tcp", "--dport", "11434", "-j", "DNAT", "--to-destination", "172.17.0.2:11434");
            FirewallReport docker = detect(ufw);
            ToolReport d = docker.tool(Tool.DOCKER).orElseThrow();
            assertThat(d.active()).isTrue();
            assertThat(d.notes()).anyMatch(n -> n.contains("bypasses ufw"));
            assertThat(d.fixes()).anyMatch(f -> f.contains("-p 127.0.0.1:11434:11434"))
                    .anyMatch(f -> f.contains("DOCKER-USER -p tcp -m conntrack --ctorigdstport 11434 ! -s SUBNET -j DROP"));
            assertThat(docker.ipv4()).isEqualTo(Verdict.OPEN);
        } finally {
            ufw.run("ufw", "--force", "disable");
        }
    }

    @Test
    void withoutRootTheVerdictIsUnknownWithASudoHintAndUfwIsReadFromItsConf() {
        assumeTrue(Netns.installed("ufw") && Netns.installed("setpriv"), "ufw and setpriv are needed");
        Shell ufw = net.ufw();
        try {
            assertThat(ufw.run("ufw", "--force", "enable").ok()).isTrue();
            FirewallReport r = detect(net.ufw(NOBODY));
            ToolReport u = r.tool(Tool.UFW).orElseThrow();
            assertThat(u.active()).as("ENABLED=yes in ufw.conf").isTrue();
            assertThat(u.ipv4()).isInstanceOf(Verdict.Unknown.class);
            assertThat(((Verdict.Unknown) u.ipv4()).reason()).contains("ENABLED=yes").contains("sudo");
            ToolReport nft = r.tool(Tool.NFTABLES).orElseThrow();
            assertThat(nft.ipv4()).isEqualTo(new Verdict.Unknown("nft: Operation not permitted — run with sudo"));
            assertThat(r.verdict()).isInstanceOf(Verdict.Unknown.class);
            assertThat(r.verdict().describe()).contains("sudo");
        } finally {
            ufw.run("ufw", "--force", "disable");
        }
        FirewallReport off = detect(net.ufw(NOBODY));
        assertThat(off.tool(Tool.UFW).orElseThrow().active()).isFalse();
        assertThat(off.tool(Tool.UFW).orElseThrow().notes()).anyMatch(n -> n.contains("ENABLED=no"));
    }

    @Test
    void firewalldPortOpenZoneWideVersusARichRuleForOneSource() {
        assumeTrue(Netns.installed("firewalld") && Netns.installed("dbus-daemon"), "firewalld and dbus are needed");
        try (Netns.Firewalld fw = net.startFirewalld()) {
            FirewallReport closed = detect(fw.shell());
            ToolReport f = closed.tool(Tool.FIREWALLD).orElseThrow();
            assertThat(f.active()).isTrue();
            assertThat(f.ipv4()).as("the public zone's default target rejects").isEqualTo(Verdict.REJECTED);
            assertThat(f.fixes()).anyMatch(x -> x.contains("--add-rich-rule='rule family=\"ipv4\" source address=\"SUBNET\""));
            assertThat(closed.tool(Tool.NFTABLES).orElseThrow().notes())
                    .anyMatch(n -> n.startsWith("table inet firewalld: managed by firewalld"));
            assertThat(net.connect(net.denied(), SERVER_V4, PORT)).isEqualTo(Reach.REFUSED);

            fw.cmd("--add-port=11434/tcp");
            FirewallReport open = detect(fw.shell());
            assertThat(open.ipv4()).isEqualTo(Verdict.OPEN);
            assertThat(open.ipv6()).isEqualTo(Verdict.OPEN);
            assertThat(open.tool(Tool.FIREWALLD).orElseThrow().evidence()).anyMatch(e -> e.contains("ports: 11434/tcp"));
            assertThat(net.connect(net.denied(), SERVER_V4, PORT)).isEqualTo(Reach.OPEN);

            fw.cmd("--remove-port=11434/tcp");
            fw.cmd("--add-rich-rule=rule family=\"ipv4\" source address=\"" + ALLOWED_V4
                    + "\" port port=\"11434\" protocol=\"tcp\" accept");
            FirewallReport rich = detect(fw.shell());
            assertThat(rich.ipv4()).isEqualTo(new Verdict.AllowedFrom(List.of(ALLOWED_V4), Verdict.REJECTED));
            assertThat(rich.ipv6()).isEqualTo(Verdict.REJECTED);
            assertThat(net.connect(net.allowed(), SERVER_V4, PORT)).isEqualTo(Reach.OPEN);
            assertThat(net.connect(net.denied(), SERVER_V4, PORT)).isEqualTo(Reach.REFUSED);
            assertThat(net.connect(net.denied(), SERVER_V6, PORT)).isEqualTo(Reach.REFUSED);
        }
    }
}
