package dev.lifeline.monitor.output;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Serves {@code GET /metrics} for {@code lifeline monitor --watch}, so Prometheus can scrape the monitor directly
 * when there is no node_exporter. It is the JDK's small HTTP server on virtual threads, apart from the gateway's
 * Netty server and never on its path: a slow scraper costs the gateway nothing. Other paths answer 404, other
 * methods than GET and HEAD 405. It serves what {@link MonitorMetrics} last published and holds no other state.
 */
public final class MetricsServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor;

    private MetricsServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Listens on the address (port 0: any free port, see {@link #port()}).
     *
     * @throws IOException naming the address, when it cannot be listened on (in use, not this machine's)
     */
    public static MetricsServer start(InetSocketAddress address, MonitorMetrics metrics) throws IOException {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(metrics, "metrics");
        HttpServer server;
        try {
            server = HttpServer.create(address, 0);
        } catch (IOException e) {
            String why = e instanceof BindException ? "the port is in use or the address is not this machine's" : Problems.reason(e);
            throw new IOException("cannot serve monitor metrics on " + address.getHostString() + ":" + address.getPort()
                    + ": " + why + ". Choose another address or port for the metrics endpoint.", e);
        }
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        server.createContext("/", exchange -> handle(exchange, metrics));
        server.start();
        return new MetricsServer(server, executor);
    }

    /** The port it listens on: the one chosen when started on port 0. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** Stops listening at once, ending scrapes in progress, and waits for their threads. */
    @Override
    public void close() {
        server.stop(0);
        executor.close();
    }

    private static void handle(HttpExchange exchange, MonitorMetrics metrics) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            if (!exchange.getRequestURI().getPath().equals("/metrics")) {
                text(exchange, 404, "Not found: the monitor serves /metrics only\n", method);
            } else if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                text(exchange, 405, "Method not allowed: use GET\n", method);
            } else {
                send(exchange, 200, MonitorMetrics.contentType(), metrics.scrape(), method);
            }
        }
    }

    private static void text(HttpExchange exchange, int status, String body, String method) throws IOException {
        send(exchange, status, "text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8), method);
    }

    private static void send(HttpExchange exchange, int status, String contentType, byte[] body, String method) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        if (method.equals("HEAD")) {
            exchange.getResponseHeaders().set("Content-Length", String.valueOf(body.length));
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length); // 0 would mean chunked
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
