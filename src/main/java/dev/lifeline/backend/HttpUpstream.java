package dev.lifeline.backend;

import dev.lifeline.backend.Failure;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * HTTP/1.1 to one upstream base URL over Netty, with keep-alive connections pooled per event loop (so a pooled
 * connection is only ever touched by its own loop, without locks), TCP_NODELAY, TLS with host name verification,
 * and transport errors classified as {@link Failure}s.
 */
public final class HttpUpstream implements AutoCloseable {
    private static final int MAX_IDLE_PER_LOOP = 128;
    /**
     * A pooled connection idle longer than this is closed rather than reused: a NAT or firewall may have dropped it
     * silently, and a request sent into it would look like a silent upstream.
     */
    static final long MAX_IDLE_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final AttributeKey<Long> IDLE_SINCE = AttributeKey.valueOf(HttpUpstream.class, "idleSince");

    /** The raw response, in order, on the call's event loop. Content buffers are released after the call returns. */
    public interface ResponseHandler {
        void onHead(HttpResponse head);

        void onContent(ByteBuf content);

        void onEnd();

        void onFailure(Failure failure);

        /** The connection has nothing more to read for now. */
        default void onReadComplete() {
        }
    }

    private final NettyTransport transport;
    private final String host;
    private final int port;
    private final String basePath;
    private final String hostHeader;
    private final SslContext ssl;
    private final ConcurrentHashMap<EventLoop, ArrayDeque<Channel>> idle = new ConcurrentHashMap<>();

    public HttpUpstream(URI base, NettyTransport transport) {
        this.transport = transport;
        boolean tls = "https".equals(base.getScheme());
        this.host = base.getHost().startsWith("[") ? base.getHost().substring(1, base.getHost().length() - 1) : base.getHost();
        this.port = base.getPort() > 0 ? base.getPort() : tls ? 443 : 80;
        String path = base.getRawPath() == null ? "" : base.getRawPath();
        this.basePath = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        this.hostHeader = hostHeader(host, port, tls);
        try {
            this.ssl = tls ? SslContextBuilder.forClient().build() : null;
        } catch (SSLException e) {
            throw new IllegalStateException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    /**
     * Local servers get {@code Host: localhost:PORT}: Ollama answers 403 to other host names on a loopback listener,
     * and every other server accepts it.
     */
    static String hostHeader(String host, int port, boolean tls) {
        boolean loopback = host.equalsIgnoreCase("localhost");
        if (!loopback && (host.contains(":") || host.matches("[0-9.]+"))) {
            try {
                loopback = InetAddress.getByName(host).isLoopbackAddress();
            } catch (UnknownHostException e) {
                loopback = false;
            }
        }
        String name = loopback ? "localhost" : host.contains(":") ? "[" + host + "]" : host;
        boolean defaultPort = port == (tls ? 443 : 80);
        return defaultPort ? name : name + ":" + port;
    }

    public String hostHeader() {
        return hostHeader;
    }

    /** Prepares a call; nothing happens until {@link Call#start()}. Must be used on {@code loop}. */
    public Call prepare(EventLoop loop, HttpMethod method, String path, Map<String, String> headers, byte[] body,
                        Duration connectTimeout, ResponseHandler handler) {
        return new Call(loop, method, basePath + path, headers, body, connectTimeout, handler);
    }

    @Override
    public void close() {
        idle.forEach((loop, channels) -> loop.execute(() -> {
            for (Channel c : channels) {
                c.close();
            }
            channels.clear();
        }));
    }

    /** One request/response exchange. Confined to its event loop. */
    public final class Call implements UpstreamCall {
        private final EventLoop loop;
        private final HttpMethod method;
        private final String uri;
        private final Map<String, String> headers;
        private final byte[] body;
        private final Duration connectTimeout;
        private final ResponseHandler handler;
        private Channel channel;
        private boolean reused;
        private boolean freshRetried;
        private boolean responseStarted;
        private boolean finished;
        private boolean paused;
        private boolean keepAlive;

        Call(EventLoop loop, HttpMethod method, String uri, Map<String, String> headers, byte[] body,
             Duration connectTimeout, ResponseHandler handler) {
            this.loop = loop;
            this.method = method;
            this.uri = uri;
            this.headers = headers;
            this.body = body;
            this.connectTimeout = connectTimeout;
            this.handler = handler;
        }

        public void start() {
            Channel pooled = pollIdle();
            if (pooled != null) {
                send(pooled, true);
            } else {
                connect();
            }
        }

        private Channel pollIdle() {
            ArrayDeque<Channel> q = idle.get(loop);
            if (q == null) {
                return null;
            }
            for (Channel c = q.pollFirst(); c != null; c = q.pollFirst()) {
                Long since = c.attr(IDLE_SINCE).get();
                if (c.isActive() && since != null && System.nanoTime() - since < MAX_IDLE_NANOS) {
                    return c;
                }
                c.close();
            }
            return null;
        }

        private void connect() {
            Bootstrap b = new Bootstrap()
                    .group(loop)
                    .channel(transport.socketChannelType())
                    .resolver(transport.resolver())
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.SO_KEEPALIVE, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            if (ssl != null) {
                                SslHandler tls = ssl.newHandler(ch.alloc(), host, port);
                                SSLEngine engine = tls.engine();
                                SSLParameters params = engine.getSSLParameters();
                                params.setEndpointIdentificationAlgorithm("HTTPS");
                                engine.setSSLParameters(params);
                                tls.setHandshakeTimeoutMillis(connectTimeout.toMillis());
                                ch.pipeline().addLast(tls);
                            }
                            ch.pipeline().addLast(new HttpClientCodec());
                            ch.pipeline().addLast(new Dispatcher());
                        }
                    });
            b.connect(host, port).addListener((ChannelFuture f) -> {
                if (finished) {
                    f.channel().close();
                    return;
                }
                if (!f.isSuccess()) {
                    finished = true;
                    handler.onFailure(classify(f.cause(), false));
                    return;
                }
                Channel ch = f.channel();
                ArrayDeque<Channel> q = idle.computeIfAbsent(loop, l -> new ArrayDeque<>());
                ch.closeFuture().addListener(cf -> q.remove(ch));
                send(ch, false);
            });
        }

        private void send(Channel ch, boolean pooled) {
            this.channel = ch;
            this.reused = pooled;
            ch.pipeline().get(Dispatcher.class).current = this;
            if (paused) {
                ch.config().setAutoRead(false);
            }
            FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, uri, Unpooled.wrappedBuffer(body));
            req.headers().set(HttpHeaderNames.HOST, hostHeader);
            headers.forEach((k, v) -> req.headers().set(k, v));
            HttpUtil.setContentLength(req, body.length);
            ch.writeAndFlush(req).addListener(f -> {
                if (!f.isSuccess()) {
                    transportFailure(f.cause());
                }
            });
        }

        void onResponse(HttpResponse r) {
            if (r.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                return;
            }
            responseStarted = true;
            keepAlive = HttpUtil.isKeepAlive(r);
            handler.onHead(r);
        }

        void onContent(HttpContent c) {
            if (finished || !responseStarted) {
                return; // nothing of ours yet: the empty end of an informational (1xx) response
            }
            if (c.content().isReadable()) {
                handler.onContent(c.content());
            }
            if (c instanceof LastHttpContent && !finished) {
                finished = true;
                release();
                handler.onEnd();
            }
        }

        void transportFailure(Throwable cause) {
            if (finished) {
                return;
            }
            detach(true);
            if (reused && !responseStarted && !freshRetried) {
                // A pooled connection the server had already closed: not the upstream's fault, try a fresh one.
                freshRetried = true;
                connect();
                return;
            }
            finished = true;
            handler.onFailure(classify(cause, responseStarted));
        }

        /** Ends the call with a failure found in the response itself (a malformed chunk, an in-band error). */
        public void fail(Failure f) {
            if (finished) {
                return;
            }
            finished = true;
            detach(true);
            handler.onFailure(f);
        }

        @Override
        public void cancel() {
            if (finished) {
                return;
            }
            finished = true;
            detach(true);
        }

        /** True once the call has ended (answered, failed or cancelled): it delivers nothing more. */
        public boolean isDone() {
            return finished;
        }

        @Override
        public void pause() {
            paused = true;
            if (channel != null) {
                channel.config().setAutoRead(false);
            }
        }

        @Override
        public void resume() {
            paused = false;
            if (channel != null) {
                channel.config().setAutoRead(true);
            }
        }

        private void release() {
            Channel ch = channel;
            if (ch == null) {
                return;
            }
            if (!keepAlive || !ch.isActive()) {
                detach(true);
                return;
            }
            detach(false);
            ch.config().setAutoRead(true);
            ArrayDeque<Channel> q = idle.computeIfAbsent(loop, l -> new ArrayDeque<>());
            if (q.size() < MAX_IDLE_PER_LOOP) {
                ch.attr(IDLE_SINCE).set(System.nanoTime());
                q.addFirst(ch);
            } else {
                ch.close();
            }
        }

        private void detach(boolean close) {
            Channel ch = channel;
            channel = null;
            if (ch == null) {
                return;
            }
            Dispatcher d = ch.pipeline().get(Dispatcher.class);
            if (d != null && d.current == this) {
                d.current = null;
            }
            if (close) {
                ch.close();
            }
        }
    }

    /** Routes a connection's events to the call currently using it; a pooled connection that speaks out of turn is closed. */
    private static final class Dispatcher extends ChannelInboundHandlerAdapter {
        Call current;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                Call c = current;
                if (c == null) {
                    ctx.close();
                    return;
                }
                if (msg instanceof HttpResponse r) {
                    c.onResponse(r);
                }
                if (msg instanceof HttpContent content && current == c) {
                    c.onContent(content);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            Call c = current;
            if (c != null && !c.finished) {
                c.handler.onReadComplete();
            }
            ctx.fireChannelReadComplete();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            Call c = current;
            if (c != null) {
                c.transportFailure(new ClosedChannelException());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            Call c = current;
            if (c != null) {
                c.transportFailure(cause);
            }
            ctx.close();
        }
    }

    static Failure classify(Throwable t, boolean responseStarted) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ConnectTimeoutException) {
                return Failure.of(Failure.Kind.CONNECT_TIMEOUT, "no connection within the connect timeout");
            }
            if (c instanceof UnknownHostException) {
                return Failure.of(Failure.Kind.DNS, "host name does not resolve");
            }
            if (c instanceof SSLException) {
                return Failure.of(Failure.Kind.TLS, "TLS handshake failed");
            }
            if (c instanceof ConnectException) {
                String m = String.valueOf(c.getMessage()).toLowerCase(Locale.ROOT);
                return Failure.of(Failure.Kind.CONNECT_REFUSED, m.contains("no route") ? "no route to host" : "connection refused");
            }
        }
        if (responseStarted) {
            return Failure.of(Failure.Kind.TRUNCATED, "connection closed in the middle of the response");
        }
        String m = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
        return Failure.of(Failure.Kind.RESET, m.contains("reset") ? "connection reset by peer" : "connection closed before any response");
    }
}
