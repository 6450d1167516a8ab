package dev.lifeline.doctor.listen;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.Optional;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Which clients reach which socket: the question behind most "connection refused" on one machine. */
class ListenerTest {
    private static final InetAddress V4_LOOPBACK = ip("127.0.0.1");
    private static final InetAddress V6_LOOPBACK = ip("::1");
    private static final InetAddress LAN = ip("192.168.1.20");

    @Test
    void loopbackListenersTakeOnlyTheirOwnFamily() {
        Listener v4 = listener("127.0.0.1", false);
        assertThat(v4.loopbackOnly()).isTrue();
        assertThat(v4.allInterfaces()).isFalse();
        assertThat(v4.accepts(V4_LOOPBACK)).isTrue();
        assertThat(v4.accepts(V6_LOOPBACK)).as("localhost resolved to ::1 is refused").isFalse();
        assertThat(v4.accepts(LAN)).isFalse();
        assertThat(v4.display()).isEqualTo("127.0.0.1:11434");

        Listener v6 = listener("::1", false);
        assertThat(v6.loopbackOnly()).isTrue();
        assertThat(v6.accepts(V4_LOOPBACK)).isFalse();
        assertThat(v6.accepts(V6_LOOPBACK)).isTrue();
        assertThat(v6.display()).isEqualTo("[::1]:11434");
        assertThat(v6.localAuthority()).isEqualTo("[::1]:11434");
    }

    @Test
    void wildcardsTakeTheirFamilyAndIpv4OnlyWhenDualStack() {
        Listener any4 = listener("0.0.0.0", false);
        assertThat(any4.allInterfaces()).isTrue();
        assertThat(any4.loopbackOnly()).isFalse();
        assertThat(any4.accepts(LAN)).isTrue();
        assertThat(any4.accepts(V6_LOOPBACK)).isFalse();
        assertThat(any4.display()).isEqualTo("0.0.0.0:11434");
        assertThat(any4.localAuthority()).isEqualTo("127.0.0.1:11434");

        Listener dual = listener("::", true);
        assertThat(dual.accepts(V4_LOOPBACK)).isTrue();
        assertThat(dual.accepts(V6_LOOPBACK)).isTrue();
        assertThat(dual.display()).isEqualTo("*:11434");
        assertThat(dual.localAuthority()).isEqualTo("[::1]:11434");

        Listener v6only = listener("::", false);
        assertThat(v6only.accepts(V4_LOOPBACK)).isFalse();
        assertThat(v6only.accepts(V6_LOOPBACK)).isTrue();
        assertThat(v6only.display()).isEqualTo("[::]:11434");
    }

    @Test
    void onlyAnIpv6WildcardCanBeDualStack() {
        assertThatThrownBy(() -> listener("0.0.0.0", true)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> listener("::1", true)).isInstanceOf(IllegalArgumentException.class);
    }

    private static Listener listener(String address, boolean dualStack) {
        return new Listener(ip(address), 11434, dualStack, OptionalInt.of(0), Optional.of("root"), Optional.empty());
    }

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
