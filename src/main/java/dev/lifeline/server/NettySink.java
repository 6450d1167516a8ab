package dev.lifeline.server;

import dev.lifeline.codec.Ascii;
import dev.lifeline.routing.ClientSink;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

import java.util.Map;

/**
 * Writes one response to a client connection. Chunks are flushed at the end of each upstream read, so an event is
 * never held back, and the events of one read leave in one write.
 */
final class NettySink implements ClientSink {
    private final ChannelHandlerContext ctx;
    private final boolean keepAlive;
    private final Runnable onComplete;
    private Map<String, String> always = Map.of();
    private boolean complete;

    NettySink(ChannelHandlerContext ctx, boolean keepAlive, Runnable onComplete) {
        this.ctx = ctx;
        this.keepAlive = keepAlive;
        this.onComplete = onComplete;
    }

    /** Headers every response on this sink carries (CORS), whoever writes it. */
    void alwaysAdd(Map<String, String> headers) {
        this.always = headers;
    }

    @Override
    public void startStream(String contentType, Map<String, String> headers) {
        HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        r.headers().set("x-accel-buffering", "no");
        setHeaders(r, headers);
        HttpUtil.setTransferEncodingChunked(r, true);
        HttpUtil.setKeepAlive(r, keepAlive);
        ctx.write(r);
    }

    /**
     * Starts a response of any status whose body follows as {@link DefaultHttpContent}s and ends with
     * {@link #endStream()}: {@code contentLength} bytes of it, or chunked when {@code contentLength} is negative.
     */
    void startResponse(int status, String contentType, Map<String, String> headers, long contentLength) {
        HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status));
        if (contentType != null) {
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        }
        setHeaders(r, headers);
        if (contentLength < 0) {
            HttpUtil.setTransferEncodingChunked(r, true);
        } else {
            HttpUtil.setContentLength(r, contentLength);
        }
        HttpUtil.setKeepAlive(r, keepAlive);
        ctx.write(r);
    }

    @Override
    public void send(byte[] chunk) {
        ctx.write(new DefaultHttpContent(Unpooled.wrappedBuffer(chunk)), ctx.voidPromise());
    }

    @Override
    public void flush() {
        ctx.flush();
    }

    @Override
    public void endStream() {
        var f = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        done(f);
    }

    @Override
    public void respond(int status, String contentType, Map<String, String> headers, byte[] body) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                Unpooled.wrappedBuffer(body));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        setHeaders(r, headers);
        HttpUtil.setContentLength(r, body.length);
        HttpUtil.setKeepAlive(r, keepAlive);
        done(ctx.writeAndFlush(r));
    }

    @Override
    public void abort() {
        if (!complete) {
            complete = true;
            ctx.close();
            onComplete.run();
        }
    }

    @Override
    public boolean isWritable() {
        return ctx.channel().isWritable();
    }

    private void done(io.netty.channel.ChannelFuture f) {
        if (complete) {
            return;
        }
        complete = true;
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
        onComplete.run();
    }

    static boolean wantsKeepAlive(io.netty.handler.codec.http.HttpRequest req) {
        return HttpUtil.isKeepAlive(req) && !req.headers().contains(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true);
    }

    /**
     * The exchange's headers and the connection's own. Their values carry provider text (error codes in a failover
     * reason), so they are kept to printable ASCII here, where they become HTTP: no header injection, no 500.
     */
    private void setHeaders(HttpResponse r, Map<String, String> headers) {
        headers.forEach((k, v) -> r.headers().set(k, Ascii.printable(v)));
        always.forEach((k, v) -> r.headers().set(k, Ascii.printable(v)));
    }
}
