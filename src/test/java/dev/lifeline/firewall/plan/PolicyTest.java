package dev.lifeline.firewall.plan;

import dev.lifeline.firewall.Cidr;
import dev.lifeline.firewall.Family;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class PolicyTest {
    @Test
    void normalises_sorts_and_deduplicates_and_says_what_it_did() {
        AllowList list = AllowList.parse(List.of("fd00::/64", "192.168.1.5", "10.0.0.77/24", "10.0.0.9", "192.168.1.5", "fd00::1", "127.0.0.1"), false);
        assertThat(list.sources()).extracting(Cidr::toString).containsExactly("10.0.0.0/24", "192.168.1.5", "fd00::/64");
        assertThat(list.notes()).containsExactly(
                "10.0.0.77/24 has host bits set; using 10.0.0.0/24",
                "192.168.1.5 is listed more than once; kept once",
                "127.0.0.1 is loopback, which is always allowed; not listed again",
                "10.0.0.9 is inside 10.0.0.0/24; dropped as redundant",
                "fd00::1 is inside fd00::/64; dropped as redundant");
        assertThat(list.sources(Family.IPV6)).extracting(Cidr::toString).containsExactly("fd00::/64");
    }

    @Test
    void a_wider_network_given_later_still_absorbs_the_narrower() {
        AllowList list = AllowList.parse(List.of("10.1.2.0/24", "10.1.0.0/16", "10.0.0.0/8"), false);
        assertThat(list.sources()).extracting(Cidr::toString).containsExactly("10.0.0.0/8");
        assertThat(list.notes()).contains("10.1.0.0/16 is inside 10.0.0.0/8; dropped as redundant", "10.1.2.0/24 is inside 10.0.0.0/8; dropped as redundant");
    }

    @Test
    void says_when_one_family_gets_nothing() {
        assertThat(AllowList.parse(List.of("10.0.0.0/24"), false).notes())
                .containsExactly("no IPv6 source is allowed: IPv6 clients are blocked too (only loopback gets in)");
    }

    @Test
    void flags_public_addresses() {
        assertThat(AllowList.parse(List.of("203.0.113.0/24", "fd00::/64"), false).notes()).containsExactly("203.0.113.0/24 includes public internet addresses");
    }

    @Test
    void refuses_the_whole_internet_unless_forced() {
        PolicyException e = catchThrowableOfType(PolicyException.class, () -> AllowList.parse(List.of("0.0.0.0/0", "::/0"), false));
        assertThat(e.problems()).containsExactly(
                "--allow 0.0.0.0/0: allows the whole internet (every IPv4 address), which is no protection at all; pass --force if that is really meant",
                "--allow ::/0: allows the whole internet (every IPv6 address), which is no protection at all; pass --force if that is really meant");
        assertThat(AllowList.parse(List.of("0.0.0.0/0"), true).sources()).extracting(Cidr::toString).containsExactly("0.0.0.0/0");
    }

    @Test
    void refuses_an_empty_list_unless_forced() {
        assertThatThrownBy(() -> AllowList.parse(List.of(), false))
                .hasMessage("no --allow given: only this machine (loopback) could connect; pass --force if that is really meant");
        assertThat(AllowList.parse(List.of(), true).isEmpty()).isTrue();
        // asking for loopback alone is a clear choice, not an accident
        assertThat(AllowList.parse(List.of("::1"), false).isEmpty()).isTrue();
    }

    @Test
    void reports_every_problem_at_once_with_the_value_typed() {
        PolicyException e = catchThrowableOfType(PolicyException.class,
                () -> Policy.parse(0, List.of("10.0.0.300/24", "10.0.0.0/33", "db.local", "10.0.0.0/24"), Block.DROP, false));
        assertThat(e.problems()).containsExactly(
                "--port 0: must be 1-65535",
                "--allow 10.0.0.300/24: not an IPv4 or IPv6 address",
                "--allow 10.0.0.0/33: prefix /33 is out of range for IPv4 (0-32)",
                "--allow db.local: not an IPv4 or IPv6 address (host names are not resolved: give an address or a subnet)");
        assertThat(e).hasMessage(String.join("\n", e.problems()));
    }

    @Test
    void port_range() {
        assertThat(Policy.parse(1, List.of("10.0.0.0/8"), Block.DROP, false).port()).isEqualTo(1);
        assertThat(Policy.parse(65535, List.of("10.0.0.0/8"), Block.DROP, false).port()).isEqualTo(65535);
        assertThatThrownBy(() -> Policy.parse(65536, List.of("10.0.0.0/8"), Block.DROP, false)).hasMessage("--port 65536: must be 1-65535");
        assertThatThrownBy(() -> new Policy(-1, AllowList.of(List.of()), Block.DROP)).isInstanceOf(PolicyException.class);
    }

    @Test
    void names_and_summary() {
        Policy p = Policy.parse(11434, List.of("10.0.0.0/24", "fd00::/64"), Block.REJECT, false);
        assertThat(p.tag()).isEqualTo("lifeline");
        assertThat(p.name()).isEqualTo("lifeline-11434");
        assertThat(p.summary()).isEqualTo("TCP port 11434 accepts loopback, 10.0.0.0/24, fd00::/64; everyone else: reject (clients are refused at once)");
        assertThatThrownBy(() -> new Policy(1, p.allow(), Block.DROP, "Life line")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void tools_by_command_line_name() {
        assertThat(Frontend.fromId("NFTables")).isEqualTo(Frontend.NFTABLES);
        assertThatThrownBy(() -> Frontend.fromId("auto")).hasMessage("--tool auto: expected one of ufw, firewalld, nftables, iptables, windows, pf");
    }
}
