package dev.lifeline.codec.anthropic;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lifeline.chat.StreamEvent;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a neutral stream as a Claude stream for an Anthropic client. Stateful: one per client stream, given every
 * event in order; each {@link #encode} returns the SSE bytes to send for that event (none, one or several events).
 *
 * <ul>
 *   <li>{@code message_start} goes out before the first thing sent, with zero input tokens: they are not known yet.</li>
 *   <li>Text and reasoning go into text and thinking blocks, a new block whenever the kind changes. Each tool call
 *       gets a tool_use block of its own ({@code content_block_start} with its id and name, then
 *       {@code input_json_delta} pieces). Calls may stream interleaved, so their blocks stay open together until
 *       text, reasoning or the finish comes; a piece for a call whose block was already closed (no provider does
 *       that) still goes to that block's index, where the SDKs' accumulators put it. A thinking block's
 *       {@code signature} stays empty: the reasoning did not come from Claude, so there is none to give.</li>
 *   <li>{@link StreamEvent.Finish} closes the open blocks; its {@code message_delta} waits for the usage, since an
 *       OpenAI stream reports usage in a chunk after the finish. A {@link StreamEvent.Usage} after the finish sends
 *       it (another usage, another {@code message_delta}: Claude's counts are cumulative too), and
 *       {@link StreamEvent.Done} sends it if nothing did, with the counts known by then.</li>
 *   <li>{@link StreamEvent.Done} ends with {@code message_stop}; {@link StreamEvent.Error} with an {@code error}
 *       event. Nothing is written after either.</li>
 * </ul>
 */
public final class AnthropicStreamEncoder {
    private static final byte[] NOTHING = new byte[0];
    private static final byte[] PING = sse("ping", "{\"type\":\"ping\"}");
    private static final byte[] PIECE_SUFFIX = "\"}}\n\n".getBytes(StandardCharsets.US_ASCII);

    /** The kind of the open text-like block. */
    private enum Flow { NONE, TEXT, THINKING }

    private final String messageId;
    private final String model;

    private boolean started;
    private boolean ended;
    private int nextBlock;
    private Flow flow = Flow.NONE;
    private int flowBlock;
    /** The bytes before a piece's text in the open block, made when the block changes. */
    private byte[] piecePrefix;
    private int piecePrefixBlock = -1;
    private Flow piecePrefixKind;
    /** Each tool call's block, by the call's neutral index. */
    private final Map<Integer, Integer> toolBlocks = new HashMap<>();
    /** The tool_use blocks still open, in the order they opened. */
    private final List<Integer> openTools = new ArrayList<>();
    private String stopReason;
    private StreamEvent.Usage usage;
    private boolean messageDeltaSent;

    /**
     * @param messageId the message's {@code id} for the client
     * @param model     the model name the client is told
     */
    public AnthropicStreamEncoder(String messageId, String model) {
        this.messageId = messageId;
        this.model = model;
    }

    /** The SSE bytes for one event of the neutral stream; empty when it adds nothing yet, or the stream has ended. */
    public byte[] encode(StreamEvent e) {
        if (ended) {
            return NOTHING;
        }
        byte[] piece = switch (e) {
            case StreamEvent.TextDelta t -> piece(Flow.TEXT, t.text());
            case StreamEvent.ReasoningDelta r -> piece(Flow.THINKING, r.text());
            default -> null;
        };
        if (piece != null) {
            return piece;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        switch (e) {
            case StreamEvent.TextDelta t -> flow(out, Flow.TEXT, t.text());
            case StreamEvent.ReasoningDelta r -> flow(out, Flow.THINKING, r.text());
            case StreamEvent.ToolCallDelta d -> toolCall(out, d);
            case StreamEvent.Finish f -> {
                start(out);
                closeBlocks(out);
                stopReason = AnthropicCodec.stopReason(f.reason());
            }
            case StreamEvent.Usage u -> {
                usage = u;
                if (stopReason != null) {
                    messageDelta(out);
                }
            }
            case StreamEvent.Error err -> {
                out.writeBytes(streamError(err.message(), err.type()));
                ended = true;
            }
            case StreamEvent.Done d -> {
                start(out);
                closeBlocks(out);
                if (!messageDeltaSent) {
                    messageDelta(out);
                }
                out.writeBytes(sse("message_stop", "{\"type\":\"message_stop\"}"));
                ended = true;
            }
        }
        return out.toByteArray();
    }

    /** A keep-alive event, as Claude sends them (clients skip it); nothing once the stream has ended. */
    public byte[] ping() {
        return ended ? NOTHING : PING.clone();
    }

    /** An {@code error} event: {@code {"type":"error","error":{"type":...,"message":...}}}. */
    public static byte[] streamError(String message, String type) {
        ObjectNode root = AnthropicCodec.JSON.createObjectNode().put("type", "error");
        root.putObject("error").put("type", type).put("message", message);
        return sse("error", AnthropicCodec.bytes(root));
    }

    // ------------------------------------------------------------------ events

    private void start(ByteArrayOutputStream out) {
        if (started) {
            return;
        }
        started = true;
        ObjectNode root = AnthropicCodec.JSON.createObjectNode().put("type", "message_start");
        ObjectNode message = root.putObject("message")
                .put("id", messageId).put("type", "message").put("role", "assistant").put("model", model);
        message.putArray("content");
        message.putNull("stop_reason");
        message.putNull("stop_sequence");
        message.putObject("usage").put("input_tokens", 0).put("output_tokens", 0);
        out.writeBytes(sse("message_start", AnthropicCodec.bytes(root)));
    }

    private void flow(ByteArrayOutputStream out, Flow kind, String text) {
        if (text.isEmpty()) {
            return;
        }
        start(out);
        if (flow != kind) {
            closeBlocks(out);
            flow = kind;
            flowBlock = nextBlock++;
            ObjectNode block = AnthropicCodec.JSON.createObjectNode();
            if (kind == Flow.TEXT) {
                block.put("type", "text").put("text", "");
            } else {
                block.put("type", "thinking").put("thinking", "").put("signature", "");
            }
            blockStart(out, flowBlock, block);
        }
        // the per-token path: written by hand rather than through a tree
        String field = kind == Flow.TEXT ? "text" : "thinking";
        delta(out, flowBlock, "{\"type\":\"" + field + "_delta\",\"" + field + "\":" + quote(text) + "}");
    }

    /**
     * The per-token path: a text or thinking piece for the block already open, written straight into one array; null
     * when the general way is needed (a block to open or close first, or text that cannot be quoted as UTF-8, a lone
     * surrogate, which the general way writes as {@code ?}).
     */
    private byte[] piece(Flow kind, String text) {
        if (!started || flow != kind || text.isEmpty()) {
            return null;
        }
        byte[] quoted;
        try {
            quoted = JsonStringEncoder.getInstance().quoteAsUTF8(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (piecePrefix == null || piecePrefixBlock != flowBlock || piecePrefixKind != kind) {
            String field = kind == Flow.TEXT ? "text" : "thinking";
            piecePrefix = ("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":" + flowBlock
                    + ",\"delta\":{\"type\":\"" + field + "_delta\",\"" + field + "\":\"").getBytes(StandardCharsets.UTF_8);
            piecePrefixBlock = flowBlock;
            piecePrefixKind = kind;
        }
        byte[] out = new byte[piecePrefix.length + quoted.length + PIECE_SUFFIX.length];
        System.arraycopy(piecePrefix, 0, out, 0, piecePrefix.length);
        System.arraycopy(quoted, 0, out, piecePrefix.length, quoted.length);
        System.arraycopy(PIECE_SUFFIX, 0, out, piecePrefix.length + quoted.length, PIECE_SUFFIX.length);
        return out;
    }

    private void toolCall(ByteArrayOutputStream out, StreamEvent.ToolCallDelta d) {
        start(out);
        Integer block = toolBlocks.get(d.index());
        if (block == null) {
            closeFlow(out);
            block = nextBlock++;
            toolBlocks.put(d.index(), block);
            openTools.add(block);
            // a call needs an id for its result to refer to; a provider that gave none gets one made up
            String id = d.id().isEmpty() ? "toolu_" + messageId.replaceAll("[^A-Za-z0-9_-]", "") + "_" + d.index() : d.id();
            ObjectNode start = AnthropicCodec.JSON.createObjectNode().put("type", "tool_use").put("id", id).put("name", d.name());
            start.putObject("input");
            blockStart(out, block, start);
        }
        if (!d.argumentsDelta().isEmpty()) {
            delta(out, block, "{\"type\":\"input_json_delta\",\"partial_json\":" + quote(d.argumentsDelta()) + "}");
        }
    }

    private void closeBlocks(ByteArrayOutputStream out) {
        closeFlow(out);
        for (int block : openTools) {
            blockStop(out, block);
        }
        openTools.clear();
    }

    private void closeFlow(ByteArrayOutputStream out) {
        if (flow != Flow.NONE) {
            blockStop(out, flowBlock);
            flow = Flow.NONE;
        }
    }

    private void messageDelta(ByteArrayOutputStream out) {
        messageDeltaSent = true;
        ObjectNode root = AnthropicCodec.JSON.createObjectNode().put("type", "message_delta");
        // a stream that ended without saying why ended its turn
        root.putObject("delta").put("stop_reason", stopReason == null ? "end_turn" : stopReason).putNull("stop_sequence");
        ObjectNode u = root.putObject("usage");
        if (usage != null) {
            u.put("input_tokens", usage.promptTokens());
        }
        u.put("output_tokens", usage == null ? 0 : usage.completionTokens());
        out.writeBytes(sse("message_delta", AnthropicCodec.bytes(root)));
    }

    private static void blockStart(ByteArrayOutputStream out, int index, ObjectNode block) {
        ObjectNode root = AnthropicCodec.JSON.createObjectNode().put("type", "content_block_start").put("index", index);
        root.set("content_block", block);
        out.writeBytes(sse("content_block_start", AnthropicCodec.bytes(root)));
    }

    private static void delta(ByteArrayOutputStream out, int index, String deltaJson) {
        out.writeBytes(sse("content_block_delta",
                "{\"type\":\"content_block_delta\",\"index\":" + index + ",\"delta\":" + deltaJson + "}"));
    }

    private static void blockStop(ByteArrayOutputStream out, int index) {
        out.writeBytes(sse("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":" + index + "}"));
    }

    // ------------------------------------------------------------------ SSE

    private static String quote(String s) {
        return "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(s)) + "\"";
    }

    private static byte[] sse(String event, String json) {
        return sse(event, json.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code event: <name>\ndata: <json>\n\n}; the JSON is compact, so it is one line. */
    private static byte[] sse(String event, byte[] json) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(json.length + event.length() + 16);
        out.writeBytes(("event: " + event + "\ndata: ").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(json);
        out.writeBytes(new byte[] {'\n', '\n'});
        return out.toByteArray();
    }
}
