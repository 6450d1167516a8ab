package dev.lifeline.testing;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ProtocolException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real HTTP/1.1 server on {@code 127.0.0.1} (ephemeral port) that plays an OpenAI-like upstream with scripted
 * replies and exact fault injection. Plain {@link ServerSocket}, one virtual thread per connection, keep-alive.
 *
 * <pre>{@code
 * try (FakeUpstream up = FakeUpstream.start()) {
 *     up.enqueue(Reply.sse(OpenAiFixtures.streamOf("m", "Hel", "lo")).afterEvents(2, Reply.Fault.RESET));
 *     // ... point the gateway at up.url("/v1") ...
 *     RecordedRequest r = up.takeRequest(Duration.ofSeconds(5));
 * }
 * }</pre>
 *
 * Every request is recorded (after its body was read, before the reply is applied) and then takes the next
 * {@link #enqueue enqueued} reply, or the {@link #always fallback} when the queue is empty.
 */
public final class FakeUpstream implements AutoCloseable {

    private static final InetAddress LOOPBACK = loopback();
    private static final Reply DEFAULT_REPLY =
            Reply.json(500, "{\"error\":{\"message\":\"no reply scripted\",\"type\":\"server_error\"}}");
    private static final int MAX_LINE = 64 * 1024;
    private static final Duration CLOSE_JOIN_TIMEOUT = Duration.ofSeconds(2);

    private final ServerSocket server;
    private final Thread acceptor;
    private final Object lock = new Object();
    private final Queue<Reply> script = new ConcurrentLinkedQueue<>();
    private final List<RecordedRequest> recorded = new ArrayList<>();          // guarded by lock
    private final BlockingQueue<RecordedRequest> untaken = new LinkedBlockingQueue<>();
    private final Map<Socket, Thread> open = new ConcurrentHashMap<>();  // connection -> its handler
    private final Map<String, Reply> routes = new ConcurrentHashMap<>();     // "GET /api/ps" -> reply
    private volatile Reply fallback = DEFAULT_REPLY;
    private int accepted;                                                       // guarded by lock
    private boolean closed;                                                     // guarded by lock

    private FakeUpstream(ServerSocket server) {
        this.server = server;
        this.acceptor = Thread.ofVirtual().name("fake-upstream-accept-" + server.getLocalPort()).start(this::acceptLoop);
    }

    /** Binds {@code 127.0.0.1:0} and starts accepting right away. */
    public static FakeUpstream start() {
        try {
            return new FakeUpstream(new ServerSocket(0, 128, LOOPBACK));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind fake upstream", e);
        }
    }

    /** A loopback port with nothing listening (bound to port 0, remembered, closed). */
    public static int deadPort() {
        try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return server.getLocalPort();
    }

    /** {@code http://127.0.0.1:PORT} */
    public String baseUrl() {
        return "http://127.0.0.1:" + port();
    }

    /** {@code url("/v1")} → {@code http://127.0.0.1:PORT/v1} */
    public String url(String path) {
        return baseUrl() + (path.startsWith("/") ? path : "/" + path);
    }

    /** Scripts the reply to the next request not yet answered; replies are consumed in order. */
    public FakeUpstream enqueue(Reply reply) {
        script.add(reply);
        return this;
    }

    /**
     * Answers every {@code method path} request (path without the query) with {@code reply}, before the queue is
     * consulted: a fake server with several endpoints, {@code on("GET", "/api/ps", Reply.json(200, ...))}. A later
     * call for the same endpoint replaces the reply.
     */
    public FakeUpstream on(String method, String path, Reply reply) {
        routes.put(method + " " + path, reply);
        return this;
    }

    /** The reply used whenever the queue is empty (default: 500 {@code "no reply scripted"}). */
    public FakeUpstream always(Reply reply) {
        fallback = reply;
        return this;
    }

    /** Snapshot of all requests received so far, in arrival order. */
    public List<RecordedRequest> requests() {
        synchronized (lock) {
            return List.copyOf(recorded);
        }
    }

    public int requestCount() {
        synchronized (lock) {
            return recorded.size();
        }
    }

    /** Next request not yet taken (FIFO), waiting up to {@code timeout}; AssertionError on timeout. */
    public RecordedRequest takeRequest(Duration timeout) {
        try {
            RecordedRequest r = untaken.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
            if (r == null) {
                throw new AssertionError("no request arrived at " + baseUrl() + " within " + timeout);
            }
            return r;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for a request", e);
        }
    }

    /** Connections accepted so far (the next connection gets this as its {@code connectionIndex}). */
    public int connectionCount() {
        synchronized (lock) {
            return accepted;
        }
    }

    /** Connections currently open on the server side. */
    public int openConnections() {
        return open.size();
    }

    /** Closes the listening socket and every open connection (ending stalls and silences); idempotent. */
    @Override
    public void close() {
        Map<Socket, Thread> snapshot;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            snapshot = Map.copyOf(open);
        }
        closeQuietly(server);
        snapshot.forEach((socket, handler) -> {
            closeQuietly(socket);
            handler.interrupt();
        });
        long deadline = System.nanoTime() + CLOSE_JOIN_TIMEOUT.toNanos();
        try {
            acceptor.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            for (Thread handler : snapshot.values()) {
                handler.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "FakeUpstream[" + baseUrl() + ", requests=" + requestCount() + "]";
    }

    // ---------------------------------------------------------------- server side

    private void acceptLoop() {
        while (true) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                return; // server socket closed
            }
            synchronized (lock) {
                if (closed) {
                    closeQuietly(socket);
                    return;
                }
                int index = accepted++;
                Thread thread = Thread.ofVirtual().name("fake-upstream-" + port() + "-conn-" + index)
                        .unstarted(() -> serveConnection(index, socket));
                open.put(socket, thread);
                thread.start();
            }
        }
    }

    private void serveConnection(int index, Socket socket) {
        try {
            socket.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(socket.getInputStream());
            OutputStream out = new BufferedOutputStream(socket.getOutputStream());
            while (true) {
                Request req = readRequest(in, out, index);
                if (req == null) {
                    return; // client closed an idle connection
                }
                Reply reply = recordAndPickReply(req.recorded());
                if (!respond(reply, req.wantsClose(), socket, in, out)) {
                    return;
                }
            }
        } catch (IOException | InterruptedException e) {
            // client went away, reply was a fault, or we are closing: all expected
        } catch (RuntimeException e) {
            System.err.println("FakeUpstream " + baseUrl() + " connection " + index + " failed: " + e);
            e.printStackTrace();
        } finally {
            closeQuietly(socket);
            open.remove(socket);
        }
    }

    private Reply recordAndPickReply(RecordedRequest request) {
        synchronized (lock) {
            recorded.add(request);
            untaken.add(request);
            int q = request.path().indexOf('?');
            Reply routed = routes.get(request.method() + " " + (q < 0 ? request.path() : request.path().substring(0, q)));
            if (routed != null) {
                return routed;
            }
            Reply next = script.poll();
            return next != null ? next : fallback;
        }
    }

    /** Applies the reply; returns whether the connection may serve another request. */
    private static boolean respond(Reply reply, boolean clientWantsClose, Socket socket, InputStream in,
                                   OutputStream out) throws IOException, InterruptedException {
        sleep(reply.headerDelay);
        switch (reply.kind) {
            case RESET_IMMEDIATELY -> {
                reset(socket);
                return false;
            }
            case CLOSE_IMMEDIATELY -> {
                closeCleanly(socket, out);
                return false;
            }
            case SILENT -> {
                holdOpen(in);
                return false;
            }
            case FIXED -> {
                boolean close = writeHead(reply, clientWantsClose, out);
                if (reply.fault == null) {
                    out.write(reply.body);
                    out.flush();
                    return !close;
                }
                out.write(reply.body, 0, reply.faultAfter);
                applyFault(reply.fault, socket, in, out);
                return false;
            }
            case SSE -> {
                boolean close = writeHead(reply, clientWantsClose, out);
                out.flush();
                int stopAt = reply.fault == null ? reply.events.size() : reply.faultAfter;
                for (int i = 0; i < stopAt; i++) {
                    if (i > 0) {
                        sleep(reply.eventInterval);
                    }
                    byte[] data = reply.events.get(i).getBytes(StandardCharsets.UTF_8);
                    out.write(ascii(Integer.toHexString(data.length) + "\r\n"));
                    out.write(data);
                    out.write(ascii("\r\n"));
                    out.flush();
                }
                if (reply.fault != null) {
                    if (stopAt > 0) {
                        sleep(reply.eventInterval); // the fault takes the place of the next event
                    }
                    applyFault(reply.fault, socket, in, out);
                    return false;
                }
                out.write(ascii("0\r\n\r\n"));
                out.flush();
                return !close;
            }
        }
        throw new AssertionError(reply.kind);
    }

    /** Writes status line and headers; returns whether the connection is to be closed after this reply. */
    private static boolean writeHead(Reply reply, boolean clientWantsClose, OutputStream out) throws IOException {
        boolean replyCloses = reply.headers.stream()
                .anyMatch(h -> h.getKey().equalsIgnoreCase("Connection") && hasToken(h.getValue(), "close"));
        StringBuilder head = new StringBuilder()
                .append("HTTP/1.1 ").append(reply.status).append(' ').append(reason(reply.status)).append("\r\n");
        for (Map.Entry<String, String> h : reply.headers) {
            head.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
        }
        if (clientWantsClose && !replyCloses) {
            head.append("Connection: close\r\n");
        }
        head.append("\r\n");
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        return clientWantsClose || replyCloses;
    }

    private static void applyFault(Reply.Fault fault, Socket socket, InputStream in, OutputStream out)
            throws IOException {
        switch (fault) {
            case RESET -> {
                out.flush();
                reset(socket);
            }
            case CLOSE -> closeCleanly(socket, out);
            case STALL -> {
                out.flush();
                holdOpen(in);
            }
        }
    }

    private static void reset(Socket socket) throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    private static void closeCleanly(Socket socket, OutputStream out) throws IOException {
        out.flush();
        socket.shutdownOutput(); // FIN
        socket.close();
    }

    /** Keeps the socket open, discarding input, until the client closes it or the upstream is closed. */
    private static void holdOpen(InputStream in) throws IOException {
        byte[] sink = new byte[4096];
        while (in.read(sink) != -1) {
            // discard
        }
    }

    // ---------------------------------------------------------------- request parsing

    private record Request(RecordedRequest recorded, boolean wantsClose) {}

    /** Reads one request; null on a clean EOF before the request line. */
    private static Request readRequest(InputStream in, OutputStream out, int connectionIndex) throws IOException {
        String requestLine;
        do {
            requestLine = readLine(in);
            if (requestLine == null) {
                return null;
            }
        } while (requestLine.isEmpty()); // tolerate stray CRLF between requests
        long receivedAt = System.nanoTime();
        String[] parts = requestLine.split(" ");
        if (parts.length != 3 || !parts[2].startsWith("HTTP/1.")) {
            throw new ProtocolException("malformed request line: " + requestLine);
        }

        Map<String, List<String>> headers = new LinkedHashMap<>();
        Map<String, String> lower = new LinkedHashMap<>(); // lower-case name -> first value, for parsing decisions
        while (true) {
            String line = readLine(in);
            if (line == null) {
                throw new EOFException("connection closed inside request headers");
            }
            if (line.isEmpty()) {
                break;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new ProtocolException("malformed header line: " + line);
            }
            String name = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            headers.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            lower.merge(name.toLowerCase(Locale.ROOT), value, (a, b) -> a + ", " + b);
        }

        boolean chunked = hasToken(lower.get("transfer-encoding"), "chunked");
        String contentLength = lower.get("content-length");
        boolean hasBody = chunked || (contentLength != null && !contentLength.equals("0"));
        if (hasBody && "100-continue".equalsIgnoreCase(lower.get("expect"))) {
            out.write(ascii("HTTP/1.1 100 Continue\r\n\r\n"));
            out.flush();
        }
        byte[] body;
        if (chunked) {
            body = readChunkedBody(in);
        } else if (contentLength != null) {
            body = readExactly(in, parseContentLength(contentLength));
        } else {
            body = new byte[0];
        }

        String connection = lower.get("connection");
        boolean wantsClose = parts[2].equals("HTTP/1.0")
                ? !hasToken(connection, "keep-alive")
                : hasToken(connection, "close");
        return new Request(
                new RecordedRequest(parts[0], parts[1], headers, body, receivedAt, connectionIndex),
                wantsClose);
    }

    private static byte[] readChunkedBody(InputStream in) throws IOException {
        var body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = readLine(in);
            if (sizeLine == null) {
                throw new EOFException("connection closed inside chunked body");
            }
            int semicolon = sizeLine.indexOf(';');
            String hex = (semicolon >= 0 ? sizeLine.substring(0, semicolon) : sizeLine).trim();
            int size;
            try {
                size = Integer.parseInt(hex, 16);
            } catch (NumberFormatException e) {
                throw new ProtocolException("bad chunk size line: " + sizeLine);
            }
            if (size == 0) {
                String trailer;
                do { // trailers, ignored
                    trailer = readLine(in);
                } while (trailer != null && !trailer.isEmpty());
                return body.toByteArray();
            }
            body.write(readExactly(in, size));
            String end = readLine(in);
            if (end == null || !end.isEmpty()) {
                throw new ProtocolException("chunk not followed by CRLF");
            }
        }
    }

    private static int parseContentLength(String value) throws ProtocolException {
        try {
            int n = Integer.parseInt(value.trim());
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ProtocolException("bad Content-Length: " + value);
        }
    }

    private static byte[] readExactly(InputStream in, int n) throws IOException {
        byte[] bytes = in.readNBytes(n);
        if (bytes.length != n) {
            throw new EOFException("expected " + n + " body bytes, got " + bytes.length);
        }
        return bytes;
    }

    /** A CRLF (or bare LF) terminated line in ISO-8859-1, without the terminator; null on EOF before any byte. */
    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            int b = in.read();
            if (b == -1) {
                if (sb.isEmpty()) {
                    return null;
                }
                throw new EOFException("connection closed mid-line");
            }
            if (b == '\n') {
                int len = sb.length();
                if (len > 0 && sb.charAt(len - 1) == '\r') {
                    sb.setLength(len - 1);
                }
                return sb.toString();
            }
            if (sb.length() >= MAX_LINE) {
                throw new ProtocolException("line too long");
            }
            sb.append((char) b);
        }
    }

    // ---------------------------------------------------------------- helpers

    private static boolean hasToken(String headerValue, String token) {
        if (headerValue == null) {
            return false;
        }
        for (String t : headerValue.split(",")) {
            if (t.trim().equalsIgnoreCase(token)) {
                return true;
            }
        }
        return false;
    }

    private static void sleep(Duration d) throws InterruptedException {
        if (!d.isZero()) {
            Thread.sleep(d);
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // best effort
        }
    }

    private static InetAddress loopback() {
        try {
            return InetAddress.getByAddress("127.0.0.1", new byte[] {127, 0, 0, 1});
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String reason(int status) {
        return switch (status) {
            case 100 -> "Continue";
            case 200 -> "OK";
            case 201 -> "Created";
            case 202 -> "Accepted";
            case 204 -> "No Content";
            case 301 -> "Moved Permanently";
            case 302 -> "Found";
            case 304 -> "Not Modified";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 408 -> "Request Timeout";
            case 409 -> "Conflict";
            case 413 -> "Content Too Large";
            case 422 -> "Unprocessable Content";
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            default -> "Status " + status;
        };
    }
}
