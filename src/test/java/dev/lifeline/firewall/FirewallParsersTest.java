package dev.lifeline.firewall;

import dev.lifeline.os.Shell;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The parsers on sample output (Windows and macOS cannot run here), the verdict algebra and the command runner. */
class FirewallParsersTest {

    @Test
    void ufwStatusFirstMatchWinsAndV6RulesAreSeparate() {
        String status = """
                Status: active
                Logging: on (low)
                Default: deny (incoming), allow (outgoing), disabled (routed)
                New profiles: skip

                To                         Action      From
                --                         ------      ----
                22/tcp                     ALLOW IN    Anywhere
                11434/tcp                  ALLOW IN    192.168.1.0/24             # lifeline
                11000:12000/tcp            DENY IN     Anywhere
                11434/tcp                  ALLOW IN    Anywhere
                11434/tcp (v6)             ALLOW IN    Anywhere (v6)
                """;
        ToolReport r = Ufw.Status.parse(status).report(11434);
        assertThat(r.ipv4()).as("the range deny comes before the allow for Anywhere")
                .isEqualTo(new Verdict.AllowedFrom(List.of("192.168.1.0/24"), Verdict.DROPPED));
        assertThat(r.ipv6()).isEqualTo(Verdict.OPEN);
        assertThat(r.evidence()).contains("11000:12000/tcp            DENY IN     Anywhere");
        assertThat(r.fixes()).containsExactly(
                "sudo ufw prepend allow from SUBNET to any port 11434 proto tcp comment 'lifeline'");
    }

    @Test
    void ufwDefaultRejectAndAllowAndNumberedOutput() {
        String reject = "Status: active\nDefault: reject (incoming), allow (outgoing), disabled (routed)\n";
        assertThat(Ufw.Status.parse(reject).report(11434).ipv4()).isEqualTo(Verdict.REJECTED);
        String allow = """
                Status: active
                Default: allow (incoming), allow (outgoing), disabled (routed)

                     To                         Action      From
                     --                         ------      ----
                [ 1] 11434/tcp                  REJECT IN   Anywhere
                [ 2] 80,443/tcp                 ALLOW IN    Anywhere
                """;
        ToolReport r = Ufw.Status.parse(allow).report(11434);
        assertThat(r.ipv4()).isEqualTo(Verdict.REJECTED);
        assertThat(r.ipv6()).isEqualTo(Verdict.OPEN);
        assertThat(Ufw.enabledInConf("# comment\nENABLED=yes\nLOGLEVEL=low\n")).contains(true);
        assertThat(Ufw.enabledInConf("ENABLED=no\n")).contains(false);
        assertThat(Ufw.coversPort("OpenSSH", 22)).isFalse();
        assertThat(Ufw.coversPort("11434/udp", 11434)).isFalse();
        assertThat(Ufw.coversPort("Anywhere on eth0", 11434)).isTrue();
    }

    @Test
    void firewalldSourceZoneAndDropRichRuleBeatAPortAccept() {
        String zones = """
                public (active)
                  target: default
                  icmp-block-inversion: no
                  interfaces: eth0
                  sources:\s
                  services: dhcpv6-client ssh
                  ports: 11434/tcp
                  protocols:\s
                  rich rules:\s
                	rule family="ipv4" source address="10.0.0.5" port port="11434" protocol="tcp" drop

                trusted (active)
                  target: ACCEPT
                  interfaces:\s
                  sources: 192.168.50.0/24
                  services:\s
                  ports:\s
                  rich rules:\s

                work
                  target: default
                  interfaces:\s
                  sources:\s
                  ports: 11434/tcp
                  rich rules:\s
                """;
        Map<String, Firewalld.Zone> parsed = Firewalld.Zone.parseAll(zones);
        assertThat(parsed).containsOnlyKeys("public", "trusted", "work");
        parsed.replaceAll((n, z) -> n.equals("public") ? z.asDefault() : z);
        ToolReport r = Firewalld.report(parsed, Map.of("ssh", List.of("22/tcp")), 11434);
        assertThat(r.ipv4()).as("the port is open zone-wide on eth0").isEqualTo(Verdict.OPEN);

        String closed = zones.replace("  ports: 11434/tcp\n  protocols", "  ports:\s\n  protocols")
                .replace("drop\n", "accept\n");
        Map<String, Firewalld.Zone> z2 = Firewalld.Zone.parseAll(closed);
        z2.replaceAll((n, z) -> n.equals("public") ? z.asDefault() : z);
        ToolReport r2 = Firewalld.report(z2, Map.of(), 11434);
        assertThat(r2.ipv4()).isEqualTo(
                new Verdict.AllowedFrom(List.of("10.0.0.5", "192.168.50.0/24"), Verdict.REJECTED));
        assertThat(r2.ipv6()).isEqualTo(Verdict.REJECTED);

        Firewalld.RichRule drop = Firewalld.RichRule.parse(
                "rule priority=\"-5\" family=\"ipv6\" port port=\"11000-12000\" protocol=\"tcp\" reject type=\"icmp6-adm-prohibited\"");
        assertThat(drop.priority()).isEqualTo(-5);
        assertThat(drop.appliesTo(Family.IPV4)).isFalse();
        assertThat(drop.coversPort(Map.of(), 11434)).isTrue();
        assertThat(drop.action()).isEqualTo("reject");
        assertThat(drop.source()).isEmpty();
    }

    @Test
    void nftJsonWithJumpsNamedSetsAndCtStateVmap() {
        String json = """
                {"nftables": [{"metainfo": {"json_schema_version": 1}},
                 {"table": {"family": "inet", "name": "filter", "handle": 1}},
                 {"set": {"family": "inet", "table": "filter", "name": "lan", "type": "ipv4_addr", "flags": ["interval"],
                   "elem": [{"prefix": {"addr": "192.168.1.0", "len": 24}}]}},
                 {"chain": {"family": "inet", "table": "filter", "name": "input", "handle": 1, "type": "filter",
                   "hook": "input", "prio": 0, "policy": "drop"}},
                 {"chain": {"family": "inet", "table": "filter", "name": "services", "handle": 2}},
                 {"rule": {"family": "inet", "table": "filter", "chain": "input", "handle": 3, "expr": [
                   {"vmap": {"key": {"ct": {"key": "state"}}, "data": {"set": [["established", {"accept": null}],
                     ["related", {"accept": null}], ["invalid", {"drop": null}]]}}}]}},
                 {"rule": {"family": "inet", "table": "filter", "chain": "input", "handle": 4, "expr": [
                   {"match": {"op": "==", "left": {"meta": {"key": "iifname"}}, "right": "lo"}}, {"accept": null}]}},
                 {"rule": {"family": "inet", "table": "filter", "chain": "input", "handle": 5, "expr": [
                   {"jump": {"target": "services"}}]}},
                 {"rule": {"family": "inet", "table": "filter", "chain": "services", "handle": 6, "expr": [
                   {"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 22}},
                   {"accept": null}]}},
                 {"rule": {"family": "inet", "table": "filter", "chain": "services", "handle": 7, "expr": [
                   {"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": "@lan"}},
                   {"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}},
                     "right": {"set": [80, {"range": [11000, 12000]}]}}},
                   {"accept": null}]}}
                ]}
                """;
        String text = """
                table inet filter { # handle 1
                	chain services { # handle 2
                		ip saddr @lan tcp dport { 80, 11000-12000 } accept # handle 7
                	}
                }
                """;
        ToolReport r = Nftables.evaluate(json, text, 11434);
        assertThat(r.ipv4()).isEqualTo(new Verdict.AllowedFrom(List.of("192.168.1.0/24"), Verdict.DROPPED));
        assertThat(r.ipv6()).isEqualTo(Verdict.DROPPED);
        assertThat(r.evidence()).contains("inet filter services: ip saddr @lan tcp dport { 80, 11000-12000 } accept",
                "inet filter input: policy drop");
        assertThat(Nftables.evaluate(json, "", 22).ipv4()).isEqualTo(Verdict.OPEN);
        assertThat(Nftables.evaluate("{\"nftables\": [{\"metainfo\": {}}]}", "", 22).active()).isFalse();
    }

    @Test
    void windowsProfilesNotConfiguredMeansBlock() {
        String profiles = """

                Name                  : Domain
                Enabled               : True
                DefaultInboundAction  : NotConfigured

                Name                  : Private
                Enabled               : True
                DefaultInboundAction  : Block

                Name                  : Public
                Enabled               : False
                DefaultInboundAction  : Allow
                """;
        List<WindowsFirewall.Profile> parsed = WindowsFirewall.parseProfiles(profiles);
        assertThat(parsed).containsExactly(new WindowsFirewall.Profile("Domain", true, true),
                new WindowsFirewall.Profile("Private", true, true), new WindowsFirewall.Profile("Public", false, false));
        ToolReport r = WindowsFirewall.report(parsed, 11434);
        assertThat(r.active()).isTrue();
        assertThat(r.ipv4()).isInstanceOf(Verdict.Unknown.class);
        assertThat(r.fixes()).anyMatch(f -> f.startsWith("New-NetFirewallRule -Name \"Lifeline-Ollama-In\""));
        ToolReport off = WindowsFirewall.report(WindowsFirewall.parseProfiles(
                "Name : Domain\nEnabled : False\nDefaultInboundAction : Block\n"), 11434);
        assertThat(off.active()).isFalse();
        assertThat(off.ipv4()).isEqualTo(Verdict.OPEN);
    }

    @Test
    void macPfAndApplicationFirewallStatus() {
        String info = """
                No ALTQ support in kernel
                ALTQ related functions disabled
                Status: Enabled for 0 days 00:12:03           Debug: Urgent

                State Table                          Total             Rate
                """;
        assertThat(MacFirewall.pfEnabled(info)).contains(true);
        assertThat(MacFirewall.pfEnabled("Status: Disabled                             Debug: Urgent")).contains(false);
        assertThat(MacFirewall.pfEnabled("pfctl: /dev/pf: Permission denied")).isEmpty();
        assertThat(MacFirewall.applicationFirewallEnabled("Firewall is enabled. (State = 1)")).contains(true);
        assertThat(MacFirewall.applicationFirewallEnabled("Firewall is disabled. (State = 0)")).contains(false);
        assertThat(MacFirewall.applicationFirewallEnabled("Firewall is blocking all non-essential incoming"
                + " connections. (State = 2)")).contains(true);
    }

    @Test
    void dockerProxyAndDnatRules() {
        List<String> proxy = List.of("/usr/bin/docker-proxy", "-proto", "tcp", "-host-ip", "0.0.0.0", "-host-port",
                "11434", "-container-ip", "172.17.0.2", "-container-port", "11434");
        assertThat(Docker.proxyHostIp(proxy, 11434)).contains("0.0.0.0");
        assertThat(Docker.proxyHostIp(proxy, 8080)).isEmpty();
        assertThat(Docker.proxyHostIp(List.of("/usr/sbin/sshd", "-D"), 11434)).isEmpty();
        assertThat(Docker.dnatsPort("-A DOCKER ! -i docker0 -p tcp -m tcp --dport 11434 -j DNAT --to-destination "
                + "172.17.0.2:11434", 11434)).isTrue();
        assertThat(Docker.dnatsPort("-A DOCKER -i docker0 -j RETURN", 11434)).isFalse();
    }

    @Test
    void verdictsOfLayersAndOfAlternativePaths() {
        Verdict lan = new Verdict.AllowedFrom(List.of("10.0.0.0/8"), Verdict.DROPPED);
        Verdict host = new Verdict.AllowedFrom(List.of("10.1.2.3/32", "192.168.0.0/16"), Verdict.REJECTED);
        assertThat(Verdict.both(lan, host)).isEqualTo(new Verdict.AllowedFrom(List.of("10.1.2.3/32"), Verdict.DROPPED));
        assertThat(Verdict.both(Verdict.OPEN, Verdict.DROPPED)).isEqualTo(Verdict.DROPPED);
        assertThat(Verdict.both(new Verdict.Unknown("x"), Verdict.REJECTED)).isEqualTo(Verdict.REJECTED);
        assertThat(Verdict.both(new Verdict.Unknown("x"), Verdict.OPEN)).isEqualTo(new Verdict.Unknown("x"));
        assertThat(Verdict.both(lan, new Verdict.AllowedFrom(List.of("fd00::/8"), Verdict.DROPPED)))
                .isEqualTo(Verdict.DROPPED);
        assertThat(Verdict.eitherOf(Verdict.DROPPED, Verdict.OPEN)).isEqualTo(Verdict.OPEN);
        assertThat(Verdict.eitherOf(lan, Verdict.DROPPED)).isEqualTo(lan);
        assertThat(lan.describe()).isEqualTo("allowed from 10.0.0.0/8 (others dropped)");
        assertThat(Cidr.intersection("10.200.0.0/24", "10.200.0.2")).contains("10.200.0.2");
        assertThat(Cidr.intersection("example.org", "10.0.0.1")).isEqualTo(Optional.empty());
    }

    @Test
    void aMissingBinaryOrAHangIsAResultNotAnException() {
        Shell.Result missing = Shell.local().run("no-such-firewall-tool", "--state");
        assertThat(missing.notInstalled()).isTrue();
        assertThat(missing.problem()).isEqualTo("no-such-firewall-tool is not installed");
        assertThat(Shell.prefixed(List.of("sh", "-c", "exec \"$@\"", "sh")).run("no-such-firewall-tool").notInstalled())
                .isTrue();
        long start = System.nanoTime();
        Shell.Result hang = Shell.local().withTimeout(Duration.ofMillis(300)).run("sleep", "10");
        assertThat(hang.outcome()).isEqualTo(Shell.Outcome.TIMED_OUT);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        Shell.Result denied = Shell.local().run("sh", "-c", "echo 'Operation not permitted (you must be root)' >&2; exit 1");
        assertThat(denied.needsRoot()).isTrue();
        assertThat(denied.problem()).endsWith("run with sudo");
    }
}
