package dev.lifeline.drill;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeline.os.Shell;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Planning and reading without root or nft: resolution, validation, the script's text, status parsing, messages. */
class FirewallBlockTest {
    private static final Duration MINUTE = Duration.ofMinutes(1);

    /** A DNS of the test's own: two CDN-like names, one of them dual-stack. */
    private static final FirewallBlock.Resolver DNS = host -> switch (host) {
        case "api.cloud.test" -> List.of(ip("203.0.113.7"), ip("203.0.113.8"), ip("2001:db8::7"));
        case "alias.cloud.test" -> List.of(ip("203.0.113.7"));
        case "v6only.cloud.test" -> List.of(ip("2001:db8::6"));
        default -> throw new UnknownHostException(host);
    };

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    @Test
    void resolves_names_keeps_literals_and_defaults_to_443() throws Exception {
        FirewallBlock b = FirewallBlock.plan(List.of("api.cloud.test", "198.51.100.1", "[2001:db8::1]", "alias.cloud.test"),
                List.of(), MINUTE, DNS);
        assertThat(b.ports()).containsExactly(443);
        assertThat(b.targets()).containsOnlyKeys("api.cloud.test", "198.51.100.1", "2001:db8::1", "alias.cloud.test");
        assertThat(b.targets().get("api.cloud.test")).containsExactly(ip("203.0.113.7"), ip("203.0.113.8"), ip("2001:db8::7"));
        assertThat(b.targets().get("198.51.100.1")).containsExactly(ip("198.51.100.1"));
        assertThat(b.addresses()).as("deduplicated, v4 first").containsExactly(ip("203.0.113.7"), ip("203.0.113.8"),
                ip("198.51.100.1"), ip("2001:db8::7"), ip("2001:db8::1"));
    }

    @Test
    void the_system_resolver_answers_for_localhost() throws Exception {
        FirewallBlock b = FirewallBlock.plan(List.of("localhost"), List.of(443), MINUTE);
        assertThat(b.targets().get("localhost")).isNotEmpty().allSatisfy(a -> assertThat(a.isLoopbackAddress()).isTrue());
    }

    @Test
    void unresolvable_hosts_are_one_error_naming_each() {
        assertThatThrownBy(() -> FirewallBlock.plan(List.of("api.cloud.test", "gone.cloud.test", "typo.cloud.test"),
                List.of(), MINUTE, DNS)).isInstanceOf(FirewallBlock.Failure.class)
                .hasMessageStartingWith("cannot resolve gone.cloud.test, typo.cloud.test");
    }

    @Test
    void rejects_out_of_range_durations_ports_and_empty_hosts() {
        assertThatThrownBy(() -> FirewallBlock.plan(List.of("203.0.113.7"), List.of(), Duration.ofHours(25), DNS))
                .isInstanceOf(FirewallBlock.Failure.class).hasMessageContaining("between 1s and 24h, not 25h");
        assertThatThrownBy(() -> FirewallBlock.plan(List.of("203.0.113.7"), List.of(), Duration.ofMillis(500), DNS))
                .isInstanceOf(FirewallBlock.Failure.class);
        assertThatThrownBy(() -> FirewallBlock.plan(List.of("203.0.113.7"), List.of(0), MINUTE, DNS))
                .hasMessage("not a TCP port: 0");
        assertThatThrownBy(() -> FirewallBlock.plan(List.of(), List.of(), MINUTE, DNS)).hasMessage("no cloud hosts to block");
        assertThatThrownBy(() -> FirewallBlock.plan(List.of("0.0.0.0"), List.of(), MINUTE, DNS))
                .hasMessageContaining("would block nothing useful");
    }

    @Test
    void ports_are_443_plus_those_of_the_cloud_urls() {
        assertThat(FirewallBlock.ports(List.of(URI.create("https://api.openai.com/v1"),
                URI.create("https://eu.cloud.test:8443/v1"), URI.create("http://plain.cloud.test/v1"))))
                .containsExactly(80, 443, 8443);
    }

    @Test
    void the_script_is_an_idempotent_self_expiring_reject_in_our_own_table() throws Exception {
        FirewallBlock b = FirewallBlock.plan(List.of("api.cloud.test"), List.of(8443, 443, 443), Duration.ofSeconds(90), DNS);
        assertThat(b.script()).isEqualTo("""
                # lifeline drill: block the cloud (api.cloud.test) on tcp { 443, 8443 } for 90s; expires on its own
                table inet lifeline_drill
                delete table inet lifeline_drill
                table inet lifeline_drill {
                \tset blocked_v4 {
                \t\ttype ipv4_addr
                \t\tflags timeout
                \t\ttimeout 90s
                \t}
                \tset blocked_v6 {
                \t\ttype ipv6_addr
                \t\tflags timeout
                \t\ttimeout 90s
                \t}
                \tchain output {
                \t\ttype filter hook output priority filter + 10; policy accept;
                \t\tip daddr @blocked_v4 tcp dport { 443, 8443 } counter reject with tcp reset
                \t\tip6 daddr @blocked_v6 tcp dport { 443, 8443 } counter reject with tcp reset
                \t}
                }
                add element inet lifeline_drill blocked_v4 { 203.0.113.7 timeout 90s, 203.0.113.8 timeout 90s }
                add element inet lifeline_drill blocked_v6 { 2001:db8::7 timeout 90s }
                """);
    }

    @Test
    void a_family_without_addresses_gets_no_empty_element_list() throws Exception {
        assertThat(FirewallBlock.plan(List.of("v6only.cloud.test"), List.of(), MINUTE, DNS).script())
                .doesNotContain("blocked_v4 {  }").doesNotContain("add element inet lifeline_drill blocked_v4")
                .contains("add element inet lifeline_drill blocked_v6 { 2001:db8::6 timeout 60s }");
    }

    @Test
    void durations_in_nft_syntax() {
        assertThat(FirewallBlock.nftDuration(Duration.ofSeconds(3))).isEqualTo("3s");
        assertThat(FirewallBlock.nftDuration(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(FirewallBlock.nftDuration(Duration.ofHours(24))).isEqualTo("86400s");
    }

    @Test
    void status_reads_nft_json() throws Exception {
        // nft 1.0.6: nft -j list table inet lifeline_drill, 12 s into a 60 s block (plus one element added by hand for 90 s), after 3 rejected packets
        String json = """
                {"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}},
                 {"table": {"family": "inet", "name": "lifeline_drill", "handle": 4}},
                 {"set": {"family": "inet", "name": "blocked_v4", "table": "lifeline_drill", "type": "ipv4_addr", "handle": 2,
                   "flags": ["timeout"], "timeout": 60, "elem": [{"elem": {"val": "10.200.0.1", "expires": 48}}, {"elem": {"val": "10.200.0.2", "timeout": 90, "expires": 80}}]}},
                 {"set": {"family": "inet", "name": "blocked_v6", "table": "lifeline_drill", "type": "ipv6_addr", "handle": 3,
                   "flags": ["timeout"], "timeout": 60}},
                 {"chain": {"family": "inet", "table": "lifeline_drill", "name": "output", "handle": 1, "type": "filter",
                   "hook": "output", "prio": 10, "policy": "accept"}},
                 {"rule": {"family": "inet", "table": "lifeline_drill", "chain": "output", "handle": 5, "expr": [
                   {"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "daddr"}}, "right": "@blocked_v4"}},
                   {"counter": {"packets": 3, "bytes": 180}}, {"reject": {"type": "tcp reset"}}]}}]}
                """;
        FirewallBlock.Status s = FirewallBlock.Status.parse(new ObjectMapper().readTree(json));
        assertThat(s.present()).isTrue();
        assertThat(s.elements()).as("an element's timeout defaults to the set's").containsExactly(
                new FirewallBlock.Element("10.200.0.1", MINUTE, Duration.ofSeconds(48)),
                new FirewallBlock.Element("10.200.0.2", Duration.ofSeconds(90), Duration.ofSeconds(80)));
        assertThat(s.remaining()).contains(Duration.ofSeconds(80));
        assertThat(s.rejectedPackets()).isEqualTo(3);
        assertThat(s.describe()).isEqualTo("blocking 2 addresses for another 80 s, 3 packets rejected so far");
        assertThat(FirewallBlock.Status.ABSENT.describe()).contains("absent");
    }

    @Test
    void missing_nft_is_a_clear_error_not_a_stack_trace() throws Exception {
        Shell noNft = Shell.prefixed(List.of("env", "PATH=/nonexistent-lifeline-test"));
        FirewallBlock b = FirewallBlock.plan(List.of("203.0.113.7"), List.of(), MINUTE, DNS);
        assertThatThrownBy(() -> b.apply(noNft)).isInstanceOf(FirewallBlock.Failure.class)
                .hasMessage(FirewallBlock.NOT_INSTALLED);
        assertThatThrownBy(() -> FirewallBlock.lift(noNft)).hasMessage(FirewallBlock.NOT_INSTALLED);
        assertThatThrownBy(() -> FirewallBlock.status(noNft)).hasMessage(FirewallBlock.NOT_INSTALLED);
    }

    @Test
    void blocked_lines_for_the_report() throws Exception {
        FirewallBlock b = FirewallBlock.plan(List.of("api.cloud.test"), List.of(443, 8443), MINUTE, DNS);
        var blocked = new FirewallBlock.Blocked(b.targets(), b.ports(), b.duration(), java.time.Instant.EPOCH,
                java.time.Instant.EPOCH.plus(MINUTE));
        assertThat(blocked.lines()).containsExactly("api.cloud.test → 203.0.113.7, 203.0.113.8, 2001:db8::7 (tcp 443, 8443)");
        assertThat(blocked.targets()).isEqualTo(Map.of("api.cloud.test", b.targets().get("api.cloud.test")));
    }
}
