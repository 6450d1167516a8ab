package dev.lifeline.codec.openai;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.lifeline.chat.StreamEvent;

import java.nio.charset.StandardCharsets;

/**
 * Writes a neutral event stream as an OpenAI chat completions stream, for an OpenAI client whose target speaks another
 * dialect: each event becomes one {@code data: {chat.completion.chunk}} SSE event, in the compact shape OpenAI sends
 * and its SDKs parse. One encoder per client stream; it keeps the state the wire format needs: whether the role chunk
 * went out, whether the answer finished, the usage seen so far. Not thread-safe (a stream lives on one event loop).
 *
 * <p>The order is OpenAI's whatever order the events come in: a role chunk ({@code delta: {role: assistant}}) before
 * the first chunk of the answer; the usage chunk ({@code choices: []}, only when the client asked for it with
 * {@code stream_options.include_usage}) after the finish chunk and before {@code [DONE]}. Usage that arrives before
 * the finish reason (some dialects report it first) is held until then. Several usage reports are merged, each count
 * the largest reported: dialects send running totals, and Anthropic its input and output counts in different events.
 */
public final class OpenAiStreamEncoder {
    private static final byte[] NOTHING = new byte[0];
    private static final JsonStringEncoder QUOTER = JsonStringEncoder.getInstance();

    /** How every chunk of the stream starts: {@code data: }, then the fields they share (id, object, created, model). */
    private final String head;
    private final boolean includeUsage;
    /** The bytes around a text or reasoning piece once the stream has started: the per-token path, built once. */
    private final byte[] contentPrefix;
    private final byte[] reasoningPrefix;
    private final byte[] pieceSuffix;

    private boolean started;
    private boolean finished;
    private boolean done;
    /** The usage so far, and the usage last written (null when none). */
    private StreamEvent.Usage usage;
    private StreamEvent.Usage usageWritten;

    /**
     * @param id                  the completion's id, the same in every chunk ({@code chatcmpl-...})
     * @param model               the model name the client sees
     * @param createdEpochSeconds when the answer started, the same in every chunk
     * @param includeUsage        the client asked for the usage chunk ({@link OpenAiCodec#asksForUsage})
     */
    public OpenAiStreamEncoder(String id, String model, long createdEpochSeconds, boolean includeUsage) {
        StringBuilder b = new StringBuilder("data: {\"id\":");
        quote(b, id).append(",\"object\":\"chat.completion.chunk\",\"created\":").append(createdEpochSeconds).append(",\"model\":");
        this.head = quote(b, model).toString();
        this.includeUsage = includeUsage;
        String choices = head + ",\"choices\":[{\"index\":0,\"delta\":{\"";
        this.contentPrefix = (choices + "content\":\"").getBytes(StandardCharsets.UTF_8);
        this.reasoningPrefix = (choices + "reasoning_content\":\"").getBytes(StandardCharsets.UTF_8);
        this.pieceSuffix = ("\"},\"logprobs\":null,\"finish_reason\":null}]" + (includeUsage ? ",\"usage\":null" : "") + "}\n\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The SSE bytes for one event: usually one event, two for the first chunk of the answer (the role chunk first) and
     * for a finish reason that releases held usage, none for usage the client did not ask for or that is held. After
     * {@code [DONE]} nothing more is written.
     */
    public byte[] encode(StreamEvent e) {
        if (done) {
            return NOTHING;
        }
        return switch (e) {
            case StreamEvent.TextDelta t -> started ? piece(contentPrefix, t.text(), "content")
                    : bytes(answer(delta("content", t.text()), null));
            case StreamEvent.ReasoningDelta r -> started ? piece(reasoningPrefix, r.text(), "reasoning_content")
                    : bytes(answer(delta("reasoning_content", r.text()), null));
            case StreamEvent.ToolCallDelta c -> bytes(answer(toolCall(c), null));
            case StreamEvent.Finish f -> {
                finished = true;
                yield bytes(answer("{}", f.reason()) + pendingUsage());
            }
            case StreamEvent.Usage u -> {
                usage = usage == null ? u : new StreamEvent.Usage(Math.max(usage.promptTokens(), u.promptTokens()),
                        Math.max(usage.completionTokens(), u.completionTokens()));
                yield finished ? bytes(pendingUsage()) : NOTHING; // before the finish reason: held until it comes
            }
            // the in-band error shape the gateway itself writes; the error's type is the only code there is
            case StreamEvent.Error err -> OpenAiCodec.streamError(err.message(), err.type(), err.type());
            case StreamEvent.Done d -> {
                done = true;
                yield bytes(pendingUsage() + "data: [DONE]\n\n");
            }
        };
    }

    /** A chunk of the answer, after the role chunk when it is the first. */
    private String answer(String delta, String finishReason) {
        String chunk = chunk(delta, finishReason);
        if (started) {
            return chunk;
        }
        started = true;
        return chunk("{\"role\":\"assistant\",\"content\":\"\"}", null) + chunk;
    }

    /** The usage chunk, when the client asked for it and it has something not yet written. */
    private String pendingUsage() {
        if (!includeUsage || usage == null || usage.equals(usageWritten)) {
            return "";
        }
        usageWritten = usage;
        return head + ",\"choices\":[],\"usage\":{\"prompt_tokens\":" + usage.promptTokens()
                + ",\"completion_tokens\":" + usage.completionTokens()
                + ",\"total_tokens\":" + (usage.promptTokens() + usage.completionTokens()) + "}}\n\n";
    }

    private String chunk(String delta, String finishReason) {
        StringBuilder b = new StringBuilder(head.length() + delta.length() + 96).append(head);
        b.append(",\"choices\":[{\"index\":0,\"delta\":").append(delta).append(",\"logprobs\":null,\"finish_reason\":");
        if (finishReason == null) {
            b.append("null");
        } else {
            quote(b, finishReason);
        }
        b.append("}]");
        if (includeUsage) {
            b.append(",\"usage\":null"); // as OpenAI writes every chunk but the last when usage is asked for
        }
        return b.append("}\n\n").toString();
    }

    /**
     * A text or reasoning chunk after the first, written straight into one array: the per-token path. Text that
     * cannot be quoted as UTF-8 (a lone surrogate from an escape in the source) goes the general way, which writes it
     * as {@code ?} like any String encoding.
     */
    private byte[] piece(byte[] prefix, String text, String field) {
        byte[] quoted;
        try {
            quoted = QUOTER.quoteAsUTF8(text);
        } catch (IllegalArgumentException e) {
            return bytes(answer(delta(field, text), null));
        }
        byte[] out = new byte[prefix.length + quoted.length + pieceSuffix.length];
        System.arraycopy(prefix, 0, out, 0, prefix.length);
        System.arraycopy(quoted, 0, out, prefix.length, quoted.length);
        System.arraycopy(pieceSuffix, 0, out, prefix.length + quoted.length, pieceSuffix.length);
        return out;
    }

    private static byte[] bytes(String sse) {
        return sse.isEmpty() ? NOTHING : sse.getBytes(StandardCharsets.UTF_8);
    }

    private static String delta(String field, String text) {
        StringBuilder b = new StringBuilder(text.length() + field.length() + 8).append("{\"").append(field).append("\":");
        return quote(b, text).append('}').toString();
    }

    /** {@code tool_calls: [{index, id, type, function: {name, arguments}}]}, id, type and name only when known. */
    private static String toolCall(StreamEvent.ToolCallDelta c) {
        StringBuilder b = new StringBuilder(64 + c.argumentsDelta().length());
        b.append("{\"tool_calls\":[{\"index\":").append(c.index());
        if (!c.id().isEmpty()) {
            quote(b.append(",\"id\":"), c.id()).append(",\"type\":\"function\"");
        }
        b.append(",\"function\":{");
        if (!c.name().isEmpty()) {
            quote(b.append("\"name\":"), c.name()).append(',');
        }
        return quote(b.append("\"arguments\":"), c.argumentsDelta()).append("}}]}").toString();
    }

    private static StringBuilder quote(StringBuilder b, String s) {
        b.append('"');
        QUOTER.quoteAsString(s, b);
        return b.append('"');
    }
}
