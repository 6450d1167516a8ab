package dev.lifeline.cli;

import dev.lifeline.testing.Netns;
import dev.lifeline.testing.Netns.Reach;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code lifeline firewall apply --yes}, {@code status}, {@code verify} and {@code rollback} run as processes, as root,
 * inside a server namespace, with clients proving the result by real connections over IPv4 and IPv6.
 */
class FirewallApplyNetnsTest {
    private static final int PORT = 11434;
    private static Netns net;
    private Path state;

    @BeforeAll
    static void network() {
        assumeTrue(Netns.available(), Netns.unavailableReason());
        assumeTrue(Netns.installed("nft") && Netns.installed("iptables"), "nft and iptables are needed");
        net = Netns.create();
        net.startHttp(PORT);
    }

    @AfterAll
    static void teardown() {
        if (net != null) {
            net.close();
        }
    }

    @BeforeEach
    void clean() throws IOException {
        net.flushServerRules();
        state = Files.createDirectories(net.work().resolve("state-" + System.nanoTime()));
    }

    record Run(int exit, String out, String err) {
    }

    private static Run lifeline(String ns, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns, ProcessHandle.current().info().command().orElse("java"),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), "dev.lifeline.cli.Main"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = {"nftables", "iptables"})
    void applyLetsOnlyTheAllowedClientInAndRollbackOpensItAgain(String tool) throws Exception {
        Run applied = lifeline(net.server(), "firewall", "apply", "--yes", "--port", String.valueOf(PORT), "--tool", tool,
                "--allow", Netns.ALLOWED_V4, "--allow", Netns.ALLOWED_V6, "--state-dir", state.toString());
        assertThat(applied.exit()).as(applied.err()).isZero();
        assertThat(applied.out()).contains("applied the " + tool + " rules for port " + PORT).contains("saved the current rules to");

        assertThat(net.connect(net.allowed(), Netns.SERVER_V4, PORT)).isEqualTo(Reach.OPEN);
        assertThat(net.connect(net.allowed(), Netns.SERVER_V6, PORT)).isEqualTo(Reach.OPEN);
        assertThat(net.connect(net.denied(), Netns.SERVER_V4, PORT)).isEqualTo(Reach.TIMEOUT);
        assertThat(net.connect(net.denied(), Netns.SERVER_V6, PORT)).isEqualTo(Reach.TIMEOUT);

        Run again = lifeline(net.server(), "firewall", "apply", "--yes", "--port", String.valueOf(PORT), "--tool", tool,
                "--allow", Netns.ALLOWED_V4, "--allow", Netns.ALLOWED_V6, "--state-dir", state.toString());
        assertThat(again.exit()).as(again.err()).isZero();

        Run status = lifeline(net.server(), "firewall", "status", "--state-dir", state.toString());
        assertThat(status.exit()).isZero();
        assertThat(status.out()).contains("port " + PORT + " (" + tool + "): in place").contains("allowed from " + Netns.ALLOWED_V4);

        Run blocked = lifeline(net.denied(), "firewall", "verify", "--host", Netns.SERVER_V4, "--port", String.valueOf(PORT),
                "--expect", "blocked", "--timeout", "1s");
        assertThat(blocked.exit()).as(blocked.out()).isZero();
        Run open = lifeline(net.allowed(), "firewall", "verify", "--host", Netns.SERVER_V6, "--port", String.valueOf(PORT), "--expect", "open");
        assertThat(open.exit()).as(open.out()).isZero();

        Run rollback = lifeline(net.server(), "firewall", "rollback", "--port", String.valueOf(PORT), "--state-dir", state.toString());
        assertThat(rollback.exit()).as(rollback.err()).isZero();
        assertThat(net.connect(net.denied(), Netns.SERVER_V4, PORT)).isEqualTo(Reach.OPEN);
        assertThat(net.connect(net.denied(), Netns.SERVER_V6, PORT)).isEqualTo(Reach.OPEN);
        assertThat(lifeline(net.server(), "firewall", "status", "--state-dir", state.toString()).out())
                .contains("Lifeline manages no firewall rules");
    }

    @ParameterizedTest
    @ValueSource(strings = {"nftables", "iptables"})
    void applyingAgainWithANarrowerListShutsOutTheSourceThatWasDropped(String tool) throws Exception {
        assertThat(lifeline(net.server(), "firewall", "apply", "--yes", "--port", String.valueOf(PORT), "--tool", tool,
                "--allow", Netns.ALLOWED_V4, "--allow", Netns.DENIED_V4, "--state-dir", state.toString()).exit()).isZero();
        assertThat(net.connect(net.denied(), Netns.SERVER_V4, PORT)).isEqualTo(Reach.OPEN);

        Run narrower = lifeline(net.server(), "firewall", "apply", "--yes", "--port", String.valueOf(PORT), "--tool", tool,
                "--allow", Netns.ALLOWED_V4, "--state-dir", state.toString());
        assertThat(narrower.exit()).as(narrower.err()).isZero();
        assertThat(narrower.out()).contains("removed the previous " + tool + " rules for port " + PORT);
        assertThat(net.connect(net.denied(), Netns.SERVER_V4, PORT)).isEqualTo(Reach.TIMEOUT);
        assertThat(net.connect(net.allowed(), Netns.SERVER_V4, PORT)).isEqualTo(Reach.OPEN);
    }

    @org.junit.jupiter.api.Test
    void switchingToolsLeavesNoRulesOfTheFirstBehind() throws Exception {
        assertThat(lifeline(net.server(), "firewall", "apply", "--yes", "--port", String.valueOf(PORT), "--tool", "nftables",
                "--allow", Netns.ALLOWED_V4, "--state-dir", state.toString()).exit()).isZero();
        assertThat(lifeline(net.server(), "firewall", "apply", "--yes", "--port", String.valueOf(PORT), "--tool", "iptables",
                "--allow", Netns.ALLOWED_V4, "--allow", Netns.DENIED_V4, "--state-dir", state.toString()).exit()).isZero();
        assertThat(net.connect(net.denied(), Netns.SERVER_V4, PORT)).isEqualTo(Reach.OPEN);

        assertThat(lifeline(net.server(), "firewall", "rollback", "--port", String.valueOf(PORT), "--state-dir", state.toString()).exit())
                .isZero();
        assertThat(net.exec(net.server(), "nft", "list", "tables").stdout()).doesNotContain("lifeline_guard");
        assertThat(net.connect(net.denied(), Netns.SERVER_V6, PORT)).isEqualTo(Reach.OPEN);
    }

    @ParameterizedTest
    @ValueSource(strings = {"nftables"})
    void rulesRemovedBehindLifelinesBackShowAsNotInPlace(String tool) throws Exception {
        assertThat(lifeline(net.server(), "firewall", "apply", "--yes", "--port", String.valueOf(PORT), "--tool", tool,
                "--allow", Netns.ALLOWED_V4, "--state-dir", state.toString()).exit()).isZero();
        net.flushServerRules();

        Run status = lifeline(net.server(), "firewall", "status", "--state-dir", state.toString());
        assertThat(status.exit()).isEqualTo(1);
        assertThat(status.out()).contains("NOT in place").contains("MISSING");
    }
}
