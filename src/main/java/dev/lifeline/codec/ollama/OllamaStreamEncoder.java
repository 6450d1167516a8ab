package dev.lifeline.codec.ollama;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import dev.lifeline.chat.FinishReason;
import dev.lifeline.chat.StreamEvent;
import dev.lifeline.codec.Ids;

import java.io.IOException;
import java.time.InstantSource;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * A streamed answer written for an Ollama client, one NDJSON line per chunk, from the events of a backend of any
 * dialect. Stateful: one per client stream, single-threaded.
 *
 * <ul>
 *   <li>Each {@link StreamEvent.TextDelta} and {@link StreamEvent.ReasoningDelta} is one line:
 *       {@code {"model","created_at","message":{"role":"assistant","content","thinking"?},"done":false}}, or with
 *       {@code response} (and {@code thinking}) in place of {@code message} for {@code /api/generate}.</li>
 *   <li>{@link StreamEvent.ToolCallDelta}s are gathered until their call is complete (a delta of another call, any
 *       other event, the finish or the end) and written as one line with the whole call, since Ollama's clients
 *       expect whole calls: id (generated when the backend gave none), {@code index} (counted in the order written),
 *       name, and the arguments as an object (an empty one when the backend's text is not a JSON object).
 *       {@code /api/generate} has no tools, so there are none to write for it.</li>
 *   <li>{@link StreamEvent.Finish} and {@link StreamEvent.Usage} are kept for the last line, written on
 *       {@link StreamEvent.Done}: {@code done: true}, {@code done_reason} ({@code tool_calls} is {@code stop} in
 *       Ollama's words; {@code stop} when no reason came), the counts, and the durations measured here:
 *       {@code total_duration} from this encoder's creation to the end, {@code prompt_eval_duration} until the first
 *       token, {@code eval_duration} from there to the end. Zeros are left out, as Ollama leaves them out.</li>
 *   <li>{@link StreamEvent.Error} is Ollama's in-stream error line, {@code {"error":"..."}}; a tool call still being
 *       gathered is dropped, since it is incomplete.</li>
 * </ul>
 * Nothing is written after the last line or an error. Call {@code encode(new Done())} at the end of every stream that
 * did not fail, even when the backend's dialect has no explicit end.
 */
public final class OllamaStreamEncoder {
    private static final byte[] EMPTY = new byte[0];

    private final String model;
    private final boolean generate;
    private final InstantSource clock;
    private final LongSupplier nanoTime;
    private final long start;
    private long firstToken = -1;
    private String finishReason = FinishReason.STOP;
    private Optional<StreamEvent.Usage> usage = Optional.empty();
    private boolean ended;

    /** The tool call being gathered: its delta index, or -1 when there is none. */
    private int pendingIndex = -1;
    private String pendingId = "";
    private String pendingName = "";
    private final StringBuilder pendingArguments = new StringBuilder();
    private int callsWritten;

    /** An encoder on the system clock; durations count from now. */
    public OllamaStreamEncoder(String model, boolean generate) {
        this(model, generate, InstantSource.system(), System::nanoTime);
    }

    /**
     * @param model    the model name the client asked for, written on every line
     * @param generate true for {@code /api/generate}'s shape, false for {@code /api/chat}'s
     * @param clock    for {@code created_at}
     * @param nanoTime a monotonic clock in nanoseconds for the durations ({@code System::nanoTime}); read once now
     */
    public OllamaStreamEncoder(String model, boolean generate, InstantSource clock, LongSupplier nanoTime) {
        this.model = Objects.requireNonNull(model, "model");
        this.generate = generate;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        this.start = nanoTime.getAsLong();
    }

    /** The bytes to send for this event: none, one line, or two (a gathered tool call, then this event's line). */
    public byte[] encode(StreamEvent e) {
        if (ended) {
            return EMPTY;
        }
        return switch (e) {
            case StreamEvent.TextDelta t -> t.text().isEmpty() ? flushCall() : concat(flushCall(), delta(t.text(), ""));
            case StreamEvent.ReasoningDelta r -> r.text().isEmpty() ? flushCall() : concat(flushCall(), delta("", r.text()));
            case StreamEvent.ToolCallDelta d -> gather(d);
            case StreamEvent.Finish f -> {
                finishReason = f.reason();
                yield flushCall();
            }
            case StreamEvent.Usage u -> {
                usage = Optional.of(u);
                yield EMPTY;
            }
            case StreamEvent.Error err -> {
                ended = true;
                yield streamError(err.message());
            }
            case StreamEvent.Done d -> {
                byte[] call = flushCall();
                ended = true;
                yield concat(call, last());
            }
        };
    }

    /** An in-stream error as Ollama sends it, {@code {"error":"..."}} and a line feed. */
    public static byte[] streamError(String message) {
        return concat(OllamaCodec.errorBody(message), new byte[] {'\n'});
    }

    // ------------------------------------------------------------------ lines

    private byte[] delta(String content, String thinking) {
        if (firstToken < 0) {
            firstToken = nanoTime.getAsLong();
        }
        return line(g -> {
            if (generate) {
                g.writeStringField("response", content);
                if (!thinking.isEmpty()) {
                    g.writeStringField("thinking", thinking);
                }
            } else {
                g.writeObjectFieldStart("message");
                g.writeStringField("role", "assistant");
                g.writeStringField("content", content);
                if (!thinking.isEmpty()) {
                    g.writeStringField("thinking", thinking);
                }
                g.writeEndObject();
            }
            g.writeBooleanField("done", false);
        });
    }

    private byte[] gather(StreamEvent.ToolCallDelta d) {
        if (firstToken < 0) {
            firstToken = nanoTime.getAsLong();
        }
        if (generate) {
            return EMPTY;
        }
        byte[] out = pendingIndex >= 0 && d.index() != pendingIndex ? flushCall() : EMPTY;
        pendingIndex = d.index();
        if (pendingId.isEmpty()) {
            pendingId = d.id();
        }
        if (pendingName.isEmpty()) {
            pendingName = d.name();
        }
        pendingArguments.append(d.argumentsDelta());
        return out;
    }

    /** The line of the tool call being gathered, if any. */
    private byte[] flushCall() {
        if (pendingIndex < 0) {
            return EMPTY;
        }
        var call = OllamaCodec.toolCallNode(callsWritten++, pendingId.isEmpty() ? Ids.toolCall() : pendingId, pendingName,
                pendingArguments.toString());
        pendingIndex = -1;
        pendingId = "";
        pendingName = "";
        pendingArguments.setLength(0);
        return line(g -> {
            g.writeObjectFieldStart("message");
            g.writeStringField("role", "assistant");
            g.writeStringField("content", "");
            g.writeArrayFieldStart("tool_calls");
            g.writeTree(call);
            g.writeEndArray();
            g.writeEndObject();
            g.writeBooleanField("done", false);
        });
    }

    private byte[] last() {
        long now = nanoTime.getAsLong();
        long total = Math.max(now - start, 0);
        long promptEval = firstToken < 0 ? total : Math.max(firstToken - start, 0);
        long eval = firstToken < 0 ? 0 : Math.max(now - firstToken, 0);
        String reason = DoneReason.toOllama(finishReason);
        return line(g -> {
            if (generate) {
                g.writeStringField("response", "");
                g.writeBooleanField("done", true);
                g.writeStringField("done_reason", reason);
            } else {
                g.writeObjectFieldStart("message");
                g.writeStringField("role", "assistant");
                g.writeStringField("content", "");
                g.writeEndObject();
                g.writeStringField("done_reason", reason);
                g.writeBooleanField("done", true);
            }
            positive(g, "total_duration", total);
            positive(g, "prompt_eval_count", usage.map(StreamEvent.Usage::promptTokens).orElse(0L));
            positive(g, "prompt_eval_duration", promptEval);
            positive(g, "eval_count", usage.map(StreamEvent.Usage::completionTokens).orElse(0L));
            positive(g, "eval_duration", eval);
        });
    }

    private static void positive(JsonGenerator g, String field, long value) throws IOException {
        if (value > 0) {
            g.writeNumberField(field, value);
        }
    }

    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    /** One line: {@code model} and {@code created_at}, the body's fields, a line feed. */
    private byte[] line(Body body) {
        ByteArrayBuilder out = new ByteArrayBuilder(256);
        try (JsonGenerator g = Json.MAPPER.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("model", model);
            g.writeStringField("created_at", Timing.rfc3339(clock.instant()));
            body.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("writing JSON to memory cannot fail", e);
        }
        out.write('\n');
        return out.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        if (a.length == 0) {
            return b;
        }
        if (b.length == 0) {
            return a;
        }
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
