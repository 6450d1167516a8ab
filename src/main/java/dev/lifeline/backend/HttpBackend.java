package dev.lifeline.backend;

import dev.lifeline.chat.Endpoint;
import dev.lifeline.config.BackendConfig;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;

import java.io.ByteArrayOutputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A model server over HTTP, in the wire dialect its {@link Wire} describes. Adds the backend's own credentials, sends
 * the body it is given, and turns the answer into {@link Frame}s (each event's bytes as they came, and what they
 * mean) or a checked body, without re-encoding anything.
 */
public final class HttpBackend implements Backend {
    /** Error bodies are kept up to this size for classification and for returning them unchanged. */
    static final int MAX_ERROR_BODY = 64 * 1024;
    /** A non-streamed answer larger than this is refused rather than buffered. */
    static final int MAX_BODY = 64 * 1024 * 1024;

    private final BackendConfig config;
    private final Wire wire;
    private final HttpUpstream http;
    private final Map<String, String> fixedHeaders;
    private final Clock clock;

    private HttpBackend(BackendConfig config, Wire wire, NettyTransport transport, String userAgent, Clock clock) {
        this.config = config;
        this.wire = wire;
        this.http = new HttpUpstream(config.url(), transport);
        this.clock = clock;
        Map<String, String> h = new LinkedHashMap<>(config.headers());
        h.put(HttpHeaderNames.CONTENT_TYPE.toString(), "application/json");
        h.put(HttpHeaderNames.USER_AGENT.toString(), userAgent);
        wire.addFixedHeaders(h, config);
        this.fixedHeaders = Map.copyOf(h);
    }

    /** A backend for the configuration's dialect. */
    public static HttpBackend create(BackendConfig config, NettyTransport transport, String userAgent, Clock clock) {
        Wire wire = switch (config.dialect()) {
            case OPENAI -> OpenAiWire.INSTANCE;
            case ANTHROPIC -> AnthropicWire.INSTANCE;
            case OLLAMA -> OllamaWire.INSTANCE;
        };
        return new HttpBackend(config, wire, transport, userAgent, clock);
    }

    @Override
    public BackendConfig config() {
        return config;
    }

    @Override
    public UpstreamCall call(UpstreamRequest request, ScheduledExecutorService loop, UpstreamListener listener) {
        Map<String, String> headers = new LinkedHashMap<>(fixedHeaders);
        headers.put("accept", wire.accept(request.stream()));
        headers.put("x-request-id", request.requestId());
        String path = wire.path(request.endpoint());
        Decoder decoder = new Decoder(request.endpoint(), request.stream(), listener);
        HttpUpstream.Call call = http.prepare((EventLoop) loop, HttpMethod.POST, path, headers, request.body(),
                request.connectTimeout(), decoder);
        decoder.call = call;
        call.start();
        return call;
    }

    @Override
    public void close() {
        http.close();
    }

    /** Turns one HTTP response into listener events. */
    private final class Decoder implements HttpUpstream.ResponseHandler {
        private final Endpoint endpoint;
        private final boolean stream;
        private final UpstreamListener listener;
        private HttpUpstream.Call call;
        private int status;
        private String contentType = "";
        private Optional<Duration> retryAfter = Optional.empty();
        private Wire.StreamReader reader;
        private ByteArrayOutputStream body;
        private boolean failed;

        Decoder(Endpoint endpoint, boolean stream, UpstreamListener listener) {
            this.endpoint = endpoint;
            this.stream = stream;
            this.listener = listener;
        }

        @Override
        public void onHead(HttpResponse head) {
            status = head.status().code();
            contentType = Optional.ofNullable(head.headers().get(HttpHeaderNames.CONTENT_TYPE)).orElse("");
            boolean success = status >= 200 && status < 300;
            if (success && stream && wire.isStream(contentType)) {
                reader = wire.newStream();
            } else {
                // sized from Content-Length when the upstream sent one (capped: the header is the upstream's word)
                long announced = HttpUtil.getContentLength(head, 256L);
                body = new ByteArrayOutputStream((int) Math.max(32, Math.min(announced, success ? 1 << 20 : MAX_ERROR_BODY)));
            }
            if (success) {
                listener.onResponseStarted();
            } else {
                retryAfter = RetryAfter.parse(head.headers(), clock);
            }
        }

        @Override
        public void onContent(ByteBuf content) {
            if (failed) {
                return;
            }
            byte[] bytes = new byte[content.readableBytes()];
            content.readBytes(bytes);
            if (reader != null) {
                try {
                    reader.feed(bytes, frame -> {
                        listener.onFrame(frame);
                        return !failed && !call.isDone(); // else the exchange dropped this call: the rest is not for it
                    });
                } catch (Wire.MalformedException ex) {
                    fail(Failure.of(Failure.Kind.MALFORMED, ex.getMessage()));
                }
                return;
            }
            boolean success = status >= 200 && status < 300;
            int cap = success ? MAX_BODY : MAX_ERROR_BODY;
            int room = cap - body.size();
            if (room <= 0 && success) {
                fail(Failure.of(Failure.Kind.MALFORMED, "response body larger than " + MAX_BODY + " bytes"));
                return;
            }
            body.write(bytes, 0, Math.max(0, Math.min(room, bytes.length)));
        }

        @Override
        public void onEnd() {
            if (failed) {
                return;
            }
            if (status < 200 || status >= 300) {
                byte[] b = body.toByteArray();
                listener.onFailure(Failure.status(status, wire.errorCode(b), retryAfter, b, contentType));
            } else if (reader != null) {
                listener.onEnd();
            } else {
                completeBody(body.toByteArray());
            }
        }

        private void completeBody(byte[] b) {
            Wire.Body read;
            try {
                read = wire.readBody(endpoint, b);
            } catch (Wire.MalformedException e) {
                listener.onFailure(Failure.of(Failure.Kind.MALFORMED, e.getMessage()));
                return;
            }
            if (read.error().isPresent()) {
                listener.onFailure(Failure.of(Failure.Kind.IN_BAND_ERROR, "error object in a success response: " + read.error().get().type()));
            } else if (stream) {
                listener.onFailure(Failure.of(Failure.Kind.MALFORMED, "expected an event stream, got " + (contentType.isEmpty() ? "no content type" : contentType)));
            } else {
                listener.onBody(b, contentType, read.usage());
            }
        }

        @Override
        public void onReadComplete() {
            if (reader != null && !failed) {
                listener.onReadComplete();
            }
        }

        @Override
        public void onFailure(Failure failure) {
            if (!failed) {
                failed = true;
                listener.onFailure(failure);
            }
        }

        /** Called from within a listener callback: stop the call and report once. */
        void fail(Failure f) {
            if (failed) {
                return;
            }
            failed = true;
            call.cancel();
            listener.onFailure(f);
        }
    }
}
