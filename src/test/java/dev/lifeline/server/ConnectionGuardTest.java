package dev.lifeline.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Slowloris, slow bodies, idle keep-alive connections and connection floods against a real Netty server built with
 * the guard handlers, driven by raw sockets.
 */
class ConnectionGuardTest {
    private static final Duration HEADER = Duration.ofMillis(700);
    private static final Duration BODY = Duration.ofMillis(700);
    private static final Duration IDLE = Duration.ofMillis(1000);
    private static final long MARGIN_MS = 800;
    private static final String GET = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open.reversed()) {
            c.close();
        }
    }

    @Test
    void slowlorisHeadersGetA408AndTheConnectionIsClosed() throws Exception {
        Server server = server(null, false);
        Client c = client(server);

        long start = System.nanoTime();
        c.trickle("GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + "a".repeat(200) + "\r\n\r\n", Duration.ofMillis(200));
        Response r = c.read();
        long ms = elapsedMs(start);

        assertThat(r.status()).isEqualTo(408);
        assertThat(r.headers()).containsEntry("connection", "close");
        assertThat(r.body()).isEqualTo("{\"error\":{\"message\":\"the request was not received in time (headers)\","
                + "\"type\":\"server_error\",\"param\":null,\"code\":\"request_timeout\"}}");
        assertThat(ms).isBetween(HEADER.toMillis() - 100, HEADER.toMillis() + MARGIN_MS);
        assertThat(c.closedWithin(ConnectionGuard.LINGER.plusMillis(MARGIN_MS))).isTrue();
    }

    @Test
    void aSlowBodyGetsA408() throws Exception {
        Server server = server(null, false);
        Client c = client(server);

        c.send("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 50\r\n\r\n");
        long start = System.nanoTime();
        c.trickle("x".repeat(50), Duration.ofMillis(200));
        Response r = c.read();
        long ms = elapsedMs(start);

        assertThat(r.status()).isEqualTo(408);
        assertThat(r.body()).contains("\"code\":\"request_timeout\"").contains("(body)");
        assertThat(ms).isBetween(BODY.toMillis() - 100, BODY.toMillis() + MARGIN_MS);
        assertThat(c.closedWithin(ConnectionGuard.LINGER.plusMillis(MARGIN_MS))).isTrue();
    }

    @Test
    void aClientThatKeepsSendingAndReadsLateStillFindsThe408() throws Exception {
        Server server = server(null, false);
        Client c = client(server);

        c.trickle("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10000\r\n\r\n" + "x".repeat(10000), Duration.ofMillis(20));
        Thread.sleep(HEADER.toMillis() + BODY.toMillis() + 400); // the 408 was sent long ago; bytes kept coming

        assertThat(c.read().status()).isEqualTo(408);
    }

    @Test
    void aBodyThatStallsAfter100ContinueGetsA408() throws Exception {
        Server server = server(null, false);
        Client c = client(server);

        c.send("POST / HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\nContent-Length: 10\r\n\r\n");
        assertThat(c.read().status()).isEqualTo(100);
        c.send("abc");
        Response r = c.read();

        assertThat(r.status()).isEqualTo(408);
        assertThat(r.body()).contains("(body)");
    }

    @Test
    void theHeaderClockStartsAtTheFirstByteOfEachRequestNotAtTheEndOfTheLast() throws Exception {
        Server server = server(null, false);
        Client c = client(server);

        c.send(GET);
        assertThat(c.read().status()).isEqualTo(200);
        Thread.sleep(IDLE.toMillis() - 300); // idle, but within the idle timeout: longer than the header timeout
        c.send(GET);

        assertThat(c.read().status()).isEqualTo(200);
    }

    @Test
    void slowlorisOnAKeepAliveConnectionGetsA408FromTheHeaderTimeoutNotTheIdleOne() throws Exception {
        Server server = server(null, false);
        Client c = client(server);
        c.send(GET);
        assertThat(c.read().status()).isEqualTo(200);
        Thread.sleep(IDLE.toMillis() / 2);

        long start = System.nanoTime();
        c.trickle("GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + "a".repeat(200) + "\r\n\r\n", Duration.ofMillis(100));
        Response r = c.read();

        assertThat(r.status()).isEqualTo(408);
        assertThat(elapsedMs(start)).isBetween(HEADER.toMillis() - 100, HEADER.toMillis() + MARGIN_MS);
    }

    @Test
    void aRequestSentInPiecesWithinTheDeadlinesIsServed() throws Exception {
        Server server = server(null, false);
        Client c = client(server);

        c.send("POST / HTTP/1.1\r\nHost: loc");
        Thread.sleep(HEADER.toMillis() / 2);
        c.send("alhost\r\nContent-Length: 4\r\n\r\nab");
        Thread.sleep(BODY.toMillis() / 2);
        c.send("cd");

        Response r = c.read();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("ok POST 4");
    }

    @Test
    void anIdleKeepAliveConnectionIsClosedWithoutA408() throws Exception {
        Server server = server(null, false);
        Client c = client(server);

        c.send(GET);
        assertThat(c.read().status()).isEqualTo(200);
        long start = System.nanoTime();

        assertThat(c.closedWithin(IDLE.plusMillis(MARGIN_MS))).isTrue();
        assertThat(elapsedMs(start)).isGreaterThanOrEqualTo(IDLE.toMillis() - 100);
        assertThat(c.unreadBytes()).isZero();
    }

    @Test
    void aConnectionThatNeverSpeaksIsClosedAfterTheHeaderTimeout() throws Exception {
        Server server = server(null, false);
        Client c = client(server);
        long start = System.nanoTime();

        assertThat(c.closedWithin(HEADER.plusMillis(MARGIN_MS))).isTrue();
        assertThat(elapsedMs(start)).isGreaterThanOrEqualTo(HEADER.toMillis() - 100);
        assertThat(c.unreadBytes()).isZero();
    }

    @Test
    void aSlowStreamedResponseIsNotCut() throws Exception {
        Server server = server(null, true);
        Client c = client(server);

        long start = System.nanoTime();
        c.send(GET);
        Response r = c.read();

        assertThat(elapsedMs(start)).isGreaterThanOrEqualTo(2000);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("chunk0 chunk1 chunk2 chunk3 chunk4 chunk5 chunk6 chunk7 chunk8 chunk9 ");
        // The connection stays usable afterwards, and the idle clock only started when the response ended.
        c.send(GET);
        assertThat(c.read().status()).isEqualTo(200);
    }

    @Test
    void aPipelinedRequestDuringASlowResponseIsNotTimed() throws Exception {
        Server server = server(null, true);
        Client c = client(server);

        c.send(GET + "GET / HTTP/1.1\r\nHost: loc"); // the second request's headers stay incomplete for 2 s

        assertThat(c.read().status()).isEqualTo(200);
        c.send("alhost\r\n\r\n");
        assertThat(c.read().status()).isEqualTo(200);
    }

    @Test
    void theFourthConnectionIsRefusedWhileThreeStayUsable() throws Exception {
        ConnectionGuard.Limit limit = new ConnectionGuard.Limit(3);
        Server server = server(limit, false);
        List<Client> three = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Client c = client(server);
            c.send(GET);
            assertThat(c.read().status()).isEqualTo(200);
            three.add(c);
        }
        assertThat(limit.open()).isEqualTo(3);

        Client fourth = client(server);
        String answer = fourth.readAllQuietly();

        assertThat(answer).satisfiesAnyOf(
                a -> assertThat(a).isEmpty(),
                a -> assertThat(a).startsWith("HTTP/1.1 503 ").containsIgnoringCase("connection: close")
                        .endsWith("{\"error\":{\"message\":\"too many connections\",\"type\":\"server_error\","
                                + "\"param\":null,\"code\":\"too_many_connections\"}}"));
        assertThat(limit.refused()).isEqualTo(1);
        assertThat(limit.open()).isEqualTo(3);
        for (Client c : three) {
            c.send(GET);
            assertThat(c.read().status()).isEqualTo(200);
        }

        three.getFirst().close();
        await().atMost(Duration.ofSeconds(2)).until(() -> limit.open() == 2);
        Client fifth = client(server);
        fifth.send(GET);
        assertThat(fifth.read().status()).isEqualTo(200);
        assertThat(limit.open()).isEqualTo(3);
    }

    @Test
    void theRefusalCarriesTheOpenAiErrorShape() throws Exception {
        ConnectionGuard.Limit limit = new ConnectionGuard.Limit(1);
        Server server = server(limit, false);
        Client first = client(server);
        first.send(GET);
        assertThat(first.read().status()).isEqualTo(200);

        Client second = client(server); // reads before sending anything: the 503 is already on its way
        String answer = second.readAllQuietly();

        assertThat(answer).startsWith("HTTP/1.1 503 Service Unavailable\r\n")
                .contains("connection: close\r\n")
                .endsWith("\r\n\r\n{\"error\":{\"message\":\"too many connections\",\"type\":\"server_error\","
                        + "\"param\":null,\"code\":\"too_many_connections\"}}");
    }

    @Test
    void aSilentLimitJustCloses() throws Exception {
        ConnectionGuard.Limit limit = new ConnectionGuard.Limit(1, false);
        Server server = server(limit, false);
        Client first = client(server);
        first.send(GET);
        assertThat(first.read().status()).isEqualTo(200);

        assertThat(client(server).readAllQuietly()).isEmpty();
        assertThat(limit.refused()).isEqualTo(1);
    }

    @Test
    void badArgumentsAreRejected() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new ConnectionGuard.Limit(0))
                .hasMessage("maxConnections: 0 (expected: at least 1)");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new ConnectionGuard.Deadlines(Duration.ZERO, BODY, IDLE))
                .hasMessage("headerTimeout: PT0S (expected: a positive duration)");
    }

    // ---- harness ----

    private static long elapsedMs(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    private Server server(ConnectionGuard.Limit limit, boolean streaming) throws InterruptedException {
        Server s = new Server(limit, streaming);
        open.add(s);
        return s;
    }

    private Client client(Server server) throws IOException {
        Client c = new Client(new Socket());
        open.add(c);
        c.socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 2000);
        c.socket.setSoTimeout(5000);
        c.socket.setTcpNoDelay(true);
        return c;
    }

    /** A server with the guard handlers in the gateway's order; it answers "ok", or streams ten chunks over 2 s. */
    private static final class Server implements AutoCloseable {
        private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        private final Channel channel;

        Server(ConnectionGuard.Limit limit, boolean streaming) throws InterruptedException {
            ServerBootstrap b = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            if (limit != null) {
                                ch.pipeline().addLast(limit);
                            }
                            ch.pipeline().addLast(new HttpServerCodec());
                            ch.pipeline().addLast(new ConnectionGuard.Deadlines(HEADER, BODY, IDLE));
                            ch.pipeline().addLast(new HttpServerExpectContinueHandler());
                            ch.pipeline().addLast(new HttpObjectAggregator(64 * 1024));
                            ch.pipeline().addLast(streaming ? new Streamer() : new Answerer());
                        }
                    });
            channel = b.bind("127.0.0.1", 0).sync().channel();
        }

        int port() {
            return ((InetSocketAddress) channel.localAddress()).getPort();
        }

        @Override
        public void close() {
            channel.close().syncUninterruptibly();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static final class Answerer extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            byte[] body = ("ok " + req.method() + " " + req.content().readableBytes()).getBytes(StandardCharsets.UTF_8);
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    Unpooled.wrappedBuffer(body));
            HttpUtil.setContentLength(r, body.length);
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            HttpUtil.setKeepAlive(r, keepAlive);
            var f = ctx.writeAndFlush(r);
            if (!keepAlive) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
        }
    }

    /** Streams one chunk every 200 ms, ten in all; pipelined requests wait for the previous response. */
    private static final class Streamer extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final java.util.ArrayDeque<Boolean> queue = new java.util.ArrayDeque<>();
        private boolean busy;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            queue.add(Boolean.TRUE);
            if (!busy) {
                next(ctx);
            }
        }

        private void next(ChannelHandlerContext ctx) {
            if (queue.poll() == null) {
                busy = false;
                return;
            }
            busy = true;
            HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            HttpUtil.setTransferEncodingChunked(r, true);
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
            ctx.writeAndFlush(r);
            chunk(ctx, 0);
        }

        private void chunk(ChannelHandlerContext ctx, int i) {
            ctx.executor().schedule(() -> {
                if (i == 10) {
                    ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
                    next(ctx);
                    return;
                }
                ctx.write(new DefaultHttpContent(Unpooled.copiedBuffer("chunk" + i + " ", StandardCharsets.UTF_8)),
                        ctx.voidPromise());
                ctx.flush();
                chunk(ctx, i + 1);
            }, 200, TimeUnit.MILLISECONDS);
        }
    }

    record Response(int status, Map<String, String> headers, String body) {
    }

    /** A raw HTTP/1.1 client over a socket. */
    private static final class Client implements AutoCloseable {
        private final Socket socket;
        private Thread trickler;

        Client(Socket socket) {
            this.socket = socket;
        }

        void send(String s) throws IOException {
            OutputStream out = socket.getOutputStream();
            out.write(s.getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        /** Sends one byte per {@code gap} from a background thread, until done or the server stops listening. */
        void trickle(String s, Duration gap) {
            trickler = Thread.ofVirtual().start(() -> {
                try {
                    for (byte b : s.getBytes(StandardCharsets.US_ASCII)) {
                        socket.getOutputStream().write(b);
                        socket.getOutputStream().flush();
                        Thread.sleep(gap);
                    }
                } catch (IOException | InterruptedException e) {
                    // the server closed the connection, or the test is over
                }
            });
        }

        /** Reads one response (Content-Length or chunked body). */
        Response read() throws IOException {
            InputStream in = socket.getInputStream();
            String head = readHead(in);
            String[] lines = head.split("\r\n");
            int status = Integer.parseInt(lines[0].split(" ")[1]);
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                while (true) {
                    int size = Integer.parseInt(readLine(in).trim(), 16);
                    if (size == 0) {
                        readLine(in);
                        break;
                    }
                    body.write(in.readNBytes(size));
                    readLine(in);
                }
            } else {
                body.write(in.readNBytes(Integer.parseInt(headers.getOrDefault("content-length", "0"))));
            }
            return new Response(status, headers, body.toString(StandardCharsets.UTF_8));
        }

        /** Whether the server closes the connection (EOF or reset) within the time, with nothing more to read. */
        boolean closedWithin(Duration d) throws IOException {
            socket.setSoTimeout((int) d.toMillis());
            try {
                int b = socket.getInputStream().read();
                if (b >= 0) {
                    unread++;
                    return false;
                }
                return true;
            } catch (SocketTimeoutException e) {
                return false;
            } catch (SocketException e) {
                return true;
            }
        }

        private int unread;

        int unreadBytes() {
            return unread;
        }

        /** Everything the server sends until it closes; a reset ends the reading without an error. */
        String readAllQuietly() throws IOException {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            InputStream in = socket.getInputStream();
            byte[] buf = new byte[4096];
            try {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    all.write(buf, 0, n);
                }
            } catch (SocketException e) {
                // reset after the answer
            }
            return all.toString(StandardCharsets.UTF_8);
        }

        private static String readHead(InputStream in) throws IOException {
            StringBuilder b = new StringBuilder();
            while (!b.toString().endsWith("\r\n\r\n")) {
                int c = in.read();
                if (c < 0) {
                    throw new IOException("connection closed after " + b.length() + " bytes: " + b);
                }
                b.append((char) c);
            }
            return b.substring(0, b.length() - 4);
        }

        private static String readLine(InputStream in) throws IOException {
            StringBuilder b = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0 && c != '\n') {
                b.append((char) c);
            }
            return b.toString();
        }

        @Override
        public void close() throws IOException {
            if (trickler != null) {
                trickler.interrupt();
            }
            socket.close();
        }
    }
}
