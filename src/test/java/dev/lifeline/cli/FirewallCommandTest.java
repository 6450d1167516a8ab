package dev.lifeline.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code lifeline firewall} on the command line: what it prints and refuses, without touching this machine's rules. */
class FirewallCommandTest {
    @TempDir
    Path state;

    @Test
    void planPrintsApplyRollbackAndVerifyForTheNamedTool() {
        CliTest.Run r = CliTest.run("firewall", "plan", "--port", "11434", "--allow", "10.0.0.77/24", "--allow", "fd00::/64",
                "--tool", "nftables", "--state-dir", state.toString());

        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("# ==== apply: review, then run as root ====", "# ==== rollback", "# ==== verify")
                .contains("10.0.0.77/24 has host bits set; using 10.0.0.0/24")
                .contains("elements = { 10.0.0.0/24 }", "elements = { fd00::/64 }")
                .contains(state.resolve("lifeline-11434.nft").toString());
    }

    @Test
    void windowsGetsPowerShellThatRestrictsTheRemoteAddress() {
        CliTest.Run r = CliTest.run("firewall", "plan", "--port", "11434", "--allow", "192.168.1.0/24", "--tool", "windows", "--only", "apply");

        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("New-NetFirewallRule").contains("-RemoteAddress").contains("192.168.1.0/24")
                .contains("-LocalPort 11434").doesNotContain("# ==== rollback");
    }

    @Test
    void everyProblemWithThePolicyIsListedAtOnceAndNothingIsPrintedOnStdout() {
        CliTest.Run r = CliTest.run("firewall", "plan", "--port", "70000", "--allow", "0.0.0.0/0", "--allow", "ollama.lan",
                "--block", "maybe", "--tool", "pfsense", "--only", "everything");

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("--block maybe: expected drop or reject")
                .contains("--port 70000: must be 1-65535")
                .contains("--allow 0.0.0.0/0: allows the whole internet")
                .contains("--allow ollama.lan: not an IPv4 or IPv6 address (host names are not resolved")
                .contains("--tool pfsense: expected one of ufw, firewalld, nftables, iptables, windows, pf")
                .contains("--only everything: expected apply, rollback or verify");
    }

    @Test
    void anEmptyAllowListNeedsForce() {
        assertThat(CliTest.run("firewall", "plan", "--port", "11434", "--tool", "ufw").err())
                .contains("no --allow given: only this machine (loopback) could connect; pass --force");
        assertThat(CliTest.run("firewall", "plan", "--port", "11434", "--tool", "ufw", "--force").exit()).isZero();
    }

    @Test
    void applyIsADryRunUnlessYesAndRefusesPlatformsItCannotRunOn() {
        CliTest.Run dry = CliTest.run("firewall", "apply", "--port", "11434", "--allow", "10.0.0.0/24", "--tool", "iptables",
                "--state-dir", state.toString());
        assertThat(dry.exit()).isZero();
        assertThat(dry.out()).startsWith("# dry run for iptables: nothing was changed. Run again with --yes to apply (as root).")
                .contains("iptables-restore");
        assertThat(state).isEmptyDirectory();

        CliTest.Run pf = CliTest.run("firewall", "apply", "--port", "11434", "--allow", "10.0.0.0/24", "--tool", "pf", "--yes");
        assertThat(pf.exit()).isEqualTo(2);
        assertThat(pf.err()).contains("apply runs on Linux; on macOS review and run the script from `lifeline firewall plan --tool pf`");
    }

    @Test
    void statusWithNothingAppliedSaysSo() {
        CliTest.Run r = CliTest.run("firewall", "status", "--state-dir", state.toString());

        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("Lifeline manages no firewall rules on this machine");
    }

    @Test
    void verifyConnectsAndComparesWithTheExpectation() throws IOException {
        try (ServerSocket listening = new ServerSocket(0, 4, InetAddress.getLoopbackAddress())) {
            int port = listening.getLocalPort();
            CliTest.Run open = CliTest.run("firewall", "verify", "--host", "127.0.0.1", "--port", String.valueOf(port), "--expect", "open");
            assertThat(open.exit()).isZero();
            assertThat(open.out()).contains("127.0.0.1:" + port + " open - connected from 127.0.0.1").contains("as expected");

            CliTest.Run wrong = CliTest.run("firewall", "verify", "--host", "127.0.0.1", "--port", String.valueOf(port), "--expect", "blocked");
            assertThat(wrong.exit()).isEqualTo(1);
            assertThat(wrong.out()).contains("NOT as expected (--expect blocked)");

            CliTest.Run notMine = CliTest.run("firewall", "verify", "--host", "127.0.0.1", "--port", String.valueOf(port),
                    "--from", "192.0.2.77", "--expect", "blocked");
            assertThat(notMine.exit()).as("a source this machine does not have is no verdict on the firewall").isEqualTo(2);
            assertThat(notMine.err()).startsWith("lifeline: --from 192.0.2.77: not an address of this machine");
        }
    }

    @Test
    void dockerUserRulesReturnEachAllowedSourceAboveTheDrop() {
        var policy = dev.lifeline.firewall.plan.Policy.parse(11434, java.util.List.of("10.0.0.0/24", "fd00::/64"),
                dev.lifeline.firewall.plan.Block.DROP, false);

        assertThat(FirewallCommand.dockerUser(policy)).containsExactly(
                "sudo iptables -I DOCKER-USER -p tcp -m conntrack --ctorigdstport 11434 -j DROP",
                "sudo iptables -I DOCKER-USER -p tcp -m conntrack --ctorigdstport 11434 -s 10.0.0.0/24 -j RETURN",
                "sudo ip6tables -I DOCKER-USER -p tcp -m conntrack --ctorigdstport 11434 -j DROP",
                "sudo ip6tables -I DOCKER-USER -p tcp -m conntrack --ctorigdstport 11434 -s fd00::/64 -j RETURN");
    }
}
