package dev.lifeline.doctor.listen;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One line of {@code /proc/net/tcp} or {@code /proc/net/tcp6}, which any user may read (unlike the owning process).
 *
 * <p>The kernel prints each 32-bit word of an address as the number it holds in memory, so on a little-endian machine
 * the bytes come out reversed: {@code 0100007F} is 127.0.0.1, {@code 00000000000000000000000001000000} is ::1. The
 * port is already in host order: {@code 2CAA} is 11434.
 */
final class ProcNetTcp {
    /** {@code TCP_LISTEN} in the kernel's state numbering. */
    static final int LISTEN = 0x0A;

    /**
     * @param inode the socket's inode, the key to find its process through {@code /proc/PID/fd/* -> socket:[inode]}
     */
    record Row(InetAddress address, int port, int state, int uid, long inode) {
    }

    private ProcNetTcp() {
    }

    /** True for the column header the file starts with. */
    static boolean header(String line) {
        return line.strip().startsWith("sl");
    }

    /**
     * Fields, from 0: {@code sl}, local_address, rem_address, st, tx_queue:rx_queue, tr:tm->when, retrnsmt, uid, timeout,
     * inode.
     *
     * @throws IllegalArgumentException when the line does not have that shape
     */
    static Row parse(String line, ByteOrder order) {
        String[] f = line.strip().split("\\s+");
        if (f.length < 10) {
            throw new IllegalArgumentException("expected at least 10 fields, found " + f.length);
        }
        String local = f[1];
        int colon = local.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("local address without port: " + local);
        }
        try {
            return new Row(address(local.substring(0, colon), order), port(local.substring(colon + 1)),
                    Integer.parseInt(f[3], 16), Integer.parseInt(f[7]), Long.parseLong(f[9]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number: " + e.getMessage(), e);
        }
    }

    static int port(String hex) {
        int port = Integer.parseInt(hex, 16);
        if (port > 0xFFFF || hex.length() != 4) {
            throw new IllegalArgumentException("port " + hex);
        }
        return port;
    }

    /** 8 hex digits for IPv4, 32 for IPv6; IPv4-mapped IPv6 addresses come back as the IPv4 address. */
    static InetAddress address(String hex, ByteOrder order) {
        if (hex.length() != 8 && hex.length() != 32) {
            throw new IllegalArgumentException("address of " + hex.length() + " hex digits: " + hex);
        }
        ByteBuffer bytes = ByteBuffer.allocate(hex.length() / 2).order(order);
        for (int i = 0; i < hex.length(); i += 8) {
            bytes.putInt((int) Long.parseLong(hex.substring(i, i + 8), 16));
        }
        try {
            return InetAddress.getByAddress(bytes.array());
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 or 16 bytes are always an address", e);
        }
    }
}
