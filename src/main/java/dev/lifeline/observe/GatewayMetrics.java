package dev.lifeline.observe;

import dev.lifeline.routing.Breaker;
import dev.lifeline.routing.Breakers;
import dev.lifeline.routing.ExchangeObserver;
import dev.lifeline.routing.ExchangeRecord;
import dev.lifeline.routing.Rejection;
import dev.lifeline.routing.Target;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.BooleanSupplier;

/** The gateway's Prometheus metrics. Updates are lock-free; breaker states are read when scraped. */
public final class GatewayMetrics implements ExchangeObserver {
    /** How the engine marks the reason of a drill's fault. */
    private static final String DRILL_SUFFIX = " (drill)";

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter requests;
    private final Counter failovers;
    private final Counter tokens;
    private final Histogram ttft;
    private final Histogram duration;
    private final Gauge inFlight;
    private final Counter rejected;

    public GatewayMetrics() {
        requests = Counter.builder().name("lifeline_requests_total")
                .help("Requests by route, serving backend, status and outcome")
                .labelNames("route", "backend", "model", "status", "outcome").register(registry);
        failovers = Counter.builder().name("lifeline_failovers_total")
                .help("Requests that failed over away from a target, by that target's backend and the reason")
                .labelNames("backend", "reason").register(registry);
        tokens = Counter.builder().name("lifeline_tokens_total")
                .help("Tokens reported by upstreams").labelNames("backend", "kind").register(registry);
        ttft = Histogram.builder().name("lifeline_time_to_first_token_seconds")
                .help("From request arrival to the first content sent to the client")
                .classicUpperBounds(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120)
                .labelNames("backend").register(registry);
        duration = Histogram.builder().name("lifeline_request_duration_seconds")
                .help("From request arrival to the end of the response")
                .classicUpperBounds(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300)
                .labelNames("backend", "outcome").register(registry);
        inFlight = Gauge.builder().name("lifeline_requests_in_flight").help("Requests being served").register(registry);
        rejected = Counter.builder().name("lifeline_rejected_requests_total")
                .help("Requests refused before routing (bad JSON, unknown path, too large...), by status")
                .labelNames("status").register(registry);
    }

    /** Publishes the engine's state, read at each scrape: breakers, contingency mode, and whether a drill's fault is on. */
    public void watch(Breakers breakers, BooleanSupplier contingency, BooleanSupplier drill) {
        GaugeWithCallback.builder().name("lifeline_breaker_state")
                .help("Circuit state per target: 0 closed, 1 half-open, 2 open")
                .labelNames("target")
                .callback(cb -> {
                    for (Breaker b : breakers.all()) {
                        cb.call(switch (b.state()) {
                            case CLOSED -> 0;
                            case HALF_OPEN -> 1;
                            case OPEN -> 2;
                        }, b.name());
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("lifeline_contingency_mode")
                .help("1 while contingency mode sends every request to local targets")
                .callback(cb -> cb.call(contingency.getAsBoolean() ? 1 : 0)).register(registry);
        // Failovers during a drill carry the real outage's reason labels; this gauge is what tells them apart.
        GaugeWithCallback.builder().name("lifeline_drill_active")
                .help("1 while a failover drill makes every cloud backend fail (POST /admin/drill)")
                .callback(cb -> cb.call(drill.getAsBoolean() ? 1 : 0)).register(registry);
    }

    @Override
    public void started() {
        inFlight.inc();
    }

    @Override
    public void finished(ExchangeRecord r) {
        inFlight.dec();
        String backend = r.served().map(Target::backendName).orElse("none");
        requests.labelValues(r.route(), backend, r.served().map(Target::model).orElse(""), String.valueOf(r.status()), r.outcome()).inc();
        if (r.failover().isPresent()) {
            RequestLog.firstTrouble(r).ifPresent(a -> failovers.labelValues(a.backend(), reasonLabel(a.reason())).inc());
        }
        r.timeToFirstToken().ifPresent(t -> ttft.labelValues(backend).observe(t.toNanos() / 1e9));
        duration.labelValues(backend, r.outcome()).observe(r.duration().toNanos() / 1e9);
        if (r.promptTokens() > 0 || r.completionTokens() > 0) {
            tokens.labelValues(backend, "prompt").inc(r.promptTokens());
            tokens.labelValues(backend, "completion").inc(r.completionTokens());
        }
    }

    @Override
    public void rejected(Rejection r) {
        rejected.labelValues(String.valueOf(r.status())).inc();
    }

    /**
     * Keeps label values few: "circuit open after connection refused" counts as "circuit open", and a drill's
     * "connection refused (drill)" as the outage it plays, "connection refused".
     */
    static String reasonLabel(String reason) {
        if (reason.endsWith(DRILL_SUFFIX)) {
            return reasonLabel(reason.substring(0, reason.length() - DRILL_SUFFIX.length()));
        }
        if (reason.startsWith("circuit open")) {
            return "circuit open";
        }
        if (reason.startsWith("HTTP ")) {
            int space = reason.indexOf(' ', 5);
            return space < 0 ? reason : reason.substring(0, space);
        }
        return reason;
    }

    public byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        try {
            PrometheusTextFormatWriter.create().write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public static String contentType() {
        return PrometheusTextFormatWriter.CONTENT_TYPE;
    }
}
