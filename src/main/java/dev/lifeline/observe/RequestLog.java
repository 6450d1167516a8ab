package dev.lifeline.observe;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.lifeline.routing.Attempt;
import dev.lifeline.routing.ExchangeObserver;
import dev.lifeline.routing.ExchangeRecord;
import dev.lifeline.routing.Rejection;
import dev.lifeline.routing.Target;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Optional;

/**
 * One structured JSON line per request (logger {@code lifeline.access}), and a plain sentence whenever a request
 * failed over or failed (logger {@code lifeline.failover}), e.g.
 * {@code cloud unavailable (connect timeout, openai), served by ollama llama3.1:8b}.
 * Never contains credentials or provider error bodies.
 */
public final class RequestLog implements ExchangeObserver {
    private static final Logger ACCESS = LoggerFactory.getLogger("lifeline.access");
    private static final Logger FAILOVER = LoggerFactory.getLogger("lifeline.failover");
    private static final JsonFactory JSON = new JsonFactory();

    @Override
    public void started() {
    }

    @Override
    public void finished(ExchangeRecord r) {
        if (ACCESS.isInfoEnabled()) {
            ACCESS.info(json(r));
        }
        sentence(r).ifPresent(s -> {
            if (r.outcome().equals("ok")) {
                FAILOVER.info("{} [{}]", s, r.requestId());
            } else {
                FAILOVER.warn("{} [{}]", s, r.requestId());
            }
        });
    }

    @Override
    public void rejected(Rejection r) {
        if (!ACCESS.isInfoEnabled()) {
            return;
        }
        StringWriter out = new StringWriter(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("time", r.time().toString());
            g.writeStringField("request_id", r.requestId());
            g.writeStringField("method", r.method());
            g.writeStringField("path", r.path());
            g.writeNumberField("status", r.status());
            g.writeStringField("outcome", "rejected");
            g.writeStringField("reason", r.reason());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ACCESS.info(out.toString());
    }

    static String json(ExchangeRecord r) {
        StringWriter out = new StringWriter(512);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("time", r.received().toString());
            g.writeStringField("request_id", r.requestId());
            g.writeStringField("endpoint", r.endpoint().label());
            g.writeStringField("model", r.clientModel());
            g.writeStringField("route", r.route());
            g.writeBooleanField("stream", r.stream());
            g.writeStringField("mode", r.contingency() ? "contingency" : "normal");
            g.writeNumberField("status", r.status());
            g.writeStringField("outcome", r.outcome());
            if (r.served().isPresent()) {
                g.writeStringField("backend", r.served().get().backendName());
                g.writeStringField("served_model", r.served().get().model());
            }
            if (r.failover().isPresent()) {
                g.writeStringField("failover", r.failover().get());
            }
            if (r.timeToFirstToken().isPresent()) {
                g.writeNumberField("ttft_ms", millis(r.timeToFirstToken().get().toNanos()));
            }
            g.writeNumberField("duration_ms", millis(r.duration().toNanos()));
            g.writeNumberField("prompt_tokens", r.promptTokens());
            g.writeNumberField("completion_tokens", r.completionTokens());
            g.writeArrayFieldStart("attempts");
            for (Attempt a : r.attempts()) {
                g.writeStartObject();
                g.writeStringField("target", a.target());
                g.writeStringField("outcome", a.outcome());
                if (!a.reason().isEmpty()) {
                    g.writeStringField("reason", a.reason());
                }
                if (!a.decision().isEmpty()) {
                    g.writeStringField("decision", a.decision());
                }
                g.writeNumberField("start_ms", millis(a.start().toNanos()));
                g.writeNumberField("took_ms", millis(a.took().toNanos()));
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** The human line, when there is something to tell: a failover, an interruption, or a request no target served. */
    static Optional<String> sentence(ExchangeRecord r) {
        if (r.outcome().equals("cancelled") || (r.outcome().equals("ok") && r.failover().isEmpty())) {
            return Optional.empty(); // nothing went wrong (a cloud skipped in contingency mode is no failover)
        }
        Optional<Attempt> first = firstTrouble(r);
        if (first.isEmpty()) {
            // a request no target's dialect can carry was the client's to fix (a 400), not an outage
            return r.outcome().equals("ok") || r.attempts().stream().anyMatch(RequestLog::untranslatable) ? Optional.empty()
                    : Optional.of("contingency mode: route " + r.route() + " has no local target, request failed with status " + r.status());
        }
        Attempt a = first.get();
        String what = a.cloud() ? "cloud unavailable" : "local target unavailable";
        String cause = what + " (" + a.reason() + ", " + a.backend() + ")";
        if (a.outcome().equals("interrupted") && r.outcome().equals("ok")) {
            return Optional.of("stream from " + a.target() + " cut off (" + a.reason() + "), continued on "
                    + r.served().map(Target::label).orElse("?"));
        }
        return switch (r.outcome()) {
            case "ok" -> Optional.of(cause + ", served by " + r.served().map(Target::label).orElse("?"));
            case "interrupted" -> Optional.of("stream interrupted (" + a.reason() + ", " + a.backend() + "), client told the answer is incomplete");
            default -> Optional.of(cause + ", request failed with status " + r.status());
        };
    }

    /**
     * The first attempt that went wrong. A cloud target skipped in contingency mode or for a local-only key did not go
     * wrong, nor did one skipped because its dialect cannot carry the request.
     */
    static Optional<Attempt> firstTrouble(ExchangeRecord r) {
        return r.attempts().stream()
                .filter(a -> !a.outcome().equals("served") && !a.reason().startsWith("contingency mode")
                        && !a.reason().startsWith("local-only key") && !untranslatable(a))
                .findFirst();
    }

    private static boolean untranslatable(Attempt a) {
        return a.outcome().equals("skipped") && (a.reason().startsWith("cannot be translated") || a.reason().startsWith("not allowed"));
    }

    private static double millis(long nanos) {
        return Math.round(nanos / 10_000.0) / 100.0;
    }
}
