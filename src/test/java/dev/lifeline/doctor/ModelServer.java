package dev.lifeline.doctor;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A real HTTP server bound where a test says (127.0.0.1, ::1, 0.0.0.0), answering per path like a model server would,
 * including by the request's headers (Ollama's Origin check). Unknown paths get 404.
 */
final class ModelServer implements AutoCloseable {
    record Answer(int status, String contentType, String body, Map<String, String> headers) {
        static Answer json(int status, String body) {
            return new Answer(status, "application/json", body, Map.of());
        }

        static Answer text(int status, String body) {
            return new Answer(status, "text/plain; charset=utf-8", body, Map.of());
        }
    }

    private final HttpServer server;
    private final Map<String, Function<HttpExchange, Answer>> routes = new ConcurrentHashMap<>();

    private ModelServer(InetAddress bind, int port) {
        try {
            server = HttpServer.create(new InetSocketAddress(bind, port), 16);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", this::handle);
        server.start();
    }

    static ModelServer on(String bind) {
        try {
            return new ModelServer(InetAddress.getByName(bind), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Answers like Ollama: "Ollama is running", a version, models, and 403 with an empty body to a foreign Origin. */
    static ModelServer ollama(String bind) {
        ModelServer s = on(bind);
        s.route("/", x -> Answer.text(200, "Ollama is running"));
        s.route("/api/version", x -> Answer.json(200, "{\"version\":\"0.12.3\"}"));
        s.route("/api/tags", x -> Answer.json(200, "{\"models\":[{\"name\":\"llama3.2:3b\"}]}"));
        s.route("/api/ps", x -> Answer.json(200, "{\"models\":[]}"));
        s.route("/v1/models", x -> Answer.json(200, "{\"object\":\"list\",\"data\":[{\"id\":\"llama3.2:3b\",\"owned_by\":\"library\"}]}"));
        return s.originCheck();
    }

    ModelServer route(String path, Function<HttpExchange, Answer> answer) {
        routes.put(path, answer);
        return this;
    }

    /** Ollama's CORS rule: a foreign Origin gets 403 with an empty body, before any handler. */
    ModelServer originCheck() {
        routes.replaceAll((path, f) -> x -> {
            String origin = x.getRequestHeaders().getFirst("Origin");
            return origin != null && !origin.matches("https?://(localhost|127\\.0\\.0\\.1)(:\\d+)?") ? new Answer(403, "text/plain", "", Map.of()) : f.apply(x);
        });
        return this;
    }

    int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange x) throws IOException {
        Function<HttpExchange, Answer> f = routes.get(x.getRequestURI().getPath());
        Answer a = f == null ? Answer.text(404, "404 page not found") : f.apply(x);
        byte[] body = a.body().getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", a.contentType());
        a.headers().forEach(x.getResponseHeaders()::set);
        x.sendResponseHeaders(a.status(), body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            x.getResponseBody().write(body);
        }
        x.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
