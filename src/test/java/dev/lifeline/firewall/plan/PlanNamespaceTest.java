package dev.lifeline.firewall.plan;

import dev.lifeline.os.Shell;
import dev.lifeline.testing.Netns;
import dev.lifeline.testing.Netns.Reach;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.lifeline.testing.Netns.ALLOWED_V4;
import static dev.lifeline.testing.Netns.ALLOWED_V6;
import static dev.lifeline.testing.Netns.SERVER_V4;
import static dev.lifeline.testing.Netns.SERVER_V6;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The rendered scripts, run as a person would run them ({@code sh -c <script>}), inside the server namespace of a
 * {@link Netns}: the allowed client must get an HTTP answer and the denied one must not, over IPv4 and IPv6; loopback
 * must stay open; applying twice must leave one copy of each rule; the verify script must pass; rollback (also run
 * twice) must leave the rules as they were and the port reachable again. Nothing touches the host's firewall or
 * {@code /etc}: files go to the run's scratch directory, ufw and firewalld get private configuration.
 *
 * <p>Needs root and {@code ip netns}; each tool's test also needs that tool installed, and is skipped otherwise.
 */
class PlanNamespaceTest {
    private static final int PORT = 11434;
    private static Netns net;

    @BeforeAll
    static void network() {
        assumeTrue(Netns.available(), Netns.unavailableReason());
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

    /** The allowed client's own addresses, plus networks that must not let the denied client in. */
    private static Policy policy(Block block) {
        return Policy.parse(PORT, List.of(ALLOWED_V4, "192.168.77.0/24", ALLOWED_V6, "fd00:77::/64"), block, false);
    }

    @Test
    void nftables() {
        assumeTrue(Netns.installed("nft"), "nft is not installed");
        Shell srv = net.shell(net.server());
        Plan plan = new NftablesRenderer(stateDir("nft")).render(policy(Block.DROP));
        String before = nftRuleset();
        assertReachable();

        apply(srv, plan);
        String once = nftRuleset();
        apply(srv, plan);
        assertThat(nftRuleset()).as("a second apply changes nothing").isEqualTo(once);
        assertThat(once).containsOnlyOnce("table inet lifeline_guard_11434").containsOnlyOnce("tcp dport 11434 counter drop");
        assertGuarded(Reach.TIMEOUT);
        assertVerify(srv, plan, true);

        rollback(srv, plan);
        assertThat(nftRuleset()).isEqualTo(before);
        assertReachable();
        assertVerify(srv, plan, false);
    }

    @Test
    void nftables_reject_refuses_at_once() {
        assumeTrue(Netns.installed("nft"), "nft is not installed");
        Shell srv = net.shell(net.server());
        Plan plan = new NftablesRenderer(stateDir("nft-reject")).render(policy(Block.REJECT));
        apply(srv, plan);
        assertGuarded(Reach.REFUSED);
        rollback(srv, plan);
        assertReachable();
    }

    @Test
    void iptables() {
        assumeTrue(Netns.installed("iptables") && Netns.installed("ip6tables"), "iptables/ip6tables are not installed");
        Shell srv = net.shell(net.server());
        // a catch-all ACCEPT as many hosts have: an appended rule would land after it and never match
        must(srv, "iptables", "-A", "INPUT", "-j", "ACCEPT");
        must(srv, "ip6tables", "-A", "INPUT", "-j", "ACCEPT");
        Plan plan = new IptablesRenderer(stateDir("iptables")).render(policy(Block.DROP));
        String before = iptablesRules();
        assertReachable();

        apply(srv, plan);
        String once = iptablesRules();
        apply(srv, plan);
        assertThat(iptablesRules()).as("a second apply changes nothing").isEqualTo(once);
        for (String cmd : List.of("iptables", "ip6tables")) {
            List<String> input = must(srv, cmd, "-S", "INPUT").lines();
            assertThat(input.get(1)).as("%s: the jump is the first rule of INPUT", cmd).contains("-j LIFELINE-11434");
            assertThat(input).filteredOn(l -> l.contains("LIFELINE-11434")).hasSize(1);
        }
        assertGuarded(Reach.TIMEOUT);
        assertVerify(srv, plan, true);

        // applying a changed allow-list replaces the chain's contents instead of adding to them
        Plan narrower = new IptablesRenderer(stateDir("iptables")).render(Policy.parse(PORT, List.of(ALLOWED_V4), Block.DROP, false));
        apply(srv, narrower);
        assertThat(net.connect(net.allowed(), SERVER_V4, PORT)).isEqualTo(Reach.OPEN);
        assertThat(net.connect(net.allowed(), SERVER_V6, PORT)).as("IPv6 source no longer listed").isEqualTo(Reach.TIMEOUT);
        assertThat(must(srv, "iptables", "-S", "LIFELINE-11434").lines()).hasSize(4);

        rollback(srv, plan);
        assertThat(iptablesRules()).isEqualTo(before);
        assertReachable();
        assertVerify(srv, plan, false);
    }

    @Test
    void iptables_reject_refuses_at_once() {
        assumeTrue(Netns.installed("iptables") && Netns.installed("ip6tables"), "iptables/ip6tables are not installed");
        Shell srv = net.shell(net.server());
        Plan plan = new IptablesRenderer(stateDir("iptables-reject")).render(policy(Block.REJECT));
        apply(srv, plan);
        assertGuarded(Reach.REFUSED);
        rollback(srv, plan);
        assertReachable();
    }

    @Test
    void ufw() {
        assumeTrue(Netns.installed("ufw"), "ufw is not installed");
        Shell ufw = net.ufw();
        must(ufw, "ufw", "--force", "reset");
        // open by default, so that reachability before and after shows what the plan itself does
        must(ufw, "ufw", "default", "allow", "incoming");
        must(ufw, "ufw", "--force", "enable");
        Plan plan = new UfwRenderer().render(policy(Block.DROP));
        String before = must(ufw, "ufw", "status", "numbered").stdout();
        assertReachable();

        apply(ufw, plan);
        String once = must(ufw, "ufw", "status", "numbered").stdout();
        apply(ufw, plan);
        assertThat(must(ufw, "ufw", "status", "numbered").stdout()).as("a second apply changes nothing").isEqualTo(once);
        assertThat(must(ufw, "ufw", "show", "added").lines()).filteredOn(l -> l.contains("lifeline")).hasSize(5);
        assertGuarded(Reach.TIMEOUT);
        assertVerify(ufw, plan, true);

        rollback(ufw, plan);
        assertThat(must(ufw, "ufw", "status", "numbered").stdout()).isEqualTo(before);
        assertReachable();
        assertVerify(ufw, plan, false);
    }

    @Test
    void ufw_with_the_port_already_allowed_to_all() {
        assumeTrue(Netns.installed("ufw"), "ufw is not installed");
        Shell ufw = net.ufw();
        must(ufw, "ufw", "--force", "reset");
        must(ufw, "ufw", "default", "deny", "incoming");
        // what Ollama tutorials say to run; a plain `ufw deny` or `ufw allow from X` after it would never match
        must(ufw, "ufw", "allow", PORT + "/tcp");
        must(ufw, "ufw", "--force", "enable");
        assertReachable();

        Plan plan = new UfwRenderer().render(policy(Block.DROP));
        apply(ufw, plan);
        apply(ufw, plan);
        assertGuarded(Reach.TIMEOUT);
        assertVerify(ufw, plan, true);
        rollback(ufw, plan);
    }

    @Test
    void firewalld() {
        assumeTrue(Netns.installed("firewalld") && Netns.installed("firewall-cmd") && Netns.installed("dbus-daemon"), "firewalld is not installed");
        try (Netns.Firewalld fw = net.startFirewalld()) {
            Shell sh = fw.shell();
            // the port open zone-wide, as it usually is before anyone restricts it: the rules must win anyway
            fw.cmd("--permanent", "--add-port=" + PORT + "/tcp");
            fw.cmd("--reload");
            assertReachable();

            Plan plan = new FirewalldRenderer().render(policy(Block.DROP));
            apply(sh, plan);
            String once = fw.cmd("--list-rich-rules").stdout();
            apply(sh, plan);
            assertThat(fw.cmd("--list-rich-rules").stdout()).as("a second apply changes nothing").isEqualTo(once);
            assertThat(once.lines()).hasSize(6);
            assertGuarded(Reach.TIMEOUT);
            assertVerify(sh, plan, true);

            rollback(sh, plan);
            assertThat(fw.cmd("--list-rich-rules").stdout()).isBlank();
            assertReachable();
            assertVerify(sh, plan, false);
        }
    }

    @Test
    void firewalld_reject_refuses_at_once() {
        assumeTrue(Netns.installed("firewalld") && Netns.installed("firewall-cmd") && Netns.installed("dbus-daemon"), "firewalld is not installed");
        try (Netns.Firewalld fw = net.startFirewalld()) {
            fw.cmd("--permanent", "--add-port=" + PORT + "/tcp");
            fw.cmd("--reload");
            Plan plan = new FirewalldRenderer().render(policy(Block.REJECT));
            apply(fw.shell(), plan);
            assertGuarded(Reach.REFUSED);
            rollback(fw.shell(), plan);
            assertReachable();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    private static String stateDir(String name) {
        return net.work().resolve("state-" + name).toString();
    }

    private static void apply(Shell shell, Plan plan) {
        must(shell, "sh", "-c", plan.applyScript());
    }

    /** Twice: the second run must find nothing to do and still succeed. */
    private static void rollback(Shell shell, Plan plan) {
        must(shell, "sh", "-c", plan.rollbackScript());
        must(shell, "sh", "-c", plan.rollbackScript());
    }

    private static void assertVerify(Shell shell, Plan plan, boolean inPlace) {
        Shell.Result r = shell.run("sh", "-c", plan.verifyScript());
        assertThat(r.lines()).as("verify output").hasSize(plan.verify().size());
        if (inPlace) {
            assertThat(r.exitCode()).as("verify exit code; output:\n%s", r.stdout()).isZero();
            assertThat(r.lines()).allMatch(l -> l.startsWith("ok "));
        } else {
            assertThat(r.exitCode()).as("verify after rollback; output:\n%s", r.stdout()).isEqualTo(1);
        }
    }

    private static Shell.Result must(Shell shell, String... command) {
        Shell.Result r = shell.run(command);
        assertThat(r.exitCode()).as("%s\nstdout:\n%s\nstderr:\n%s", String.join(" ", command).lines().findFirst().orElse(""), r.stdout(), r.stderr())
                .isZero();
        return r;
    }

    /** The allowed client gets in over both families, the denied one meets {@code blocked}, loopback stays open. */
    private static void assertGuarded(Reach blocked) {
        assertThat(net.connect(net.allowed(), SERVER_V4, PORT)).as("allowed client, IPv4").isEqualTo(Reach.OPEN);
        assertThat(net.connect(net.allowed(), SERVER_V6, PORT)).as("allowed client, IPv6").isEqualTo(Reach.OPEN);
        assertThat(net.connect(net.denied(), SERVER_V4, PORT)).as("denied client, IPv4").isEqualTo(blocked);
        assertThat(net.connect(net.denied(), SERVER_V6, PORT)).as("denied client, IPv6").isEqualTo(blocked);
        assertThat(net.connect(net.server(), "127.0.0.1", PORT)).as("loopback, IPv4").isEqualTo(Reach.OPEN);
        assertThat(net.connect(net.server(), "::1", PORT)).as("loopback, IPv6").isEqualTo(Reach.OPEN);
    }

    private static void assertReachable() {
        assertThat(net.connect(net.denied(), SERVER_V4, PORT)).as("denied client, IPv4, without the plan").isEqualTo(Reach.OPEN);
        assertThat(net.connect(net.denied(), SERVER_V6, PORT)).as("denied client, IPv6, without the plan").isEqualTo(Reach.OPEN);
        assertThat(net.connect(net.allowed(), SERVER_V4, PORT)).isEqualTo(Reach.OPEN);
    }

    /** The server's nft ruleset without counters. */
    private static String nftRuleset() {
        return must(net.shell(net.server()), "nft", "-s", "list", "ruleset").stdout();
    }

    private static String iptablesRules() {
        Shell srv = net.shell(net.server());
        return must(srv, "iptables", "-S").stdout() + must(srv, "ip6tables", "-S").stdout();
    }
}
