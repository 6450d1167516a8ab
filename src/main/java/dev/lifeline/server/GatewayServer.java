package dev.lifeline.server;

import dev.lifeline.backend.NettyTransport;
import dev.lifeline.observe.GatewayMetrics;
import dev.lifeline.routing.Gateway;
import dev.lifeline.routing.Rejection;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import dev.lifeline.config.Limits;
import dev.lifeline.config.Security;

import javax.net.ssl.SSLException;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Optional;

/** The gateway's HTTP/1.1 listener. */
public final class GatewayServer implements AutoCloseable {
    private final Channel channel;
    private final boolean secure;

    private GatewayServer(Channel channel, boolean secure) {
        this.channel = channel;
        this.secure = secure;
    }

    static GatewayServer start(Gateway gateway, GatewayMetrics metrics, Access access, NettyTransport transport,
                                      InetSocketAddress address, long maxBodyBytes, String userAgent) throws InterruptedException {
        int maxBody = (int) Math.min(Integer.MAX_VALUE, maxBodyBytes);
        SslContext tls = gateway.config().security().tls().map(GatewayServer::serverTls).orElse(null);
        Limits limits = gateway.config().limits();
        // Over the limit, a plain listener answers 503; a TLS one just closes (plain bytes would be garbage there).
        ConnectionGuard.Limit connections = new ConnectionGuard.Limit(limits.maxConnections(), tls == null);
        Cors cors = new Cors(gateway.config().security().corsOrigins());
        OllamaPassthrough ollama = new OllamaPassthrough(gateway, access, transport, userAgent);
        ServerBootstrap b = new ServerBootstrap()
                .group(transport.boss(), transport.workers())
                .channel(transport.serverChannelType())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(64 * 1024, 256 * 1024))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(connections);
                        if (tls != null) {
                            ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                        }
                        ch.pipeline().addLast(new HttpServerCodec(8192, 32 * 1024, 64 * 1024));
                        ch.pipeline().addLast(new ConnectionGuard.Deadlines(limits.headerTimeout(), limits.bodyTimeout(), limits.idleTimeout()));
                        ch.pipeline().addLast(new HttpServerExpectContinueHandler());
                        ch.pipeline().addLast(new Aggregator(maxBody, gateway));
                        ch.pipeline().addLast(new GatewayHandler(gateway, metrics, access, cors, ollama));
                    }
                });
        Channel ch = b.bind(address).sync().channel();
        return new GatewayServer(ch, tls != null);
    }

    /** The server's TLS context from PEM files, or a clear error naming the file that could not be used. */
    static SslContext serverTls(Security.Tls files) {
        try {
            return SslContextBuilder.forServer(files.certificate().toFile(), files.privateKey().toFile()).build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("tls: cannot use certificate " + files.certificate() + " with key " + files.privateKey()
                    + " (expected: a PEM certificate chain and its unencrypted PEM private key): " + e.getMessage(), e);
        }
    }

    public boolean tls() {
        return secure;
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }

    /** Collects request bodies up to the limit; a larger one gets a 413 in the OpenAI error shape. */
    private static final class Aggregator extends HttpObjectAggregator {
        private final int max;
        private final Gateway gateway;

        Aggregator(int max, Gateway gateway) {
            super(max);
            this.max = max;
            this.gateway = gateway;
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            byte[] body = OpenAiFrontDoor.INSTANCE.errorBody(413, "the request body is larger than " + max + " bytes",
                    Optional.empty(), "request_too_large");
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                    Unpooled.wrappedBuffer(body));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
            HttpUtil.setContentLength(r, body.length);
            HttpUtil.setKeepAlive(r, false);
            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
            String id = oversized instanceof HttpRequest req ? GatewayHandler.requestId(req) : "-";
            String path = oversized instanceof HttpRequest req ? req.uri() : "-";
            String method = oversized instanceof HttpRequest req ? req.method().name() : "-";
            gateway.observer().rejected(new Rejection(id, Instant.now(), method, path, 413, "the request body is larger than " + max + " bytes"));
        }
    }
}
