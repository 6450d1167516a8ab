package dev.lifeline.testing;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A scripted answer of a {@link FakeUpstream} to one request. Immutable: every {@code with...}/fault method returns a
 * new instance, so a reply can be reused (e.g. in {@link FakeUpstream#always(Reply)}).
 *
 * <p>Three shapes exist:
 * <ul>
 *   <li>fixed body ({@link #json}, {@link #text}): {@code Content-Length} framing, optionally cut by
 *       {@link #afterBytes(int, Fault)};</li>
 *   <li>server-sent events ({@link #sse}): chunked framing, one chunk per event, optionally cut by
 *       {@link #afterEvents(int, Fault)};</li>
 *   <li>connection-level misbehaviour before any response byte: {@link #resetImmediately()}, {@link #silent()},
 *       {@link #closeImmediately()}.</li>
 * </ul>
 * Headers given with {@link #withHeader} replace a default header of the same name (e.g. to lie about
 * {@code Content-Length}) and are otherwise appended.
 */
public final class Reply {

    /** How a reply is cut short. The connection is never reused after a fault. */
    public enum Fault {
        /** Abortive close: TCP RST ({@code SO_LINGER} 0 + close). */
        RESET,
        /** Stop writing but keep the socket open until the client closes it or the upstream is closed. */
        STALL,
        /** Clean close (FIN) without finishing the body (no terminating chunk / short body). */
        CLOSE
    }

    enum Kind { FIXED, SSE, RESET_IMMEDIATELY, SILENT, CLOSE_IMMEDIATELY }

    final Kind kind;
    final int status;
    final List<Map.Entry<String, String>> headers;
    final byte[] body;              // FIXED only
    final List<String> events;      // SSE only, each already terminated by a blank line
    final Duration eventInterval;
    final Duration headerDelay;
    final Fault fault;              // null: finish normally
    final int faultAfter;           // bytes (FIXED) or events (SSE) written before the fault

    private Reply(Kind kind, int status, List<Map.Entry<String, String>> headers, byte[] body, List<String> events,
                  Duration eventInterval, Duration headerDelay, Fault fault, int faultAfter) {
        this.kind = kind;
        this.status = status;
        this.headers = List.copyOf(headers);
        this.body = body;
        this.events = events;
        this.eventInterval = eventInterval;
        this.headerDelay = headerDelay;
        this.fault = fault;
        this.faultAfter = faultAfter;
    }

    private static Reply of(Kind kind, int status, List<Map.Entry<String, String>> defaults, byte[] body,
                            List<String> events) {
        return new Reply(kind, status, defaults, body, events, Duration.ZERO, Duration.ZERO, null, -1);
    }

    // ---------------------------------------------------------------- factories

    /** {@code status} with a JSON body ({@code Content-Type: application/json}, {@code Content-Length}). */
    public static Reply json(int status, String body) {
        return fixed(status, "application/json", body);
    }

    /** {@code status} with a plain-text body. */
    public static Reply text(int status, String body) {
        return fixed(status, "text/plain; charset=utf-8", body);
    }

    private static Reply fixed(int status, String contentType, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return of(Kind.FIXED, status,
                List.of(Map.entry("Content-Type", contentType),
                        Map.entry("Content-Length", Integer.toString(bytes.length))),
                bytes, List.of());
    }

    /**
     * 200 {@code text/event-stream}, chunked. Each event is written and flushed as its own chunk; {@code "\n\n"} is
     * appended to an event unless it already ends with a blank line. Finishes with the zero-length chunk.
     */
    public static Reply sse(String... events) {
        List<String> terminated = new ArrayList<>(events.length);
        for (String e : events) {
            terminated.add(e.endsWith("\n\n") ? e : e.endsWith("\n") ? e + "\n" : e + "\n\n");
        }
        return of(Kind.SSE, 200,
                List.of(Map.entry("Content-Type", "text/event-stream"),
                        Map.entry("Cache-Control", "no-cache"),
                        Map.entry("Transfer-Encoding", "chunked")),
                new byte[0], List.copyOf(terminated));
    }

    /**
     * 200 {@code application/x-ndjson}, chunked, as Ollama streams: each line ({@code "\n"} appended unless it ends
     * with one) is written and flushed as its own chunk. The stream modifiers apply ({@link #withEventInterval},
     * {@link #afterEvents}), a line counting as an event.
     */
    public static Reply ndjson(String... lines) {
        List<String> terminated = new ArrayList<>(lines.length);
        for (String l : lines) {
            terminated.add(l.endsWith("\n") ? l : l + "\n");
        }
        return of(Kind.SSE, 200,
                List.of(Map.entry("Content-Type", "application/x-ndjson"),
                        Map.entry("Transfer-Encoding", "chunked")),
                new byte[0], List.copyOf(terminated));
    }

    /** Reads the full request, then resets the connection (TCP RST) before sending any byte. */
    public static Reply resetImmediately() {
        return of(Kind.RESET_IMMEDIATELY, 0, List.of(), new byte[0], List.of());
    }

    /** Reads the full request and never answers; the socket stays open until the client or the upstream closes. */
    public static Reply silent() {
        return of(Kind.SILENT, 0, List.of(), new byte[0], List.of());
    }

    /** Reads the full request, then closes the connection cleanly (FIN) before sending any byte. */
    public static Reply closeImmediately() {
        return of(Kind.CLOSE_IMMEDIATELY, 0, List.of(), new byte[0], List.of());
    }

    // ---------------------------------------------------------------- modifiers

    /** Sets a response header; replaces a default header of the same name (case-insensitive). */
    public Reply withHeader(String name, String value) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        List<Map.Entry<String, String>> h = new ArrayList<>();
        boolean replaced = false;
        for (Map.Entry<String, String> e : headers) {
            if (!replaced && e.getKey().equalsIgnoreCase(name)) {
                h.add(Map.entry(name, value));
                replaced = true;
            } else {
                h.add(e);
            }
        }
        if (!replaced) {
            h.add(Map.entry(name, value));
        }
        return new Reply(kind, status, h, body, events, eventInterval, headerDelay, fault, faultAfter);
    }

    /** Sleeps this long after reading the request, before the status line (or before the reset/close/silence). */
    public Reply withHeaderDelay(Duration d) {
        return new Reply(kind, status, headers, body, events, eventInterval, nonNegative(d), fault, faultAfter);
    }

    /** SSE only: sleep between two consecutive events. */
    public Reply withEventInterval(Duration d) {
        require(kind == Kind.SSE, "withEventInterval applies to sse replies only");
        return new Reply(kind, status, headers, body, events, nonNegative(d), headerDelay, fault, faultAfter);
    }

    /**
     * SSE only: write the first {@code n} events, then apply {@code f} instead of finishing the stream. The fault takes
     * the place of event {@code n + 1}: with an {@link #withEventInterval event interval} it comes one interval after
     * event {@code n} (if {@code n > 0}), otherwise immediately.
     */
    public Reply afterEvents(int n, Fault f) {
        require(kind == Kind.SSE, "afterEvents applies to sse replies only; use afterBytes for json/text");
        if (n < 0 || n > events.size()) {
            throw new IllegalArgumentException("n must be in [0, " + events.size() + "] but was " + n);
        }
        return withFault(n, f);
    }

    /**
     * Fixed-body replies only: write only the first {@code n} body bytes ({@code Content-Length} still announces the
     * full length), then apply {@code f}.
     */
    public Reply afterBytes(int n, Fault f) {
        require(kind == Kind.FIXED, "afterBytes applies to json/text replies only; use afterEvents for sse");
        if (n < 0 || n > body.length) {
            throw new IllegalArgumentException("n must be in [0, " + body.length + "] but was " + n);
        }
        return withFault(n, f);
    }

    /** Write the whole body / all events, then apply {@code f} instead of finishing normally. */
    public Reply then(Fault f) {
        return switch (kind) {
            case SSE -> afterEvents(events.size(), f);
            case FIXED -> afterBytes(body.length, f);
            default -> throw new IllegalStateException(kind + " replies cannot take a fault");
        };
    }

    private Reply withFault(int n, Fault f) {
        return new Reply(kind, status, headers, body, events, eventInterval, headerDelay, Objects.requireNonNull(f), n);
    }

    private static Duration nonNegative(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("negative duration: " + d);
        }
        return d;
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalStateException(message);
        }
    }

    @Override
    public String toString() {
        String what = switch (kind) {
            case FIXED -> status + " " + body.length + " bytes";
            case SSE -> "sse " + events.size() + " events";
            default -> kind.name().toLowerCase(java.util.Locale.ROOT);
        };
        return "Reply[" + what + (fault == null ? "" : ", " + fault + " after " + faultAfter) + "]";
    }
}
