package dev.lifeline.backend;

import dev.lifeline.chat.Endpoint;
import dev.lifeline.chat.StreamEvent;
import dev.lifeline.codec.SseDecoder;
import dev.lifeline.codec.openai.OpenAiCodec;
import dev.lifeline.config.BackendConfig;
import dev.lifeline.backend.Failure;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A backend speaking the OpenAI API: OpenAI itself, and the OpenAI-compatible APIs of Ollama ({@code /v1}),
 * LM Studio, vLLM and llama.cpp's {@code llama-server}. Adds the backend's own credentials and decodes the answer
 * into {@link Frame}s without re-encoding it.
 */
public final class OpenAiBackend implements Backend {
    /** Error bodies are kept up to this size for classification and for returning them unchanged. */
    static final int MAX_ERROR_BODY = 64 * 1024;
    /** A non-streamed answer larger than this is refused rather than buffered. */
    static final int MAX_BODY = 64 * 1024 * 1024;

    private final BackendConfig config;
    private final HttpUpstream http;
    private final Map<String, String> fixedHeaders;
    private final Clock clock;

    public OpenAiBackend(BackendConfig config, NettyTransport transport, String userAgent, Clock clock) {
        this.config = config;
        this.http = new HttpUpstream(config.url(), transport);
        this.clock = clock;
        Map<String, String> h = new LinkedHashMap<>(config.headers());
        h.put(HttpHeaderNames.CONTENT_TYPE.toString(), "application/json");
        h.put(HttpHeaderNames.USER_AGENT.toString(), userAgent);
        config.apiKey().ifPresent(k -> h.put(HttpHeaderNames.AUTHORIZATION.toString(), "Bearer " + k.value()));
        this.fixedHeaders = Map.copyOf(h);
    }

    @Override
    public BackendConfig config() {
        return config;
    }

    @Override
    public UpstreamCall call(UpstreamRequest request, ScheduledExecutorService loop, UpstreamListener listener) {
        Map<String, String> headers = new LinkedHashMap<>(fixedHeaders);
        headers.put("accept", request.stream() ? "text/event-stream" : "application/json");
        headers.put("x-request-id", request.requestId());
        String path = request.endpoint() == Endpoint.CHAT ? "/chat/completions" : "/embeddings";
        Decoder decoder = new Decoder(request.stream(), listener);
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
        private final boolean stream;
        private final UpstreamListener listener;
        private HttpUpstream.Call call;
        private int status;
        private String contentType = "";
        private Optional<Duration> retryAfter = Optional.empty();
        private SseDecoder sse;
        private ByteArrayOutputStream body;
        private boolean failed;

        Decoder(boolean stream, UpstreamListener listener) {
            this.stream = stream;
            this.listener = listener;
        }

        @Override
        public void onHead(HttpResponse head) {
            status = head.status().code();
            contentType = Optional.ofNullable(head.headers().get(HttpHeaderNames.CONTENT_TYPE)).orElse("");
            boolean success = status >= 200 && status < 300;
            if (success && stream && contentType.startsWith("text/event-stream")) {
                sse = new SseDecoder();
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
            if (sse != null) {
                try {
                    for (SseDecoder.Event e : sse.feed(bytes)) {
                        byte[] data = e.dataBytes();
                        List<StreamEvent> events = OpenAiCodec.decodeChunk(data, 0, data.length);
                        listener.onFrame(new Frame(SseDecoder.encode(e), events));
                        if (failed || call.isDone()) {
                            return; // the exchange dropped this call: the rest of this read is not for it
                        }
                    }
                } catch (SseDecoder.MalformedStreamException | OpenAiCodec.MalformedChunkException ex) {
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
                listener.onFailure(Failure.status(status, OpenAiCodec.errorCode(b), retryAfter, b, contentType));
            } else if (sse != null) {
                listener.onEnd();
            } else {
                completeBody(body.toByteArray());
            }
        }

        private void completeBody(byte[] b) {
            OpenAiCodec.Body read;
            try {
                read = OpenAiCodec.readBody(b);
            } catch (OpenAiCodec.MalformedChunkException e) {
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
            if (sse != null && !failed) {
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
