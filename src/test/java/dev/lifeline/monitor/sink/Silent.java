package dev.lifeline.monitor.sink;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A port on {@code 127.0.0.1} that accepts connections and never says a word: a hung webhook receiver, or a mail
 * server that takes the connection and never greets. Or it says a few words first and then stalls: a receiver that
 * sends its headers and never the rest.
 */
final class Silent implements AutoCloseable {
    private final ServerSocket server;
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();

    private Silent(byte[] firstWords) {
        try {
            server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread.ofVirtual().name("silent-" + server.getLocalPort()).start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    accepted.add(s);
                    s.getOutputStream().write(firstWords);
                    s.getOutputStream().flush();
                } catch (IOException closed) {
                    return;
                }
            }
        });
    }

    static Silent start() {
        return new Silent(new byte[0]);
    }

    /** Says {@code firstWords} on each connection, then nothing more. */
    static Silent saying(String firstWords) {
        return new Silent(firstWords.getBytes(StandardCharsets.US_ASCII));
    }

    int port() {
        return server.getLocalPort();
    }

    /** How many connections were opened to it: one per attempt. */
    int connections() {
        return accepted.size();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : accepted) {
            s.close();
        }
    }
}
