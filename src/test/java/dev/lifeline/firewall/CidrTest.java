package dev.lifeline.firewall;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CidrTest {
    @ParameterizedTest
    @CsvSource({
            "10.0.0.0/24, 10.0.0.0/24, IPV4, 24",
            "192.168.1.5, 192.168.1.5, IPV4, 32",
            "192.168.1.5/32, 192.168.1.5, IPV4, 32",
            "0.0.0.0/0, 0.0.0.0/0, IPV4, 0",
            "fd00::/64, fd00::/64, IPV6, 64",
            "::1, ::1, IPV6, 128",
            "FD00:0:0:0:0:0:0:1, fd00::1, IPV6, 128",
            "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1, IPV6, 128",
            "2001:0db8::, 2001:db8::, IPV6, 128",
            "::, ::, IPV6, 128",
            "::/0, ::/0, IPV6, 0",
            "64:ff9b::192.0.2.33, 64:ff9b::c000:221, IPV6, 128",
            "fe80::1:2:3:4/10, fe80::/10, IPV6, 10",
    })
    void parses_and_prints_canonically(String text, String printed, Family family, int prefix) {
        Cidr c = Cidr.parse(text);
        assertThat(c.toString()).isEqualTo(printed);
        assertThat(c.family()).isEqualTo(family);
        assertThat(c.prefix()).isEqualTo(prefix);
        assertThat(Cidr.parse(printed)).isEqualTo(c);
    }

    @Test
    void host_bits_are_cleared_and_said_so() {
        List<String> notes = new ArrayList<>();
        assertThat(Cidr.parse("10.0.0.77/24", notes::add)).hasToString("10.0.0.0/24");
        assertThat(notes).containsExactly("10.0.0.77/24 has host bits set; using 10.0.0.0/24");
        notes.clear();
        assertThat(Cidr.parse("fd00::abcd/64", notes::add)).hasToString("fd00::/64");
        assertThat(notes).hasSize(1);
        notes.clear();
        Cidr.parse("10.0.0.0/24", notes::add);
        assertThat(notes).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.300/24", "10.0.0", "10.0.0.0.1", "1.2.3.-4", "010.0.0.1", "", " ", "/24", "fd00::1::2",
            "fd00:::1", "12345::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "fe80::1%eth0", "[::1]", "::1.2.3", "0x7f.0.0.1"})
    void refuses_what_is_not_an_address(String text) {
        assertThatThrownBy(() -> Cidr.parse(text)).isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("not an IPv4 or IPv6 address");
    }

    @Test
    void never_resolves_host_names() {
        assertThatThrownBy(() -> Cidr.parse("localhost")).hasMessage("not an IPv4 or IPv6 address (host names are not resolved: give an address or a subnet)");
        assertThatThrownBy(() -> Cidr.parse("ollama.example.com/24")).hasMessageContaining("host names are not resolved");
    }

    @Test
    void refuses_prefixes_out_of_range() {
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/33")).hasMessage("prefix /33 is out of range for IPv4 (0-32)");
        assertThatThrownBy(() -> Cidr.parse("fd00::/129")).hasMessage("prefix /129 is out of range for IPv6 (0-128)");
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/")).hasMessage("the prefix after / must be a number (0-32)");
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/-1")).hasMessage("the prefix after / must be a number (0-32)");
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/1000")).hasMessageStartingWith("the prefix after / must be a number");
    }

    @Test
    void refuses_ipv4_mapped_addresses_which_match_no_packet() {
        assertThatThrownBy(() -> Cidr.parse("::ffff:10.0.0.1")).hasMessageEndingWith("write it as IPv4 (10.0.0.1)");
    }

    @Test
    void containment_and_order() {
        Cidr net = Cidr.parse("10.0.0.0/24");
        assertThat(net.contains(Cidr.parse("10.0.0.5"))).isTrue();
        assertThat(net.contains(Cidr.parse("10.0.1.5"))).isFalse();
        assertThat(net.contains(Cidr.parse("10.0.0.0/16"))).isFalse();
        assertThat(net.contains(net)).isTrue();
        assertThat(Cidr.parse("::/0").contains(Cidr.parse("10.0.0.1"))).isFalse();
        assertThat(List.of(Cidr.parse("fd00::/64"), Cidr.parse("10.0.0.5"), Cidr.parse("10.0.0.0/24"), Cidr.parse("9.0.0.0/8")).stream().sorted().map(Cidr::toString))
                .containsExactly("9.0.0.0/8", "10.0.0.0/24", "10.0.0.5", "fd00::/64");
    }

    @Test
    void knows_private_and_loopback_ranges() {
        assertThat(Cidr.parse("192.168.1.0/24").isPrivate()).isTrue();
        assertThat(Cidr.parse("100.100.1.1").isPrivate()).isTrue();
        assertThat(Cidr.parse("fd12:3456::/48").isPrivate()).isTrue();
        assertThat(Cidr.parse("8.8.8.8").isPrivate()).isFalse();
        assertThat(Cidr.parse("10.0.0.0/7").isPrivate()).isFalse();
        assertThat(Cidr.parse("127.0.0.1").isLoopback()).isTrue();
        assertThat(Cidr.parse("::1").isLoopback()).isTrue();
        assertThat(Cidr.parse("::2").isLoopback()).isFalse();
    }
}
