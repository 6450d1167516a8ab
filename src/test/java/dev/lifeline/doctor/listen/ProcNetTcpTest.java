package dev.lifeline.doctor.listen;

import org.junit.jupiter.api.Test;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteOrder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Decoding {@code /proc/net/tcp*} as the kernel writes it on little- and big-endian machines. */
class ProcNetTcpTest {
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

    @Test
    void ipv4IsByteReversedOnLittleEndianOnly() throws Exception {
        assertThat(ProcNetTcp.address("0100007F", LE)).isEqualTo(InetAddress.getByName("127.0.0.1"));
        assertThat(ProcNetTcp.address("7F000001", BE)).isEqualTo(InetAddress.getByName("127.0.0.1"));
        assertThat(ProcNetTcp.address("020200C0", LE)).isEqualTo(InetAddress.getByName("192.0.2.2"));
        assertThat(ProcNetTcp.address("00000000", LE)).isEqualTo(InetAddress.getByName("0.0.0.0"));
    }

    @Test
    void ipv6IsFourWordsEachByteReversed() throws Exception {
        assertThat(ProcNetTcp.address("00000000000000000000000001000000", LE)).isEqualTo(InetAddress.getByName("::1"));
        assertThat(ProcNetTcp.address("00000000000000000000000000000001", BE)).isEqualTo(InetAddress.getByName("::1"));
        assertThat(ProcNetTcp.address("00000000000000000000000000000000", LE)).isEqualTo(InetAddress.getByName("::"));
        // fd00::2 and 2001:db8::8a2e:370:7334: every word reversed, the word order kept
        assertThat(ProcNetTcp.address("000000FD000000000000000002000000", LE)).isEqualTo(InetAddress.getByName("fd00::2"));
        assertThat(ProcNetTcp.address("B80D0120000000002E8A000034737003", LE))
                .isEqualTo(InetAddress.getByName("2001:db8::8a2e:370:7334"));
    }

    @Test
    void ipv4MappedIpv6IsTheIpv4AddressItAccepts() throws Exception {
        InetAddress mapped = ProcNetTcp.address("0000000000000000FFFF00000100007F", LE);
        assertThat(mapped).isInstanceOf(Inet4Address.class).isEqualTo(InetAddress.getByName("127.0.0.1"));
        assertThat(ProcNetTcp.address("00000000000000000000FFFF7F000001", BE))
                .isEqualTo(InetAddress.getByName("127.0.0.1"));
    }

    @Test
    void portIsPlainHex() {
        assertThat(ProcNetTcp.port("2CAA")).isEqualTo(11434);
        assertThat(ProcNetTcp.port("1F90")).isEqualTo(8080);
        assertThat(ProcNetTcp.port("04D2")).isEqualTo(1234);
    }

    @Test
    void readsStateUidAndInodeFromRealLines() throws Exception {
        ProcNetTcp.Row v4 = ProcNetTcp.parse(
                "   0: 0100007F:2CAA 00000000:0000 0A 00000000:00000000 00:00000000 00000000   996        0 566 1 000000008ddc10a8 100 0 0 10 0",
                LE);
        assertThat(v4).isEqualTo(new ProcNetTcp.Row(InetAddress.getByName("127.0.0.1"), 11434, ProcNetTcp.LISTEN, 996, 566));

        ProcNetTcp.Row established = ProcNetTcp.parse(
                "   1: 020200C0:ECA6 507100CB:0050 01 00000000:00000000 03:000000D0 00000000     0        0 31337 3 0000000096e8d0dc",
                LE);
        assertThat(established.state()).isEqualTo(0x01);
        assertThat(established.port()).isEqualTo(60582);

        ProcNetTcp.Row v6 = ProcNetTcp.parse("   0: 00000000000000000000000001000000:D7FB 00000000000000000000000000000000:0000 0A "
                + "00000000:00000000 00:00000000 00000000     0        0 1216330 1 00000000cd41e571 100 0 0 10 0", LE);
        assertThat(v6.address()).isEqualTo(InetAddress.getByName("::1"));
        assertThat(v6.port()).isEqualTo(55291);
        assertThat(v6.inode()).isEqualTo(1216330);
    }

    @Test
    void headerAndBrokenLinesAreToldApart() {
        assertThat(ProcNetTcp.header("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"))
                .isTrue();
        assertThatThrownBy(() -> ProcNetTcp.parse("   0: 0100007F 00000000:0000 0A", LE)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ProcNetTcp.parse("   0: 0100007F:2CAA 00000000:0000 0A 0:0 0:0 0 abc 0 566", LE))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ProcNetTcp.address("7F0001", LE)).isInstanceOf(IllegalArgumentException.class);
    }
}
