package dev.lifeline.doctor.listen;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.assertj.core.api.Assertions.assertThat;

/** Addresses as people write them, and as lsof and netstat print them. */
class AddressesTest {
    @Test
    void ipv6IsWrittenInTheShortFormPeopleType() throws Exception {
        assertThat(Addresses.format(InetAddress.getByName("::1"))).isEqualTo("::1");
        assertThat(Addresses.format(InetAddress.getByName("::"))).isEqualTo("::");
        assertThat(Addresses.format(InetAddress.getByName("fd00:0:0:0:0:0:0:2"))).isEqualTo("fd00::2");
        assertThat(Addresses.format(InetAddress.getByName("fe80::fc:ff:fe00:1"))).isEqualTo("fe80::fc:ff:fe00:1");
        // RFC 5952: the longest zero run, the first of equal ones, and never a single zero group
        assertThat(Addresses.format(InetAddress.getByName("2001:db8:0:0:1:0:0:1"))).isEqualTo("2001:db8::1:0:0:1");
        assertThat(Addresses.format(InetAddress.getByName("2001:db8:0:1:1:1:1:1"))).isEqualTo("2001:db8:0:1:1:1:1:1");
        assertThat(Addresses.format(InetAddress.getByName("1:0:0:2:0:0:0:3"))).isEqualTo("1:0:0:2::3");
        assertThat(Addresses.withPort(InetAddress.getByName("::1"), 11434)).isEqualTo("[::1]:11434");
        assertThat(Addresses.withPort(InetAddress.getByName("127.0.0.1"), 11434)).isEqualTo("127.0.0.1:11434");
    }

    @Test
    void readsToolAddressesWithoutAskingDns() throws Exception {
        assertThat(Addresses.parseHostPort("127.0.0.1:11434", false))
                .contains(new Addresses.HostPort(InetAddress.getByName("127.0.0.1"), 11434));
        assertThat(Addresses.parseHostPort("[::1]:8080", false)).contains(new Addresses.HostPort(InetAddress.getByName("::1"), 8080));
        assertThat(Addresses.parseHostPort("[fe80::1%12]:5353", false))
                .contains(new Addresses.HostPort(InetAddress.getByName("fe80::1"), 5353));
        assertThat(Addresses.parseHostPort("*:1234", true)).contains(new Addresses.HostPort(InetAddress.getByName("::"), 1234));
        assertThat(Addresses.parseHostPort("*:1234", false)).contains(new Addresses.HostPort(InetAddress.getByName("0.0.0.0"), 1234));
        assertThat(Addresses.parseHostPort("localhost:11434", false)).isEmpty();
        assertThat(Addresses.parseHostPort("127.0.0.1:http", false)).isEmpty();
        assertThat(Addresses.parseHostPort("127.0.0.1:70000", false)).isEmpty();
        assertThat(Addresses.parseHostPort("1234", false)).isEmpty();
    }
}
