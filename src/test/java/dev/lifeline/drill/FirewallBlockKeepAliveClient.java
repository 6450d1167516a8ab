package dev.lifeline.drill;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The gateway's keep-alive connection to the cloud, for {@link FirewallBlockNetnsTest}: a separate JVM started inside
 * the gateway's namespace (a thread of the test JVM cannot live in another network namespace). It opens one TCP
 * connection, sends a request and prints {@code 1 200 local=PORT}; then, for every line on stdin, sends another request
 * on the <em>same</em> connection and prints {@code N 200 local=PORT}, or {@code N failed ...} and exits. Raw sockets on
 * purpose: {@code java.net.http.HttpClient} quietly retries a GET on a fresh connection, which would hide the reset.
 */
public final class FirewallBlockKeepAliveClient {
    private FirewallBlockKeepAliveClient() {
    }

    public static void main(String[] args) throws IOException {
        String address = args[0];
        int port = Integer.parseInt(args[1]);
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address, port), 2000);
            socket.setSoTimeout(3000);
            int n = 1;
            do {
                try {
                    int status = exchange(socket, address);
                    System.out.println(n + " " + status + " local=" + socket.getLocalPort());
                } catch (IOException e) {
                    System.out.println(n + " failed " + e.getClass().getSimpleName() + ": " + e.getMessage());
                    System.out.flush();
                    return;
                }
                System.out.flush();
                n++;
            } while (stdin.readLine() != null);
        }
    }

    /** One GET on the open connection; reads the whole response (Content-Length) so the next one can follow. */
    private static int exchange(Socket socket, String address) throws IOException {
        String host = address.contains(":") ? "[" + address + "]" : address;
        OutputStream out = socket.getOutputStream();
        out.write(("GET /api/version HTTP/1.1\r\nHost: " + host + "\r\nConnection: keep-alive\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        String statusLine = line(in);
        int length = 0;
        for (String h = line(in); !h.isEmpty(); h = line(in)) {
            if (h.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(h.substring(15).strip());
            }
        }
        if (in.readNBytes(length).length != length) {
            throw new IOException("connection closed in the middle of the body");
        }
        return Integer.parseInt(statusLine.split(" ")[1]);
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new IOException("connection closed by the peer (EOF)");
            }
            if (c != '\r') {
                buf.write(c);
            }
        }
        return buf.toString(StandardCharsets.US_ASCII);
    }
}
