package dev.lifeline.server;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Netty handlers that keep slow or numerous clients from exhausting the listener: a connection {@link Limit}, and
 * per-connection request-read {@link Deadlines} (slowloris, slow bodies, idle keep-alive connections).
 *
 * <p>Pipeline order for the gateway's child channels:
 * <pre>
 *   limit (one shared instance) -> HttpServerCodec -> new Deadlines(...) -> expect-continue -> aggregator -> handler
 * </pre>
 */
public final class ConnectionGuard {
    private ConnectionGuard() {
    }

    /** How long a refused or timed-out connection is drained before it is closed, so the client can read our answer. */
    static final Duration LINGER = Duration.ofSeconds(1);

    /**
     * Counts open client connections and refuses those beyond {@code maxConnections}: a refused connection gets a
     * minimal {@code 503} ({@code Connection: close}, OpenAI error shape, code {@code too_many_connections}) and is
     * closed at once. Refused connections are never counted and never reach later handlers.
     *
     * <p>One instance is shared by all child channels of a listener; it must sit below the HTTP codec (it writes raw
     * bytes): first in the pipeline for plain HTTP. On a TLS listener, either first with {@code answer = false}
     * (refused connections cost no handshake), or right after the {@code SslHandler} (the 503 then waits for the
     * handshake).
     */
    @Sharable
    public static final class Limit extends ChannelInboundHandlerAdapter {
        private static final AttributeKey<Boolean> REFUSED = AttributeKey.valueOf(Limit.class, "refused");
        private static final byte[] TOO_MANY = rawResponse("503 Service Unavailable",
                OpenAiFrontDoor.INSTANCE.errorBody(503, "too many connections", Optional.empty(), "too_many_connections"));

        private final int max;
        private final boolean answer;
        private final AtomicInteger open = new AtomicInteger();
        private final AtomicLong refused = new AtomicLong();

        /** A limit that answers refused connections with the plain-text {@code 503}. */
        public Limit(int maxConnections) {
            this(maxConnections, true);
        }

        /**
         * @param maxConnections how many client connections may be open at once; at least 1
         * @param answer         whether a refused connection gets the {@code 503} before the close; pass
         *                       {@code false} on a TLS listener when this handler sits in front of the
         *                       {@code SslHandler} (plain bytes on a TLS connection are garbage to the client)
         */
        public Limit(int maxConnections, boolean answer) {
            if (maxConnections < 1) {
                throw new IllegalArgumentException("maxConnections: " + maxConnections + " (expected: at least 1)");
            }
            this.max = maxConnections;
            this.answer = answer;
        }

        /** The number of connections open now (refused ones excluded). */
        public int open() {
            return open.get();
        }

        /** How many connections were refused since this limit was created. */
        public long refused() {
            return refused.get();
        }

        /** The configured maximum. */
        public int max() {
            return max;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            Channel ch = ctx.channel();
            if (open.incrementAndGet() > max) {
                open.decrementAndGet();
                refused.incrementAndGet();
                ch.attr(REFUSED).set(Boolean.TRUE);
                ch.config().setAutoRead(false);
                if (answer) {
                    ctx.writeAndFlush(Unpooled.wrappedBuffer(TOO_MANY)).addListener(ChannelFutureListener.CLOSE);
                } else {
                    ctx.close();
                }
                return;
            }
            ch.closeFuture().addListener(f -> open.decrementAndGet());
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (refused(ctx)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!refused(ctx)) {
                ctx.fireChannelInactive();
            }
        }

        private static boolean refused(ChannelHandlerContext ctx) {
            return Boolean.TRUE.equals(ctx.channel().attr(REFUSED).get());
        }

        private static byte[] rawResponse(String statusLine, byte[] body) {
            String head = "HTTP/1.1 " + statusLine + "\r\n"
                    + "content-type: application/json\r\n"
                    + "content-length: " + body.length + "\r\n"
                    + "retry-after: 1\r\n"
                    + "connection: close\r\n\r\n";
            byte[] h = head.getBytes(StandardCharsets.US_ASCII);
            byte[] all = new byte[h.length + body.length];
            System.arraycopy(h, 0, all, 0, h.length);
            System.arraycopy(body, 0, all, h.length, body.length);
            return all;
        }
    }

    /**
     * Read deadlines for one connection; a new instance per channel, placed directly AFTER {@code HttpServerCodec}
     * (it reads decoded {@code HttpObject}s and its 408 goes through the codec's encoder).
     *
     * <ul>
     *   <li><b>headers</b>: the request line and headers must be complete within {@code headerTimeout} of the
     *       request's first byte (for the first request of a connection: of the connection opening);</li>
     *   <li><b>body</b>: the whole body must arrive within {@code bodyTimeout} after the headers (a total budget, not
     *       reset by each chunk);</li>
     *   <li><b>idle</b>: between requests a keep-alive connection may stay silent at most {@code idleTimeout}.</li>
     * </ul>
     *
     * <p>Only reading a request is timed. Once a request has been read completely, no deadline applies until its
     * response is complete, however long a streamed response takes; pipelined requests that arrive meanwhile are not
     * timed either. The timer then restarts in full for whatever the connection is waiting for.
     *
     * <p>How it tells where a request starts and ends, from the messages passing through it:
     * <ul>
     *   <li>request start: a {@code channelReadComplete} that no decoded message explains (the codec fires it after
     *       every socket read, also when it has only buffered a partial request line or headers), or an
     *       {@link HttpRequest};</li>
     *   <li>headers done: the {@link HttpRequest}; request done: the {@link LastHttpContent} (a full request is
     *       both);</li>
     *   <li>response start: an outbound non-1xx {@link HttpResponse}; response done: when the write of its
     *       {@link LastHttpContent} (or of a {@link FullHttpResponse}) completes. {@code 100 Continue} is ignored.</li>
     * </ul>
     *
     * <p>On expiry while a request is being read and no response has started for it, the client gets
     * {@code 408 Request Timeout} (OpenAI error shape, code {@code request_timeout}, {@code Connection: close}); in
     * every other case (idle, a fresh connection that never sent a byte, a response already started) the connection
     * is just closed. After a 408 the output is shut down and the input drained for at most
     * {@link ConnectionGuard#LINGER} before the close (RFC 9112 §9.6), so that a client still sending reads the 408
     * rather than a reset. All timers run on the channel's event loop; no thread is added.
     */
    public static final class Deadlines extends ChannelDuplexHandler {
        /** What the connection is waiting for on the read side. */
        private enum Phase {
            /** A fresh connection: the first byte of the first request. */
            OPEN,
            /** A keep-alive connection between requests. */
            IDLE,
            /** Some bytes of a request have arrived; the headers are not complete. */
            HEADERS,
            /** The headers have arrived; the body is not complete. */
            BODY
        }

        private final long headerNanos;
        private final long bodyNanos;
        private final long idleNanos;

        private Phase phase = Phase.OPEN;
        /** Requests read completely whose response is not complete yet. */
        private int awaiting;
        /** A final response head has been written; its end has not. */
        private boolean responding;
        /** Response ends written whose write has not completed. */
        private int ending;
        /** The request being read was already answered in full (an early answer such as 413 or 417). */
        private boolean answered;
        /** A decoded message passed since the last {@code channelReadComplete}. */
        private boolean decodedSinceReadComplete;
        private boolean started;
        private boolean expired;
        private ScheduledFuture<?> timer;
        private long generation;

        /**
         * @param headerTimeout time allowed for a request line and headers, from the request's first byte
         * @param bodyTimeout   time allowed for a whole request body, from the end of its headers
         * @param idleTimeout   how long a keep-alive connection may wait for its next request
         */
        public Deadlines(Duration headerTimeout, Duration bodyTimeout, Duration idleTimeout) {
            this.headerNanos = positive("headerTimeout", headerTimeout);
            this.bodyNanos = positive("bodyTimeout", bodyTimeout);
            this.idleNanos = positive("idleTimeout", idleTimeout);
        }

        private static long positive(String name, Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + ": " + d + " (expected: a positive duration)");
            }
            return d.toNanos();
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            if (ctx.channel().isActive()) {
                start(ctx);
            }
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            start(ctx);
            ctx.fireChannelActive();
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            cancel();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            cancel();
            ctx.fireChannelInactive();
        }

        private void start(ChannelHandlerContext ctx) {
            if (!started) {
                started = true;
                arm(ctx);
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (expired) {
                ReferenceCountUtil.release(msg);
                return;
            }
            decodedSinceReadComplete = true;
            Phase before = phase;
            if (msg instanceof HttpRequest) {
                if (phase != Phase.HEADERS) {
                    answered = false;
                }
                phase = Phase.BODY;
            }
            if (msg instanceof LastHttpContent && phase == Phase.BODY) {
                phase = Phase.IDLE;
                if (answered) {
                    answered = false;
                } else {
                    awaiting++;
                }
            }
            if (phase != before) {
                arm(ctx);
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (!decodedSinceReadComplete && !expired && (phase == Phase.OPEN || phase == Phase.IDLE)) {
                // Bytes arrived that the codec could not decode into a request yet: a request has started.
                phase = Phase.HEADERS;
                answered = false;
                arm(ctx);
            }
            decodedSinceReadComplete = false;
            ctx.fireChannelReadComplete();
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof HttpResponse r && r.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                ctx.write(msg, promise);
                return;
            }
            if (msg instanceof HttpResponse) {
                responding = true;
            }
            if (msg instanceof LastHttpContent && responding) {
                responding = false;
                ending++;
                ChannelPromise p = promise.unvoid();
                p.addListener(f -> responseDone(ctx));
                ctx.write(msg, p);
                return;
            }
            ctx.write(msg, promise);
        }

        private void responseDone(ChannelHandlerContext ctx) {
            ending--;
            if (awaiting > 0) {
                awaiting--;
            } else if (phase == Phase.BODY) {
                answered = true;
            }
            arm(ctx);
        }

        /** (Re)starts the timer in full for the current phase, unless a response is awaited. */
        private void arm(ChannelHandlerContext ctx) {
            cancel();
            if (!started || expired || awaiting > 0 || !ctx.channel().isActive()) {
                return;
            }
            long nanos = switch (phase) {
                case OPEN, HEADERS -> headerNanos;
                case BODY -> bodyNanos;
                case IDLE -> idleNanos;
            };
            long gen = generation;
            timer = ctx.executor().schedule(() -> expire(ctx, gen), nanos, TimeUnit.NANOSECONDS);
        }

        private void cancel() {
            generation++;
            if (timer != null) {
                timer.cancel(false);
                timer = null;
            }
        }

        private void expire(ChannelHandlerContext ctx, long gen) {
            if (gen != generation || expired || awaiting > 0) {
                return;
            }
            timer = null;
            expired = true;
            boolean reading = phase == Phase.HEADERS || phase == Phase.BODY;
            if (!reading || responding || ending > 0 || answered) {
                ctx.close();
                return;
            }
            byte[] body = OpenAiFrontDoor.INSTANCE.errorBody(408,
                    "the request was not received in time (" + (phase == Phase.HEADERS ? "headers" : "body") + ")",
                    Optional.empty(), "request_timeout");
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.REQUEST_TIMEOUT,
                    Unpooled.wrappedBuffer(body));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            HttpUtil.setContentLength(r, body.length);
            ctx.writeAndFlush(r).addListener((ChannelFutureListener) f -> lingeringClose(ctx));
        }

        /** Sends FIN, discards what the client still sends, and closes after {@link ConnectionGuard#LINGER} at the latest. */
        private static void lingeringClose(ChannelHandlerContext ctx) {
            Channel ch = ctx.channel();
            if (!ch.isActive() || !(ch instanceof DuplexChannel duplex)) {
                ctx.close();
                return;
            }
            duplex.shutdownOutput().addListener(f -> {
                if (!f.isSuccess()) {
                    ctx.close();
                }
            });
            ch.config().setAutoRead(true);
            ctx.executor().schedule(() -> ctx.close(), LINGER.toNanos(), TimeUnit.NANOSECONDS);
        }
    }
}
