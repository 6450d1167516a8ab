package dev.lifeline.drill;

import dev.lifeline.os.Shell;
import dev.lifeline.testing.Netns;
import dev.lifeline.testing.Netns.Reach;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.lifeline.testing.Netns.SERVER_V4;
import static dev.lifeline.testing.Netns.SERVER_V6;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The drill block with real connections, in a {@link Netns}: the server namespace's HTTP server on port 443 plays the
 * cloud, the first client namespace ({@code allowed()}) plays the gateway's machine, where the block is applied through
 * its shell, and the second client namespace ({@code denied()}) is a bystander that must not be affected. The host's
 * firewall is never touched.
 *
 * <p>Needs root, {@code ip netns}, nft and curl; skipped otherwise.
 */
class FirewallBlockNetnsTest {
    private static final int PORT = FirewallBlock.DEFAULT_PORT;
    private static final List<String> CLOUD = List.of(SERVER_V4, SERVER_V6);
    private static Netns net;
    private static String gateway;
    private static String bystander;
    private static Shell gw;

    @BeforeAll
    static void network() {
        assumeTrue(Netns.available(), Netns.unavailableReason());
        assumeTrue(Netns.installed("nft"), "nft is not installed");
        assumeTrue(Netns.installed("curl"), "curl is not installed");
        net = Netns.create();
        net.startHttp(PORT);
        gateway = net.allowed();
        bystander = net.denied();
        gw = net.shell(gateway);
    }

    @AfterAll
    static void teardown() {
        if (net != null) {
            net.close();
        }
    }

    @BeforeEach
    @AfterEach
    void noBlock() throws FirewallBlock.Failure {
        if (gw != null) {
            FirewallBlock.lift(gw);
            net.exec(gateway, "nft", "flush", "ruleset");
        }
    }

    @Test
    void blocks_new_connections_over_both_families_only_on_the_gateway_until_lifted() throws Exception {
        assertReach(gateway, Reach.OPEN);
        assertReach(bystander, Reach.OPEN);

        FirewallBlock block = FirewallBlock.plan(CLOUD, List.of(), Duration.ofSeconds(60));
        FirewallBlock.Blocked blocked = block.apply(gw);
        assertThat(blocked.lines()).containsExactly(SERVER_V4 + " → " + SERVER_V4 + " (tcp 443)",
                SERVER_V6 + " → " + SERVER_V6 + " (tcp 443)");
        assertThat(blocked.expiresAt()).isEqualTo(blocked.appliedAt().plusSeconds(60));

        for (String address : CLOUD) {
            long start = System.nanoTime();
            assertThat(net.connect(gateway, address, PORT)).as("gateway → " + address).isEqualTo(Reach.REFUSED);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("refused at once, not after a timeout")
                    .isLessThan(Duration.ofMillis(1000));
            assertThat(net.connect(bystander, address, PORT)).as("bystander → " + address).isEqualTo(Reach.OPEN);
        }
        // another port of the same server is not part of the block
        net.startHttp(8080);
        assertThat(net.connect(gateway, SERVER_V4, 8080)).isEqualTo(Reach.OPEN);

        FirewallBlock.Status status = FirewallBlock.status(gw);
        assertThat(status.present()).isTrue();
        assertThat(status.blocking()).isTrue();
        assertThat(status.elements()).extracting(FirewallBlock.Element::address).containsExactlyInAnyOrder(SERVER_V4, SERVER_V6);
        assertThat(status.elements()).allSatisfy(e -> assertThat(e.timeout()).isEqualTo(Duration.ofSeconds(60)));
        assertThat(status.remaining()).hasValueSatisfying(r -> assertThat(r).isBetween(Duration.ofSeconds(45), Duration.ofSeconds(60)));
        assertThat(status.rejectedPackets()).as("the two refused SYNs were counted").isGreaterThanOrEqualTo(2);
        assertThat(status.describe()).startsWith("blocking 2 addresses for another ");

        assertThat(FirewallBlock.lift(gw)).isTrue();
        assertReach(gateway, Reach.OPEN);
        assertThat(FirewallBlock.status(gw)).isEqualTo(FirewallBlock.Status.ABSENT);
        assertThat(FirewallBlock.lift(gw)).as("lifting again is harmless").isFalse();
        assertThat(Shell.local().run("nft", "list", "table", "inet", FirewallBlock.TABLE).ok())
                .as("nothing reached the host's own firewall").isFalse();
    }

    /**
     * The gateway's keep-alive connection, opened before the block, must fail on its next request: otherwise the drill
     * would test nothing while the gateway keeps talking to the cloud. With {@code frontEnd}, the gateway's machine also
     * has a ufw/firewalld-like table accepting established connections first; our table must reset them anyway.
     */
    @ParameterizedTest(name = "{0}, other firewall accepting established: {1}")
    @CsvSource({SERVER_V4 + ",false", SERVER_V6 + ",false", SERVER_V4 + ",true", SERVER_V6 + ",true"})
    void resets_a_keep_alive_connection_opened_before_the_block(String address, boolean frontEnd) throws Exception {
        if (frontEnd) {
            Path file = net.work().resolve("frontend.nft");
            Files.writeString(file, """
                    table inet frontend {
                      chain output { type filter hook output priority filter; policy accept; ct state established,related accept; }
                      chain input { type filter hook input priority filter; policy accept; ct state established,related accept; }
                    }
                    """);
            net.must(gateway, "nft", "-f", file.toString());
        }
        try (KeepAlive control = new KeepAlive(address)) {
            String first = control.first();
            assertThat(first).startsWith("1 200 ");
            assertThat(control.next()).as("without a block, the same connection answers again")
                    .isEqualTo("2 200 " + first.substring(6));
        }

        try (KeepAlive conn = new KeepAlive(address)) {
            assertThat(conn.first()).startsWith("1 200 ");
            FirewallBlock.plan(CLOUD, List.of(PORT), Duration.ofSeconds(30)).apply(gw);
            long start = System.nanoTime();
            String second = conn.next();
            System.out.printf("keep-alive over %s (other firewall accepting established: %s): %s after %d ms%n",
                    address, frontEnd, second, Duration.ofNanos(System.nanoTime() - start).toMillis());
            assertThat(second).as("the second request on the old connection").startsWith("2 failed ")
                    .containsIgnoringCase("reset");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("failed at once").isLessThan(Duration.ofSeconds(1));
        }
        assertThat(FirewallBlock.status(gw).rejectedPackets()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void lifts_itself_when_the_time_is_up() throws Exception {
        FirewallBlock block = FirewallBlock.plan(CLOUD, List.of(), Duration.ofSeconds(3));
        assertThat(block.script()).contains("timeout 3s");
        long start = System.nanoTime();
        block.apply(gw);
        assertThat(net.connect(gateway, SERVER_V4, PORT)).isEqualTo(Reach.REFUSED);
        assertThat(net.connect(gateway, SERVER_V6, PORT)).isEqualTo(Reach.REFUSED);

        Duration openV4 = waitUntilOpen(SERVER_V4, start);
        Duration openV6 = waitUntilOpen(SERVER_V6, start);
        System.out.printf("drill block of 3 s: open again over v4 after %d ms, v6 after %d ms%n", openV4.toMillis(),
                openV6.toMillis());
        assertThat(openV4).isBetween(Duration.ofMillis(2500), Duration.ofSeconds(5));
        assertThat(openV6).isLessThan(Duration.ofSeconds(5));

        FirewallBlock.Status status = FirewallBlock.status(gw);
        assertThat(status.present()).as("the empty table stays until lift or the next drill").isTrue();
        assertThat(status.blocking()).isFalse();
        assertThat(status.describe()).startsWith("drill block expired");
    }

    @Test
    void applying_twice_replaces_the_block() throws Exception {
        FirewallBlock.plan(CLOUD, List.of(), Duration.ofSeconds(120)).apply(gw);
        FirewallBlock second = FirewallBlock.plan(List.of(SERVER_V4), List.of(443, 8443), Duration.ofSeconds(30));
        second.apply(gw);
        second.apply(gw);

        String listing = net.must(gateway, "nft", "list", "table", "inet", FirewallBlock.TABLE).stdout();
        assertThat(listing).containsOnlyOnce("chain output").containsOnlyOnce("ip daddr @blocked_v4 tcp dport { 443, 8443 }");
        assertThat(FirewallBlock.status(gw).elements()).singleElement().satisfies(e -> {
            assertThat(e.address()).isEqualTo(SERVER_V4);
            assertThat(e.timeout()).isEqualTo(Duration.ofSeconds(30));
        });
        assertThat(net.connect(gateway, SERVER_V4, PORT)).isEqualTo(Reach.REFUSED);
        assertThat(net.connect(gateway, SERVER_V6, PORT)).as("v6 was not part of the second block").isEqualTo(Reach.OPEN);
        assertThat(net.must(gateway, "nft", "list", "tables").stdout().lines()
                .filter(l -> l.contains(FirewallBlock.TABLE))).hasSize(1);
    }

    @Test
    void not_root_gets_the_stated_message_and_changes_nothing() throws Exception {
        assumeTrue(Netns.installed("setpriv"), "setpriv is not installed");
        Shell nobody = Shell.prefixed(List.of("ip", "netns", "exec", gateway, "setpriv", "--reuid=65534",
                "--regid=65534", "--clear-groups")).withTimeout(Duration.ofSeconds(20));
        FirewallBlock block = FirewallBlock.plan(CLOUD, List.of(), Duration.ofSeconds(30));

        assertThatThrownBy(() -> block.apply(nobody)).isInstanceOf(FirewallBlock.Failure.class)
                .hasMessage("nft: Operation not permitted — run the drill with sudo, or use --block admin");
        assertThatThrownBy(() -> FirewallBlock.status(nobody)).hasMessage(FirewallBlock.NOT_ROOT);
        assertThatThrownBy(() -> FirewallBlock.lift(nobody)).hasMessage(FirewallBlock.NOT_ROOT);
        assertThat(FirewallBlock.status(gw)).isEqualTo(FirewallBlock.Status.ABSENT);
        assertReach(gateway, Reach.OPEN);
    }

    @Test
    void the_script_passes_nft_check_with_only_v4_or_only_v6() throws Exception {
        for (List<String> hosts : List.of(List.of(SERVER_V4), List.of(SERVER_V6))) {
            FirewallBlock block = FirewallBlock.plan(hosts, List.of(), Duration.ofHours(24));
            block.apply(gw);
            assertThat(FirewallBlock.status(gw).elements()).singleElement()
                    .satisfies(e -> assertThat(e.timeout()).isEqualTo(Duration.ofHours(24)));
        }
    }

    private static Duration waitUntilOpen(String address, long startNanos) throws InterruptedException {
        while (net.connect(gateway, address, PORT) != Reach.OPEN) {
            assertThat(Duration.ofNanos(System.nanoTime() - startNanos)).as(address + " still blocked")
                    .isLessThan(Duration.ofSeconds(8));
            Thread.sleep(100);
        }
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    private static void assertReach(String ns, Reach expected) {
        for (String address : CLOUD) {
            assertThat(net.connect(ns, address, PORT)).as(ns + " → " + address).isEqualTo(expected);
        }
    }

    /** {@link FirewallBlockKeepAliveClient} running in the gateway's namespace. */
    private static final class KeepAlive implements AutoCloseable {
        private final Process process;
        private final BufferedReader out;
        private final OutputStream in;

        KeepAlive(String address) throws IOException {
            String java = ProcessHandle.current().info().command().orElse("java");
            String classpath = Path.of(FirewallBlockKeepAliveClient.class.getProtectionDomain().getCodeSource()
                    .getLocation().getPath()).toString();
            process = new ProcessBuilder("ip", "netns", "exec", gateway, java, "-Xshare:auto",
                    "-XX:TieredStopAtLevel=1", "-cp", classpath, FirewallBlockKeepAliveClient.class.getName(), address,
                    String.valueOf(PORT)).redirectErrorStream(true).start();
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            in = process.getOutputStream();
        }

        String first() throws IOException {
            return String.valueOf(out.readLine());
        }

        /** Asks for one more request on the same connection and returns what the client printed. */
        String next() throws IOException {
            in.write('\n');
            in.flush();
            return String.valueOf(out.readLine());
        }

        @Override
        public void close() throws Exception {
            in.close();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
