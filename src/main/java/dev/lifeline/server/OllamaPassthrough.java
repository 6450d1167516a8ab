package dev.lifeline.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lifeline.auth.ApiKey;
import dev.lifeline.auth.KeyLimits;
import dev.lifeline.backend.Failure;
import dev.lifeline.backend.HttpUpstream;
import dev.lifeline.backend.NettyTransport;
import dev.lifeline.config.OllamaConfig;
import dev.lifeline.observe.AuditLog;
import dev.lifeline.routing.Gateway;
import dev.lifeline.routing.Rejection;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Ollama's native API through the gateway: {@code /} and {@code /api/*} go to the configured Ollama server under
 * {@link OllamaPathPolicy} (which endpoints), {@link Access} (who: any key for the model endpoints, an admin key for
 * model management; without authentication, admin endpoints are for loopback clients only) and
 * {@link OllamaRequestRules} (what a non-admin may ask). A loopback client without authentication counts as an admin,
 * as it does for the admin endpoints.
 *
 * <p>Only {@code content-type}, {@code accept}, the gateway's {@code user-agent} and {@code x-request-id} go upstream,
 * never the client's credentials, cookies or {@code Origin}; {@link HttpUpstream} sends {@code Host: localhost:PORT}
 * to a loopback server. The answer is relayed as it arrives: status, content type and length (chunked when Ollama
 * gave none), and each upstream read written and flushed at once, so NDJSON streams line by line. A client that goes
 * away cancels the upstream call. Refusals use Ollama's error shape, {@code {"error":"..."}}.
 */
final class OllamaPassthrough {
    private static final Logger ACCESS = LoggerFactory.getLogger("lifeline.access");
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String NOT_ENABLED = "Ollama's native API is not enabled on this gateway (set ollama.backend)";
    /** The largest {@code /api/tags} answer filtered for a caller. */
    static final int MAX_TAGS_BYTES = 8 * 1024 * 1024;

    private final Gateway gateway;
    private final Access access;
    private final Optional<OllamaConfig> config;
    private final HttpUpstream upstream;
    private final OllamaRequestRules rules;
    private final String userAgent;

    OllamaPassthrough(Gateway gateway, Access access, NettyTransport transport, String userAgent) {
        this.gateway = gateway;
        this.access = access;
        this.config = gateway.config().ollama();
        this.upstream = config.map(c -> new HttpUpstream(c.root(), transport)).orElse(null);
        this.rules = config.map(c -> new OllamaRequestRules(c, gateway.config().limits().maxTokens())).orElse(null);
        this.userAgent = userAgent;
    }

    /** Whether a (decoded) request path is Ollama's: {@code /} and {@code /api/...}. */
    static boolean serves(String path) {
        return path.equals("/") || path.equals("/api") || path.startsWith("/api/");
    }

    void handle(ChannelHandlerContext ctx, FullHttpRequest req, NettySink sink, String requestId) {
        if (config.isEmpty()) {
            refuse(sink, req, requestId, 404, NOT_ENABLED, Map.of());
            return;
        }
        OllamaPathPolicy.Decision d = OllamaPathPolicy.decide(req.method().name(), req.uri());
        SocketAddress remote = ctx.channel().remoteAddress();
        Access.Verdict verdict = switch (d.access()) {
            case ALLOW -> access.client(req.headers(), remote, requestId, d.path());
            case ADMIN -> access.admin(req.headers(), remote, requestId, d.path());
            case CLOSED, DENY -> new Access.Denied(d.status(), d.reason(), "", d.allowedMethods().isEmpty() ? Map.of()
                    : Map.of("allow", String.join(", ", d.allowedMethods())));
        };
        if (verdict instanceof Access.Denied denied) {
            Map<String, String> h = new LinkedHashMap<>(denied.headers());
            if (denied.status() == 401) {
                h.put("www-authenticate", "Bearer");
            }
            refuse(sink, req, requestId, denied.status(), denied.message(), h);
            return;
        }
        Optional<ApiKey> key = verdict instanceof Access.Granted g ? g.key() : Optional.empty();
        boolean admin = d.access() == OllamaPathPolicy.Access.ADMIN
                || (verdict instanceof Access.Granted ? key.map(ApiKey::admin).orElse(true) : Access.isLoopback(remote));
        forward(ctx, req, sink, requestId, d, key, admin);
    }

    private void forward(ChannelHandlerContext ctx, FullHttpRequest req, NettySink sink, String requestId,
                         OllamaPathPolicy.Decision d, Optional<ApiKey> key, boolean admin) {
        byte[] body = ByteBufUtil.getBytes(req.content());
        String contentType = req.headers().get(HttpHeaderNames.CONTENT_TYPE);
        String model = null;
        boolean modelCall = OllamaRequestRules.MODEL_CALLS.contains(d.path());
        if (modelCall && !admin) {
            switch (rules.apply(d.path(), body, key)) {
                case OllamaRequestRules.Refuse r -> {
                    if (r.status() == 403) {
                        Map<String, Object> f = new LinkedHashMap<>();
                        f.put("request_id", requestId);
                        f.put("key_id", key.map(ApiKey::id).orElse(null));
                        f.put("path", d.path());
                        f.put("reason", r.message());
                        AuditLog.event("model_refused", f);
                    }
                    refuse(sink, req, requestId, r.status(), r.message(), Map.of());
                    return;
                }
                case OllamaRequestRules.Forward f -> {
                    body = f.body();
                    model = f.model();
                    contentType = "application/json";
                }
            }
        }
        KeyLimits.Permit permit = null;
        if (modelCall && key.isPresent()) {
            switch (access.admit(key.get(), requestId)) {
                case KeyLimits.Limited l -> {
                    Map<String, String> h = new LinkedHashMap<>(l.headers());
                    h.put("retry-after", String.valueOf(Math.max(1, (l.retryAfter().toMillis() + 999) / 1000)));
                    refuse(sink, req, requestId, 429, "rate limit reached for this key: " + l.limit(), h);
                    return;
                }
                case KeyLimits.Permit p -> permit = p;
            }
        }
        Map<String, String> headers = new LinkedHashMap<>();
        if (contentType != null) {
            headers.put("content-type", contentType);
        }
        String accept = req.headers().get(HttpHeaderNames.ACCEPT);
        if (accept != null) {
            headers.put("accept", accept);
        }
        headers.put("user-agent", userAgent);
        headers.put("x-request-id", requestId);
        Relay relay = new Relay(ctx, sink, requestId, req.method(), d.path(), key, admin, model, permit,
                !admin && d.path().equals("/api/tags"));
        relay.start(d.target(), headers, body);
    }

    /** Answers in Ollama's error shape and tells the observer. */
    private void refuse(NettySink sink, FullHttpRequest req, String requestId, int status, String message, Map<String, String> extra) {
        Map<String, String> h = new LinkedHashMap<>(extra);
        h.put("x-request-id", requestId);
        sink.respond(status, "application/json; charset=utf-8", h, errorBody(message));
        gateway.observer().rejected(new Rejection(requestId, Instant.now(), req.method().name(),
                OllamaRequestRules.printable(req.uri()), status, message));
    }

    static byte[] errorBody(String message) {
        return JSON.createObjectNode().put("error", message).toString().getBytes(StandardCharsets.UTF_8);
    }

    /** One call to Ollama and its answer relayed to the client, on the client connection's event loop. */
    private final class Relay implements HttpUpstream.ResponseHandler {
        private final ChannelHandlerContext ctx;
        private final NettySink sink;
        private final String requestId;
        private final HttpMethod method;
        private final String path;
        private final Optional<ApiKey> key;
        private final boolean admin;
        private final String model;
        private final KeyLimits.Permit permit;
        private final boolean filterTags;
        private final long startNanos = System.nanoTime();
        private final UsageTail tail = new UsageTail();
        private final ChannelFutureListener clientClosed = f -> cancel();
        private HttpUpstream.Call call;
        private ByteArrayOutputStream tags;
        private ChannelFuture lastWrite;
        private ScheduledFuture<?> stalled;
        private int status;
        private boolean started;
        private long bytes;
        private boolean done;

        Relay(ChannelHandlerContext ctx, NettySink sink, String requestId, HttpMethod method, String path, Optional<ApiKey> key,
              boolean admin, String model, KeyLimits.Permit permit, boolean filterTags) {
            this.ctx = ctx;
            this.sink = sink;
            this.requestId = requestId;
            this.method = method;
            this.path = path;
            this.key = key;
            this.admin = admin;
            this.model = model;
            this.permit = permit;
            this.filterTags = filterTags;
        }

        void start(String target, Map<String, String> headers, byte[] body) {
            call = upstream.prepare(ctx.channel().eventLoop(), method, target, headers, body,
                    gateway.config().backend(config.orElseThrow().backend()).timeouts().connect(), this);
            ctx.channel().closeFuture().addListener(clientClosed);
            if (!done) {
                call.start();
            }
        }

        @Override
        public void onHead(HttpResponse head) {
            status = head.status().code();
            if (filterTags && status == 200) {
                tags = new ByteArrayOutputStream();
                return;
            }
            Map<String, String> h = new LinkedHashMap<>();
            h.put("x-request-id", requestId);
            long length = HttpUtil.isTransferEncodingChunked(head) ? -1 : HttpUtil.getContentLength(head, -1L);
            if (length < 0) {
                h.put("cache-control", "no-cache");
                h.put("x-accel-buffering", "no");
            }
            sink.startResponse(status, head.headers().get(HttpHeaderNames.CONTENT_TYPE), h, length);
            started = true;
        }

        @Override
        public void onContent(ByteBuf content) {
            bytes += content.readableBytes();
            if (tags != null) {
                if (tags.size() + content.readableBytes() > MAX_TAGS_BYTES) {
                    call.cancel();
                    fail(502, "the Ollama server's model list is larger than " + MAX_TAGS_BYTES + " bytes", "too_large");
                    return;
                }
                tags.writeBytes(ByteBufUtil.getBytes(content));
                return;
            }
            tail.add(content);
            lastWrite = ctx.write(new DefaultHttpContent(content.retainedDuplicate()));
        }

        /**
         * Flushes what this read brought. A client that cannot keep up pauses the upstream until its writes drain; one
         * that reads nothing for {@code limits.idle_timeout} is let go, and the upstream call with it.
         */
        @Override
        public void onReadComplete() {
            if (!started || done) {
                return;
            }
            ctx.flush();
            if (!ctx.channel().isWritable() && lastWrite != null && stalled == null) {
                call.pause();
                stalled = ctx.executor().schedule(this::clientStoppedReading,
                        gateway.config().limits().idleTimeout().toNanos(), TimeUnit.NANOSECONDS);
                lastWrite.addListener(f -> {
                    if (!done) {
                        stalled.cancel(false);
                        stalled = null;
                        call.resume();
                    }
                });
            }
        }

        private void clientStoppedReading() {
            if (!done) {
                call.cancel();
                finish("client_stopped_reading");
                sink.abort();
            }
        }

        @Override
        public void onEnd() {
            if (tags == null) {
                sink.endStream();
                finish("ok");
                return;
            }
            byte[] filtered;
            try {
                filtered = OllamaRequestRules.filterTags(tags.toByteArray(), admin ? Optional.empty() : key);
            } catch (IOException e) {
                fail(502, "the Ollama server sent a model list the gateway could not read", "malformed");
                return;
            }
            sink.respond(status, "application/json; charset=utf-8", Map.of("x-request-id", requestId), filtered);
            finish("ok");
        }

        @Override
        public void onFailure(Failure failure) {
            if (started) {
                finish("truncated");
                sink.abort(); // the head is out: a cut connection is the only way left to say the answer is incomplete
            } else if (status == 0) {
                fail(502, "the Ollama server is unreachable: " + failure.detail(), "unreachable");
            } else {
                fail(502, "the Ollama server's answer broke off: " + failure.detail(), "truncated");
            }
        }

        private void fail(int code, String message, String outcome) {
            status = code;
            sink.respond(code, "application/json; charset=utf-8", Map.of("x-request-id", requestId), errorBody(message));
            finish(outcome);
        }

        private void cancel() {
            if (!done) {
                call.cancel();
                finish("client_closed");
            }
        }

        private void finish(String outcome) {
            if (done) {
                return;
            }
            done = true;
            ctx.channel().closeFuture().removeListener(clientClosed);
            if (stalled != null) {
                stalled.cancel(false);
            }
            if (permit != null) {
                permit.finish(tail.tokens());
            }
            if (ACCESS.isInfoEnabled()) {
                ObjectNode line = JSON.createObjectNode()
                        .put("time", Instant.now().toString())
                        .put("request_id", requestId)
                        .put("endpoint", "ollama")
                        .put("method", method.name())
                        .put("path", path)
                        .put("status", status)
                        .put("outcome", outcome)
                        .put("admin", admin)
                        .put("bytes", bytes)
                        .put("duration_ms", (System.nanoTime() - startNanos) / 1_000_000);
                key.ifPresent(k -> line.put("key_id", k.id()));
                if (model != null) {
                    line.put("model", OllamaRequestRules.printable(model));
                }
                ACCESS.info(line.toString());
            }
        }
    }

    /**
     * The last bytes of an answer, where Ollama reports the tokens it used ({@code prompt_eval_count} and
     * {@code eval_count} in the final NDJSON line, or at the end of the one object), to charge them to the key.
     */
    static final class UsageTail {
        private static final int KEEP = 4096;
        private static final Pattern PROMPT = Pattern.compile("\"prompt_eval_count\"\\s*:\\s*(\\d{1,12})");
        private static final Pattern EVAL = Pattern.compile("\"eval_count\"\\s*:\\s*(\\d{1,12})");
        private final byte[] tail = new byte[KEEP];
        private int size;

        void add(ByteBuf b) {
            int n = b.readableBytes();
            int take = Math.min(n, KEEP);
            int keep = Math.min(size, KEEP - take);
            System.arraycopy(tail, size - keep, tail, 0, keep);
            b.getBytes(b.readerIndex() + n - take, tail, keep, take);
            size = keep + take;
        }

        long tokens() {
            String s = new String(tail, 0, size, StandardCharsets.ISO_8859_1);
            return last(PROMPT, s) + last(EVAL, s);
        }

        private static long last(Pattern p, String s) {
            long v = 0;
            for (Matcher m = p.matcher(s); m.find(); ) {
                v = Long.parseLong(m.group(1));
            }
            return v;
        }
    }
}
