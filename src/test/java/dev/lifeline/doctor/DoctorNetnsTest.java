package dev.lifeline.doctor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeline.testing.Netns;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code lifeline doctor} run as a process inside network namespaces, against a server behind real nftables rules: the
 * client side tells a dropping firewall from a rejecting one, and the server side reads the rules that decide.
 */
class DoctorNetnsTest {
    private static final int PORT = 11434;
    private static Netns net;

    @BeforeAll
    static void network() {
        assumeTrue(Netns.available(), Netns.unavailableReason());
        assumeTrue(Netns.installed("nft"), "nft is not installed");
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
    void noRules() {
        net.flushServerRules();
    }

    private static void onlyAllowedClient(String blockVerdict) {
        net.nft("""
                table inet doctor_test {
                  chain input {
                    type filter hook input priority filter; policy accept;
                    iifname "lo" accept
                    tcp dport %d ip saddr %s accept
                    tcp dport %d ip6 saddr %s accept
                    tcp dport %d %s
                  }
                }
                """.formatted(PORT, Netns.ALLOWED_V4, PORT, Netns.ALLOWED_V6, PORT, blockVerdict));
    }

    /** Runs {@code lifeline doctor ARGS --json} in namespace {@code ns}; the exit code and the parsed report. */
    private static Result doctor(String ns, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns, ProcessHandle.current().info().command().orElse("java"),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), "dev.lifeline.cli.Main", "doctor", "--json"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), new ObjectMapper().readTree(new String(out, StandardCharsets.UTF_8)));
    }

    record Result(int exit, JsonNode json) {
        List<String> codes() {
            return json.path("findings").findValuesAsText("code");
        }

        JsonNode finding(String code) {
            for (JsonNode f : json.path("findings")) {
                if (f.path("code").asText().equals(code)) {
                    return f;
                }
            }
            throw new AssertionError("no " + code + " in " + codes());
        }
    }

    @Test
    void aDroppingFirewallTimesOutForTheDeniedClientOnly() throws Exception {
        onlyAllowedClient("drop");

        Result denied = doctor(net.denied(), "--url", Netns.SERVER_V4 + ":" + PORT, "--timeout", "1s");
        assertThat(denied.exit()).isEqualTo(2);
        assertThat(denied.finding("connect.timeout").path("title").asText())
                .isEqualTo("connections to port " + PORT + " time out: packets are dropped on the way");

        Result allowed = doctor(net.allowed(), "--url", Netns.SERVER_V4 + ":" + PORT, "--timeout", "1s");
        assertThat(allowed.codes()).contains("connect.ok").doesNotContain("connect.timeout");
    }

    @Test
    void aRejectingFirewallIsToldFromNothingListening() throws Exception {
        onlyAllowedClient("reject with icmpx type admin-prohibited");

        Result denied = doctor(net.denied(), "--url", "[" + Netns.SERVER_V6 + "]:" + PORT, "--timeout", "3s");
        assertThat(denied.finding("connect.rejected").path("severity").asText()).isEqualTo("fail");
    }

    @Test
    void onTheServerTheDoctorReadsTheRulesThatKeepOthersOut() throws Exception {
        Result open = doctor(net.server(), "--url", "127.0.0.1:" + PORT, "--timeout", "1s");
        assertThat(open.codes()).contains("exposure.open");

        onlyAllowedClient("drop");
        Result guarded = doctor(net.server(), "--url", "127.0.0.1:" + PORT, "--timeout", "1s");
        assertThat(guarded.codes()).doesNotContain("exposure.open");
        JsonNode allowList = guarded.finding("exposure.allow-list");
        assertThat(allowList.path("title").asText()).contains(Netns.ALLOWED_V4);
    }
}
