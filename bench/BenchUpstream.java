// A fast fake OpenAI upstream for bench/run: the "model" costs nothing, so whatever latency a request shows on top
// of a direct call is the gateway's.
//
//   java -cp target/lifeline.jar bench/BenchUpstream.java PORT [SSE_EVENTS [PACED_TOKENS [PACED_INTERVAL_MS]]]
//
// Single-file source launch; Netty comes from the shaded lifeline jar. Listens on 127.0.0.1:PORT only.
//   POST /v1/chat/completions            -> 200, a fixed ~1 KB chat.completion (Content-Length)
//   ... with "stream":true in the body   -> 200 text/event-stream, SSE_EVENTS (default 50) chunk events + [DONE],
//                                           all at once, one HTTP chunk and one flush per event: a fast stream
//   ... "stream":true and a model name   -> 200 text/event-stream paced like a model generating tokens: a role
//       containing "paced" (bench-paced)    chunk and the first of PACED_TOKENS (default 200) content chunks at
//                                           once, then one content chunk every PACED_INTERVAL_MS (default 20),
//                                           then, one interval after the last, the finish chunk and [DONE].
//                                           Each event is its own HTTP chunk and flush. 200 x 20 ms: 4.0 s a stream.
//       ... ending in "paced-N"             the same with N content chunks (bench-paced-5: 5 tokens, 0.1 s)
//   GET  /v1/models                      -> the models, bench-model and bench-paced (for lifeline's start-up probe)
//   GET  /health                         -> 200 ok
//   anything else                        -> 404
// Prints "listening on 127.0.0.1:PORT" once bound.
//
// Paced streams are timers on the connection's event loop (each event schedules the next one, so the gap between
// two events is never shorter than the interval, even when the loop runs late); no thread waits, so thousands of
// paced streams at once cost only their events. A paced stream whose client went away stops at its next event.
// The model is chosen by name because lifeline passes the body on (with the model its route names) but no client
// header; nginx and direct calls see the same body.

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public final class BenchUpstream {
    private static final Pattern STREAM_TRUE = Pattern.compile("\"stream\"\\s*:\\s*true");
    private static final Pattern MODEL = Pattern.compile("\"model\"\\s*:\\s*\"([^\"]*)\"");
    private static final Pattern PACED_N = Pattern.compile("paced-(\\d{1,5})$");

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: java -cp target/lifeline.jar bench/BenchUpstream.java PORT [SSE_EVENTS [PACED_TOKENS [PACED_INTERVAL_MS]]]");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        int events = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        int pacedTokens = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        long pacedIntervalMs = args.length > 3 ? Long.parseLong(args[3]) : 20;
        if (events < 2 || pacedTokens < 1 || pacedIntervalMs < 1) {
            System.err.println("BenchUpstream: SSE_EVENTS >= 2, PACED_TOKENS >= 1 and PACED_INTERVAL_MS >= 1, please");
            System.exit(2);
        }
        byte[] completion = completion();
        byte[][] sse = sseEvents(events);
        Paced paced = new Paced(pacedTokens, pacedIntervalMs);

        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channel = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, io);
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(), io);
        try {
            ServerBootstrap b = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(channel)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpServerCodec());
                            ch.pipeline().addLast(new HttpObjectAggregator(1 << 20));
                            ch.pipeline().addLast(new Handler(completion, sse, paced));
                        }
                    });
            var ch = b.bind(new InetSocketAddress("127.0.0.1", port)).sync().channel();
            System.out.println("listening on 127.0.0.1:" + ((InetSocketAddress) ch.localAddress()).getPort()
                    + " (" + (epoll ? "epoll" : "nio") + ", " + completion.length + " B completion, " + events + " SSE events; paced: "
                    + pacedTokens + " tokens every " + pacedIntervalMs + " ms)");
            System.out.flush();
            ch.closeFuture().sync();
        } finally {
            boss.shutdownGracefully();
            workers.shutdownGracefully();
        }
    }

    /** The paced streams: their default length, their interval, and their events by length (built once each). */
    private record Paced(int tokens, long intervalMs, Map<Integer, byte[][]> byLength) {
        Paced(int tokens, long intervalMs) {
            this(tokens, intervalMs, new ConcurrentHashMap<>());
        }

        /** Role chunk, the content chunks, finish chunk, [DONE]: for "bench-paced-N", N content chunks. */
        byte[][] events(String model) {
            Matcher n = PACED_N.matcher(model);
            int length = n.find() ? Math.max(1, Integer.parseInt(n.group(1))) : tokens;
            return byLength.computeIfAbsent(length, BenchUpstream::pacedEvents);
        }
    }

    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final byte[] completion;
        private final byte[][] sse;
        private final Paced paced;

        Handler(byte[] completion, byte[][] sse, Paced paced) {
            this.completion = completion;
            this.sse = sse;
            this.paced = paced;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            String path = req.uri();
            if (req.method().equals(HttpMethod.GET) && path.equals("/health")) {
                full(ctx, keepAlive, HttpResponseStatus.OK, "text/plain", "ok\n".getBytes(StandardCharsets.UTF_8));
                return;
            }
            if (req.method().equals(HttpMethod.GET) && path.equals("/v1/models")) {
                full(ctx, keepAlive, HttpResponseStatus.OK, "application/json",
                        ("{\"object\":\"list\",\"data\":[{\"id\":\"bench-model\",\"object\":\"model\",\"owned_by\":\"bench\"},"
                                + "{\"id\":\"bench-paced\",\"object\":\"model\",\"owned_by\":\"bench\"}]}")
                                .getBytes(StandardCharsets.UTF_8));
                return;
            }
            if (!req.method().equals(HttpMethod.POST) || !path.startsWith("/v1/chat/completions")) {
                full(ctx, keepAlive, HttpResponseStatus.NOT_FOUND, "application/json",
                        "{\"error\":{\"message\":\"not found\",\"type\":\"invalid_request_error\"}}".getBytes(StandardCharsets.UTF_8));
                return;
            }
            String body = req.content().toString(StandardCharsets.UTF_8);
            if (STREAM_TRUE.matcher(body).find()) {
                HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream");
                head.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
                HttpUtil.setTransferEncodingChunked(head, true);
                HttpUtil.setKeepAlive(head, keepAlive);
                ctx.write(head);
                Matcher model = MODEL.matcher(body);
                if (model.find() && model.group(1).contains("paced")) {
                    new PacedStream(ctx, keepAlive, paced.events(model.group(1)), paced.intervalMs()).start();
                    return;
                }
                for (byte[] e : sse) {
                    ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(e)), ctx.voidPromise());
                }
                var f = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
                if (!keepAlive) {
                    f.addListener(ChannelFutureListener.CLOSE);
                }
                return;
            }
            full(ctx, keepAlive, HttpResponseStatus.OK, "application/json", completion);
        }

        private static void full(ChannelHandlerContext ctx, boolean keepAlive, HttpResponseStatus status, String type, byte[] body) {
            ByteBuf content = Unpooled.wrappedBuffer(body);
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
            HttpUtil.setContentLength(r, body.length);
            HttpUtil.setKeepAlive(r, keepAlive);
            var f = ctx.writeAndFlush(r);
            if (!keepAlive) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /**
     * One paced stream: the role chunk and the first content chunk at once, then each content chunk one interval after
     * the previous one was written (fixed delay, so a late event loop never bunches two events together), then the
     * finish chunk and [DONE] one interval after the last content chunk. Runs entirely on the channel's event loop.
     */
    private static final class PacedStream implements Runnable {
        private final ChannelHandlerContext ctx;
        private final boolean keepAlive;
        private final byte[][] events;
        private final long intervalMs;
        private int next; // index into events of the next content chunk to send

        PacedStream(ChannelHandlerContext ctx, boolean keepAlive, byte[][] events, long intervalMs) {
            this.ctx = ctx;
            this.keepAlive = keepAlive;
            this.events = events;
            this.intervalMs = intervalMs;
        }

        void start() {
            send(0); // the role chunk
            next = 1;
            run();   // the first content chunk, now
        }

        @Override
        public void run() {
            if (!ctx.channel().isActive()) {
                return; // the client (or the gateway) hung up: nothing more to send
            }
            int lastContent = events.length - 3; // then the finish chunk and [DONE]
            if (next <= lastContent) {
                send(next++);
                ctx.executor().schedule(this, intervalMs, TimeUnit.MILLISECONDS);
                return;
            }
            ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(events[events.length - 2])), ctx.voidPromise());
            ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(events[events.length - 1])), ctx.voidPromise());
            var f = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            if (!keepAlive) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
        }

        private void send(int i) {
            ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(events[i])), ctx.voidPromise());
        }
    }

    /** A chat.completion of about 1 KB: one assistant message of filler text, usage included. */
    private static byte[] completion() {
        String text = "Lifeline benchmark answer. ".repeat(30).strip();
        String json = "{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\",\"created\":1700000000,"
                + "\"model\":\"bench-model\",\"system_fingerprint\":\"fp_bench\",\"choices\":[{\"index\":0,"
                + "\"message\":{\"role\":\"assistant\",\"content\":\"" + text + "\",\"refusal\":null},"
                + "\"logprobs\":null,\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":150,\"total_tokens\":162}}";
        return json.getBytes(StandardCharsets.UTF_8);
    }

    /** Role chunk, n-2 content chunks, the finish chunk, then [DONE]: n + 1 events in all. */
    private static byte[][] sseEvents(int n) {
        String prefix = "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
                + "\"model\":\"bench-model\",\"choices\":[{\"index\":0,";
        byte[][] out = new byte[n + 1][];
        for (int i = 0; i < n; i++) {
            String choice;
            if (i == 0) {
                choice = "\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}";
            } else if (i == n - 1) {
                choice = "\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}]}";
            } else {
                choice = "\"delta\":{\"content\":\"tok" + i + " \"},\"logprobs\":null,\"finish_reason\":null}]}";
            }
            out[i] = (prefix + choice + "\n\n").getBytes(StandardCharsets.UTF_8);
        }
        out[n] = "data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8);
        return out;
    }

    /** The paced stream: role chunk, {@code tokens} content chunks ("tok1 " ...), the finish chunk, [DONE]. */
    private static byte[][] pacedEvents(int tokens) {
        byte[][] fast = sseEvents(tokens + 2); // role, tokens content chunks, finish, [DONE]
        byte[][] out = new byte[fast.length][];
        for (int i = 0; i < fast.length; i++) {
            out[i] = new String(fast[i], StandardCharsets.UTF_8).replace("\"bench-model\"", "\"bench-paced\"")
                    .getBytes(StandardCharsets.UTF_8);
        }
        return out;
    }
}
