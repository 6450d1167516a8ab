// A fast fake OpenAI upstream for bench/run: the "model" costs nothing, so whatever latency a request shows on top
// of a direct call is the gateway's.
//
//   java -cp target/lifeline.jar bench/BenchUpstream.java PORT [SSE_EVENTS]
//
// Single-file source launch; Netty comes from the shaded lifeline jar. Listens on 127.0.0.1:PORT only.
//   POST /v1/chat/completions            -> 200, a fixed ~1 KB chat.completion (Content-Length)
//   ... with "stream":true in the body   -> 200 text/event-stream, SSE_EVENTS (default 50) chunk events + [DONE],
//                                           one HTTP chunk and one flush per event, as an LLM server sends tokens
//   GET  /v1/models                      -> the one model, bench-model (for lifeline's start-up probe)
//   GET  /health                         -> 200 ok
//   anything else                        -> 404
// Prints "listening on 127.0.0.1:PORT" once bound.

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
import java.util.regex.Pattern;

public final class BenchUpstream {
    private static final Pattern STREAM_TRUE = Pattern.compile("\"stream\"\\s*:\\s*true");

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: java -cp target/lifeline.jar bench/BenchUpstream.java PORT [SSE_EVENTS]");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        int events = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        byte[] completion = completion();
        byte[][] sse = sseEvents(events);

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
                            ch.pipeline().addLast(new Handler(completion, sse));
                        }
                    });
            var ch = b.bind(new InetSocketAddress("127.0.0.1", port)).sync().channel();
            System.out.println("listening on 127.0.0.1:" + ((InetSocketAddress) ch.localAddress()).getPort()
                    + " (" + (epoll ? "epoll" : "nio") + ", " + completion.length + " B completion, " + events + " SSE events)");
            System.out.flush();
            ch.closeFuture().sync();
        } finally {
            boss.shutdownGracefully();
            workers.shutdownGracefully();
        }
    }

    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final byte[] completion;
        private final byte[][] sse;

        Handler(byte[] completion, byte[][] sse) {
            this.completion = completion;
            this.sse = sse;
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
                        "{\"object\":\"list\",\"data\":[{\"id\":\"bench-model\",\"object\":\"model\",\"owned_by\":\"bench\"}]}"
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
}
