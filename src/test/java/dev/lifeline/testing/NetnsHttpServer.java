package dev.lifeline.testing;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A fake Ollama for {@link Netns}: a separate JVM started inside the server namespace (a thread of the test JVM cannot
 * live in another network namespace). Listens dual-stack on {@code [::]:PORT} like Ollama on {@code 0.0.0.0}, answers
 * {@code GET /} with "Ollama is running" and every other GET with 200 and {@code {"version":"0.0.0-netns"}}, and prints
 * {@code listening} once the socket is bound.
 * It exits when its stdin closes, so a crashed test JVM cannot leave it behind.
 */
public final class NetnsHttpServer {
    private NetnsHttpServer() {
    }

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(args[0]);
        HttpServer server = HttpServer.create(new InetSocketAddress("::", port), 16);
        byte[] version = "{\"version\":\"0.0.0-netns\"}".getBytes(StandardCharsets.UTF_8);
        byte[] running = "Ollama is running".getBytes(StandardCharsets.UTF_8);
        server.createContext("/", exchange -> {
            boolean root = exchange.getRequestURI().getPath().equals("/");
            byte[] body = root ? running : version;
            exchange.getResponseHeaders().set("Content-Type", root ? "text/plain; charset=utf-8" : "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (var out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        System.out.println("listening");
        System.out.flush();
        while (System.in.read() >= 0) {
            // wait for the parent to close our stdin
        }
        server.stop(0);
        System.exit(0);
    }
}
