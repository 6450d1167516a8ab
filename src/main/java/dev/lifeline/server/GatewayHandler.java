package dev.lifeline.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lifeline.auth.ApiKey;
import dev.lifeline.auth.KeyLimits;
import dev.lifeline.chat.Endpoint;
import dev.lifeline.codec.Ascii;
import dev.lifeline.codec.BadRequestException;
import dev.lifeline.codec.ollama.ModelEntry;
import dev.lifeline.codec.ollama.OllamaCodec;
import dev.lifeline.codec.openai.OpenAiCodec;
import dev.lifeline.config.Durations;
import dev.lifeline.config.OllamaConfig;
import dev.lifeline.observe.AuditLog;
import dev.lifeline.observe.GatewayMetrics;
import dev.lifeline.routing.Breaker;
import dev.lifeline.routing.Faults;
import dev.lifeline.routing.DrillFault;
import dev.lifeline.routing.ClientProtocol;
import dev.lifeline.routing.ClientRequest;
import dev.lifeline.routing.Exchange;
import dev.lifeline.routing.Gateway;
import dev.lifeline.routing.Readiness;
import dev.lifeline.routing.Route;
import dev.lifeline.routing.Rejection;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * One client connection: dispatches each request to its endpoint. Proxied requests become an {@link Exchange}
 * on this connection's event loop; nothing here blocks. Pipelined requests wait their turn.
 */
final class GatewayHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayHandler.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern CLIENT_REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final Pattern IPV4_LIKE = Pattern.compile("[0-9.]+");
    /** The "modified" time of the route names listed to Ollama clients: when the server code was loaded. */
    private static final Instant LOADED = Instant.now();
    /** Lifeline's version, from the jar's manifest ({@code dev} when run from classes). */
    private static final String VERSION = Optional.ofNullable(GatewayHandler.class.getPackage().getImplementationVersion()).orElse("dev");

    private final Gateway gateway;
    private final GatewayMetrics metrics;
    private final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>();
    private Exchange active;
    private FullHttpRequest current;
    /** The dialect the current request's errors are written in: its front door's. */
    private ClientProtocol errorDialect = OpenAiFrontDoor.INSTANCE;
    private final OllamaModelPolicy ollamaModels;

    private boolean busy;

    /**
     * Pipelined requests waiting behind a slow answer, at most this many and at most {@code limits.max_body} bytes
     * in all; a client sending more is closed.
     */
    static final int MAX_WAITING = 16;

    private final Access access;
    private final Cors cors;
    private final OllamaPassthrough ollama;
    private final AdminKeys adminKeys;

    GatewayHandler(Gateway gateway, GatewayMetrics metrics, Access access, Cors cors, OllamaPassthrough ollama) {
        this.gateway = gateway;
        this.metrics = metrics;
        this.access = access;
        this.cors = cors;
        this.ollama = ollama;
        this.ollamaModels = new OllamaModelPolicy(gateway.config().ollama().map(OllamaConfig::backend));
        this.adminKeys = new AdminKeys(access.keyStore());
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        if (busy) {
            int bytes = waiting.stream().mapToInt(r -> r.content().readableBytes()).sum() + req.content().readableBytes();
            if (waiting.size() >= MAX_WAITING || bytes > gateway.config().maxBodyBytes()) {
                ctx.close(); // more pipelined requests, or bytes, than any client needs: not one worth queueing for
                return;
            }
            waiting.add(req.retain());
            return;
        }
        handle(ctx, req);
    }

    private void handle(ChannelHandlerContext ctx, FullHttpRequest req) {
        busy = true;
        current = req;
        String requestId = requestId(req);
        // After a request it could not parse, the decoder discards the rest of the connection: close it.
        boolean keepAlive = NettySink.wantsKeepAlive(req) && req.decoderResult().isSuccess();
        NettySink sink = new NettySink(ctx, keepAlive, () -> next(ctx));
        if (!req.decoderResult().isSuccess()) {
            error(sink, requestId, 400, "the request could not be parsed as HTTP", Optional.empty(), "invalid_request");
            return;
        }
        String path = new QueryStringDecoder(req.uri()).path();
        errorDialect = path.equals("/v1/messages") ? AnthropicFrontDoor.INSTANCE : OpenAiFrontDoor.INSTANCE;
        HttpMethod method = req.method();
        SocketAddress remote = ctx.channel().remoteAddress();
        if (!access.authOn() && !hostAllowed(req.headers().get(HttpHeaderNames.HOST))) {
            error(sink, requestId, 403, "host not allowed: without API keys the gateway answers only to IP addresses and local names"
                    + " (a web page cannot reach it by DNS rebinding); create a key to use other names", Optional.empty(), "host_not_allowed");
            return;
        }
        String origin = req.headers().get(HttpHeaderNames.ORIGIN);
        if (origin != null && !crossOrigin(req, sink, requestId, origin)) {
            return;
        }
        switch (path) {
            case "/healthz" -> only(method, HttpMethod.GET, sink, requestId, () ->
                    json(sink, requestId, 200, JSON.createObjectNode().put("status", "ok")));
            case "/readyz" -> only(method, HttpMethod.GET, sink, requestId, () ->
                    readiness(sink, requestId, access.mayUse(req.headers())));
            case "/metrics" -> only(method, HttpMethod.GET, sink, requestId, () -> withClient(req, remote, sink, requestId, path, key ->
                    sink.respond(200, GatewayMetrics.contentType(), Map.of("x-request-id", requestId), metrics.scrape())));
            case "/v1/models" -> only(method, HttpMethod.GET, sink, requestId, () -> withClient(req, remote, sink, requestId, path, key ->
                    sink.respond(200, "application/json", Map.of("x-request-id", requestId), OpenAiCodec.modelList(
                            gateway.router().modelNames().stream().filter(m -> key.map(k -> k.allowsModel(m)).orElse(true)).toList()))));
            case "/v1/chat/completions" -> only(method, HttpMethod.POST, sink, requestId, () ->
                    withClient(req, remote, sink, requestId, path, key -> proxy(ctx, req, sink, requestId, Endpoint.CHAT, key)));
            case "/v1/embeddings" -> only(method, HttpMethod.POST, sink, requestId, () ->
                    withClient(req, remote, sink, requestId, path, key -> proxy(ctx, req, sink, requestId, Endpoint.EMBEDDINGS, key)));
            case "/v1/messages" -> only(method, HttpMethod.POST, sink, requestId, () ->
                    withClient(req, remote, sink, requestId, path, key -> proxy(ctx, req, sink, requestId, AnthropicFrontDoor.INSTANCE, key,
                            (localOnly, meter) -> AnthropicFrontDoor.parse(ByteBufUtil.getBytes(req.content()), localOnly,
                                    gateway.config().limits().maxTokens(), meter))));
            case "/admin/contingency" -> admin(req, remote, sink, requestId, path, () -> contingency(req, sink, requestId, remote));
            case "/admin/drill" -> admin(req, remote, sink, requestId, path, () -> drill(req, sink, requestId, remote));
            case "/admin/breakers" -> admin(req, remote, sink, requestId, path, () -> only(method, HttpMethod.GET, sink, requestId, () -> breakers(sink, requestId)));
            default -> {
                if (AdminKeys.serves(path)) {
                    admin(req, remote, sink, requestId, path, () -> adminKeys.handle(req, path, requestId, ctx.channel().eventLoop(),
                            a -> sink.respond(a.status(), "application/json", Map.of("x-request-id", requestId), a.body())));
                } else if (OllamaFrontDoor.serves(method.name(), path)
                        && (gateway.config().ollama().isEmpty() || routedBeyondLocalOllama(req))) {
                    // without a local Ollama, every native chat is the routes' to answer (a 404 names the models)
                    errorDialect = OllamaFrontDoor.INSTANCE;
                    withClient(req, remote, sink, requestId, path, key -> proxy(ctx, req, sink, requestId, OllamaFrontDoor.INSTANCE, key,
                            (localOnly, meter) -> OllamaFrontDoor.parse(path, ByteBufUtil.getBytes(req.content()),
                                    gateway.config().limits().maxTokens(), meter, localOnly)));
                } else if ((path.equals("/") || path.equals("/api/version")) && gateway.config().ollama().isEmpty()) {
                    // Ollama clients check that the server is up before they chat: answer for the routes
                    errorDialect = OllamaFrontDoor.INSTANCE;
                    only(method, HttpMethod.GET, sink, requestId, () -> withClient(req, remote, sink, requestId, path, key ->
                            sink.respond(200, path.equals("/") ? "text/plain; charset=utf-8" : "application/json; charset=utf-8",
                                    Map.of("x-request-id", requestId), path.equals("/")
                                            ? "Lifeline is running (Ollama API)".getBytes(StandardCharsets.UTF_8)
                                            : OllamaCodec.version(VERSION))));
                } else if (path.equals("/api/tags") && gateway.config().ollama().isEmpty()) {
                    // Without a local Ollama to pass through to, an Ollama client still learns the models it may ask for
                    errorDialect = OllamaFrontDoor.INSTANCE;
                    only(method, HttpMethod.GET, sink, requestId, () -> withClient(req, remote, sink, requestId, path, key ->
                            sink.respond(200, "application/json; charset=utf-8", Map.of("x-request-id", requestId), OllamaCodec.tags(
                                    gateway.router().modelNames().stream().filter(m -> key.map(k -> k.allowsModel(m)).orElse(true))
                                            .map(m -> ModelEntry.of(m, LOADED)).toList()))));
                } else if (OllamaPassthrough.serves(path)) {
                    ollama.handle(ctx, req, sink, requestId);
                } else {
                    error(sink, requestId, 404, "no such endpoint: " + method + " " + safe(path), Optional.empty(), "not_found");
                }
            }
        }
    }

    /**
     * A browser's request: answers a preflight, refuses an origin not in {@code cors.origins} (a web page must not
     * reach local models through the gateway), and adds the CORS headers for an allowed one. Returns whether to go on.
     */
    private boolean crossOrigin(FullHttpRequest req, NettySink sink, String requestId, String origin) {
        if (req.method().equals(HttpMethod.OPTIONS) && req.headers().contains(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD)) {
            Optional<Map<String, String>> allowed = cors.preflight(origin, req.headers().get(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD),
                    req.headers().get(HttpHeaderNames.ACCESS_CONTROL_REQUEST_HEADERS));
            if (allowed.isPresent()) {
                Map<String, String> h = new LinkedHashMap<>(allowed.get());
                h.put("x-request-id", requestId);
                sink.respond(204, "text/plain", h, new byte[0]);
            } else {
                error(sink, requestId, 403, "origin not allowed: add it to cors.origins to let this web page call the gateway",
                        Optional.empty(), "origin_not_allowed");
            }
            return false;
        }
        if (!cors.allows(origin)) {
            error(sink, requestId, 403, "origin not allowed: add it to cors.origins to let this web page call the gateway",
                    Optional.empty(), "origin_not_allowed");
            return false;
        }
        sink.alwaysAdd(cors.responseHeaders(origin));
        return true;
    }

    /** Runs {@code action} with the client's key (empty when authentication is off), or refuses the request. */
    private void withClient(FullHttpRequest req, SocketAddress remote, NettySink sink, String requestId, String path,
                            Consumer<Optional<ApiKey>> action) {
        switch (access.client(req.headers(), remote, requestId, path)) {
            case Access.Open o -> action.accept(Optional.empty());
            case Access.Granted g -> action.accept(g.key());
            case Access.Denied d -> refuse(sink, requestId, d);
        }
    }

    private void refuse(NettySink sink, String requestId, Access.Denied d) {
        Map<String, String> h = new LinkedHashMap<>(d.headers());
        h.put("x-request-id", requestId);
        if (d.status() == 401) {
            h.put("www-authenticate", "Bearer");
        }
        sink.respond(d.status(), errorDialect.errorContentType(), h, errorDialect.errorBody(d.status(), d.message(), Optional.empty(), d.code()));
        gateway.observer().rejected(new Rejection(requestId, Instant.now(), current.method().name(), safe(current.uri()), d.status(), d.message()));
    }

    /**
     * Whether an Ollama-native chat goes through the routes: its model has a route, and that route reaches beyond the
     * local Ollama server of the {@code ollama:} section (a cloud, another server). A route that only ever reaches the
     * local Ollama stays with the protective pass-through, which forwards the native request as it is.
     */
    private boolean routedBeyondLocalOllama(FullHttpRequest req) {
        Optional<String> model = OllamaFrontDoor.model(ByteBufUtil.getBytes(req.content()));
        if (model.isEmpty()) {
            return false;
        }
        Optional<Route> route = gateway.router().route(model.get());
        if (route.isEmpty()) {
            return false;
        }
        Optional<String> local = gateway.config().ollama().map(OllamaConfig::backend);
        return local.isEmpty() || route.get().targetsFor(model.get()).stream().anyMatch(t -> !t.backendName().equals(local.get()));
    }

    /** Reads a request body of one dialect into what the engine needs. */
    private interface FrontDoorParser {
        ClientRequest parse(boolean localOnly, boolean meterTokens) throws BadRequestException;
    }

    /** The OpenAI front door: chat completions and embeddings. */
    private void proxy(ChannelHandlerContext ctx, FullHttpRequest req, NettySink sink, String requestId, Endpoint endpoint,
                       Optional<ApiKey> key) {
        proxy(ctx, req, sink, requestId, OpenAiFrontDoor.INSTANCE, key, (localOnly, meterTokens) -> {
            OpenAiCodec.Request parsed = OpenAiCodec.parseRequest(ByteBufUtil.getBytes(req.content()));
            if (endpoint == Endpoint.CHAT && gateway.config().limits().maxTokens().isPresent()) {
                parsed = OpenAiCodec.clampMaxTokens(parsed, gateway.config().limits().maxTokens().getAsInt());
            }
            return new OpenAiFrontDoor.Request(endpoint, parsed, localOnly, gateway.config().limits().maxTokens(), meterTokens);
        });
    }

    /** Any front door: the request parsed, its model routed and allowed for the key, the key's limits applied. */
    private void proxy(ChannelHandlerContext ctx, FullHttpRequest req, NettySink sink, String requestId, ClientProtocol door,
                       Optional<ApiKey> key, FrontDoorParser parser) {
        String type = req.headers().get(HttpHeaderNames.CONTENT_TYPE);
        // Ollama reads any body as JSON, and its docs' curl examples send form-encoded "JSON": so does this door
        if (type != null && !type.toLowerCase(Locale.ROOT).startsWith("application/json") && door != OllamaFrontDoor.INSTANCE) {
            error(sink, requestId, 415, "the request body must be application/json", Optional.empty(), "unsupported_media_type");
            return;
        }
        boolean localOnly = key.map(ApiKey::localOnly).orElse(false);
        boolean meterTokens = key.map(k -> k.tpm().isPresent()).orElse(false);
        ClientRequest request;
        try {
            request = ollamaModels.applyTo(parser.parse(localOnly, meterTokens));
        } catch (BadRequestException e) {
            error(sink, requestId, 400, e.getMessage(), e.param(), "invalid_request");
            return;
        }
        if (gateway.router().route(request.model()).isEmpty()) {
            // Named here rather than by the engine, so that a restricted key learns only the models it may use.
            List<String> names = gateway.router().modelNames().stream().filter(m -> key.map(k -> k.allowsModel(m)).orElse(true)).toList();
            error(sink, requestId, 404, "no route for model '" + request.model() + "'" + (names.isEmpty() ? "" : " (available: "
                    + String.join(", ", names) + ")"), Optional.of("model"), "model_not_found");
            return;
        }
        KeyLimits.Permit permit = null;
        if (key.isPresent()) {
            ApiKey k = key.get();
            if (!k.allowsModel(request.model())) {
                AuditLog.event("model_refused", Map.of("request_id", requestId, "key_id", k.id(), "model", request.model()));
                error(sink, requestId, 403, "this key may not use model '" + request.model() + "'", Optional.of("model"), "model_not_allowed");
                return;
            }
            switch (access.admit(k, requestId)) {
                case KeyLimits.Limited l -> {
                    Map<String, String> h = new LinkedHashMap<>(l.headers());
                    h.put("retry-after", String.valueOf(Math.max(1, (l.retryAfter().toMillis() + 999) / 1000)));
                    refuse(sink, requestId, new Access.Denied(429, "rate limit reached for this key: " + l.limit(), "rate_limit_exceeded", h));
                    return;
                }
                case KeyLimits.Permit p -> permit = p;
            }
        }
        active = gateway.open(requestId, request, door, sink, ctx.channel().eventLoop());
        if (permit != null) {
            KeyLimits.Permit held = permit;
            active.onFinished(r -> held.finish(r.promptTokens() + r.completionTokens()));
        }
        active.start();
    }

    /** Readiness; the per-route details only for a client that may use the gateway (they name routes and backends). */
    private void readiness(NettySink sink, String requestId, boolean details) {
        Readiness r = gateway.readiness();
        ObjectNode body = JSON.createObjectNode();
        body.put("status", r.ready() ? "ready" : "not ready");
        if (!details) {
            json(sink, requestId, r.ready() ? 200 : 503, body);
            return;
        }
        body.put("mode", r.contingency() ? "contingency" : "normal");
        ObjectNode routes = body.putObject("routes");
        for (Readiness.RouteState s : r.routes()) {
            ObjectNode n = routes.putObject(s.route());
            s.usable().forEach(n.putArray("usable")::add);
            s.down().forEach(n.putArray("down")::add);
        }
        json(sink, requestId, r.ready() ? 200 : 503, body);
    }

    private void contingency(FullHttpRequest req, NettySink sink, String requestId, SocketAddress remote) {
        if (req.method().equals(HttpMethod.POST)) {
            JsonNode body;
            try {
                body = JSON.readTree(ByteBufUtil.getBytes(req.content()));
            } catch (IOException e) {
                body = null;
            }
            if (body == null || !body.path("enabled").isBoolean()) {
                error(sink, requestId, 400, "expected a JSON body {\"enabled\": true} or {\"enabled\": false}", Optional.of("enabled"), "invalid_request");
                return;
            }
            boolean on = body.get("enabled").asBoolean();
            boolean was = gateway.setContingency(on);
            AuditLog.event("contingency", Map.of("request_id", requestId, "client", String.valueOf(remote), "enabled", on, "was", was));
        } else if (!req.method().equals(HttpMethod.GET)) {
            methodNotAllowed(sink, requestId, "GET, POST");
            return;
        }
        json(sink, requestId, 200, JSON.createObjectNode().put("contingency", gateway.contingency()));
    }

    /**
     * The failover drill: POST starts (or replaces) a fault on every cloud backend, GET shows it, DELETE lifts it. The
     * fault always carries its own end, so a drill client that dies cannot leave the cloud switched off.
     */
    private void drill(FullHttpRequest req, NettySink sink, String requestId, SocketAddress remote) {
        Faults drill = gateway.drill();
        HttpMethod method = req.method();
        if (method.equals(HttpMethod.POST)) {
            JsonNode body;
            try {
                body = JSON.readTree(ByteBufUtil.getBytes(req.content()));
            } catch (IOException e) {
                body = null;
            }
            if (body == null || !body.isObject()) {
                error(sink, requestId, 400, "expected a JSON body {\"fault\": \"refused\" or \"silent\", \"for\": \"15m\"}",
                        Optional.empty(), "invalid_request");
                return;
            }
            Optional<DrillFault.Mode> mode = Optional.of(body.path("fault")).filter(JsonNode::isTextual).flatMap(f -> DrillFault.Mode.parse(f.asText()));
            if (mode.isEmpty()) {
                error(sink, requestId, 400, "fault must be \"refused\" (connections refused at once) or \"silent\""
                        + " (no answer until the connect timeout)", Optional.of("fault"), "invalid_request");
                return;
            }
            Optional<Duration> length = Optional.of(body.path("for")).filter(JsonNode::isTextual).flatMap(f -> Durations.parse(f.asText()));
            if (length.isEmpty() || length.get().isZero() || length.get().compareTo(Faults.MAX_LENGTH) > 0) {
                error(sink, requestId, 400, "for must say how long the fault lasts, more than 0 and at most 24h, e.g. \"30s\","
                        + " \"15m\" or \"1h\": it lifts itself then", Optional.of("for"), "invalid_request");
                return;
            }
            if (drill.cloudBackends().isEmpty()) {
                error(sink, requestId, 409, "no backend has cloud: true: there is nothing to drill", Optional.empty(), "nothing_to_drill");
                return;
            }
            DrillFault fault = drill.start(mode.get(), length.get());
            AuditLog.event("drill", auditFields(requestId, remote, "start", Optional.of(fault)));
            json(sink, requestId, 200, drillState(fault));
        } else if (method.equals(HttpMethod.DELETE)) {
            Optional<DrillFault> lifted = drill.lift();
            AuditLog.event("drill", auditFields(requestId, remote, "lift", lifted));
            json(sink, requestId, 200, JSON.createObjectNode().put("fault", "none").put("lifted", lifted.isPresent()));
        } else if (method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD)) {
            Optional<DrillFault> fault = drill.current();
            json(sink, requestId, 200, fault.map(f -> drillState(f).put("remaining_ms", f.remaining(drill.now()).toMillis()))
                    .orElseGet(() -> JSON.createObjectNode().put("fault", "none")));
        } else {
            methodNotAllowed(sink, requestId, "GET, POST, DELETE");
        }
    }

    private static ObjectNode drillState(DrillFault f) {
        ObjectNode n = JSON.createObjectNode();
        n.put("fault", f.mode().wireName());
        n.put("until", f.until().toString());
        f.backends().forEach(n.putArray("backends")::add);
        n.put("started", f.started().toString());
        return n;
    }

    private static Map<String, Object> auditFields(String requestId, SocketAddress remote, String action, Optional<DrillFault> fault) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("request_id", requestId);
        fields.put("client", String.valueOf(remote));
        fields.put("action", action);
        fault.ifPresent(f -> {
            fields.put("fault", f.mode().wireName());
            fields.put("until", f.until().toString());
            fields.put("backends", String.join(",", f.backends()));
        });
        if (action.equals("lift")) {
            fields.put("lifted", fault.isPresent());
        }
        return fields;
    }

    private void breakers(NettySink sink, String requestId) {
        ObjectNode body = JSON.createObjectNode();
        ObjectNode targets = body.putObject("targets");
        for (Breaker b : gateway.breakers().all()) {
            ObjectNode n = targets.putObject(b.name());
            n.put("state", b.state().name().toLowerCase(Locale.ROOT));
            if (!b.lastFailure().isEmpty()) {
                n.put("last_failure", b.lastFailure());
            }
            b.retryIn().ifPresent(d -> n.put("retry_in_ms", d.toMillis()));
        }
        json(sink, requestId, 200, body);
    }

    /** Admin endpoints: the admin credential or an admin key; without authentication, loopback clients only. */
    private void admin(FullHttpRequest req, SocketAddress remote, NettySink sink, String requestId, String path, Runnable action) {
        if (access.admin(req.headers(), remote, requestId, path) instanceof Access.Denied d) {
            refuse(sink, requestId, d);
        } else {
            action.run();
        }
    }

    private void only(HttpMethod actual, HttpMethod allowed, NettySink sink, String requestId, Runnable action) {
        if (actual.equals(allowed) || (allowed.equals(HttpMethod.GET) && actual.equals(HttpMethod.HEAD))) {
            action.run();
        } else {
            methodNotAllowed(sink, requestId, allowed.name());
        }
    }

    private void methodNotAllowed(NettySink sink, String requestId, String allow) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("x-request-id", requestId);
        h.put("allow", allow);
        String message = "method not allowed (allowed: " + allow + ")";
        sink.respond(405, "application/json", h, OpenAiFrontDoor.INSTANCE.errorBody(405, message, Optional.empty(), "method_not_allowed"));
        gateway.observer().rejected(new Rejection(requestId, Instant.now(), current.method().name(), safe(current.uri()), 405, message));
    }

    private void error(NettySink sink, String requestId, int status, String message, Optional<String> param, String code) {
        sink.respond(status, errorDialect.errorContentType(), Map.of("x-request-id", requestId),
                errorDialect.errorBody(status, message, param, code));
        gateway.observer().rejected(new Rejection(requestId, Instant.now(), current.method().name(), safe(current.uri()), status, message));
    }

    private static void json(NettySink sink, String requestId, int status, JsonNode body) {
        try {
            sink.respond(status, "application/json", Map.of("x-request-id", requestId), JSON.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The next pipelined request, once the current response is complete. */
    private void next(ChannelHandlerContext ctx) {
        active = null;
        busy = false;
        FullHttpRequest req = waiting.poll();
        if (req != null) {
            ctx.channel().eventLoop().execute(() -> {
                try {
                    if (ctx.channel().isActive()) {
                        handle(ctx, req);
                    }
                } finally {
                    req.release();
                }
            });
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (active != null) {
            active.onWritabilityChanged(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (active != null) {
            Exchange e = active;
            active = null;
            e.cancel();
        }
        FullHttpRequest r;
        while ((r = waiting.poll()) != null) {
            r.release();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("client connection error: {}", cause.toString());
        ctx.close();
    }

    /**
     * Without keys, the Host must be an IP address or a local name (a single label such as localhost or a compose
     * service, *.localhost, *.local, *.internal), much as Ollama checks: a DNS-rebinding page names the gateway by a
     * domain of its own. With keys, the key is the check.
     */
    static boolean hostAllowed(String host) {
        if (host == null || host.isEmpty()) {
            return true; // HTTP/1.0 clients; a browser always sends Host
        }
        String h = host.toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            return h.indexOf(']') > 0; // an IPv6 literal
        }
        int colon = h.lastIndexOf(':');
        String name = colon >= 0 ? h.substring(0, colon) : h;
        return IPV4_LIKE.matcher(name).matches() || !name.contains(".") || name.endsWith(".localhost")
                || name.endsWith(".local") || name.endsWith(".internal");
    }

    static String requestId(HttpRequest req) {
        String given = req.headers().get("x-request-id");
        if (given != null && CLIENT_REQUEST_ID.matcher(given).matches()) {
            return given;
        }
        return "req_" + Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE).substring(0, 16)
                + Integer.toHexString(ThreadLocalRandom.current().nextInt() | 0x10000000);
    }

    private static String safe(String path) {
        String p = path.length() > 100 ? path.substring(0, 100) + "..." : path;
        return Ascii.printable(p);
    }

}
