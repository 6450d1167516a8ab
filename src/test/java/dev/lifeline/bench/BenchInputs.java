package dev.lifeline.bench;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * What the benchmarks feed the gateway: a typical client request and a typical streamed answer, byte for byte as
 * they arrive on the wire. Built once; the benchmarks copy the references into their own state fields.
 */
final class BenchInputs {
    /** Events in {@link #STREAM}: 50 chunks and {@code [DONE]}. A compile-time constant for OperationsPerInvocation. */
    static final int STREAM_EVENTS = 51;

    /** The model a client asks for, and the model name of the target it is routed to. */
    static final String CLIENT_MODEL = "gpt-4o-mini";
    static final String TARGET_MODEL = "llama3.1:8b-instruct-q4_K_M";

    /**
     * A typical streamed chat request of about 1 KB, compact as the OpenAI SDKs send it: a system and a user message
     * (with a little non-ASCII text), sampling settings, {@code stream} and {@code stream_options}.
     */
    static final byte[] REQUEST = ("{\"model\":\"" + CLIENT_MODEL + "\",\"messages\":["
            + "{\"role\":\"system\",\"content\":\"You are a careful assistant for a small engineering team. Answer in "
            + "plain English, name the files you refer to, keep answers under 200 words unless asked for more, and say "
            + "so when you are not sure.\"},"
            + "{\"role\":\"user\",\"content\":\"Our gateway sends chat requests to a local model first and falls back "
            + "to a cloud model when the local one is down or too slow. Yesterday a streamed answer stopped halfway "
            + "and the client saw an error event instead of the rest of the text. The logs say “cut off after "
            + "commit” for the local target. What does that mean, and should the gateway have retried on the cloud "
            + "target instead? We run Ollama on one GPU box, naïvely with the default settings, and the client is "
            + "the OpenAI Python SDK with a 60 s timeout. It happened twice in an hour, both times on long "
            + "answers, never on short ones.\"}],"
            + "\"temperature\":0.2,\"top_p\":1,\"max_tokens\":512,\"stream\":true,"
            + "\"stream_options\":{\"include_usage\":true},\"user\":\"dev-42\"}").getBytes(StandardCharsets.UTF_8);

    /** The start of every chunk's JSON, as bench/BenchUpstream.java writes it. */
    private static final String CHUNK_PREFIX = "{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\","
            + "\"created\":1700000000,\"model\":\"bench-model\",\"choices\":[";

    /** {@code data:} payloads of single chunks, one of each kind a stream carries. */
    static final String CONTENT_CHUNK = CHUNK_PREFIX
            + "{\"index\":0,\"delta\":{\"content\":\" the\"},\"logprobs\":null,\"finish_reason\":null}]}";
    static final String TOOL_CALL_CHUNK = CHUNK_PREFIX
            + "{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}]},"
            + "\"logprobs\":null,\"finish_reason\":null}]}";
    /** The last chunk of a stream with {@code stream_options.include_usage}: no choices, only usage. */
    static final String USAGE_CHUNK = CHUNK_PREFIX
            + "],\"usage\":{\"prompt_tokens\":236,\"completion_tokens\":48,\"total_tokens\":284}}";
    static final String DONE_CHUNK = "[DONE]";

    /**
     * A whole streamed answer, each event as its own array: the bytes bench/BenchUpstream.java sends (a role chunk,
     * 48 content chunks, a finish chunk, then {@code [DONE]}), about 10 KB in all.
     */
    static final byte[][] STREAM_EVENT_BYTES = streamEvents();

    /** The same stream as one array: what a gateway reads when the whole answer is already buffered. */
    static final byte[] STREAM = concat(STREAM_EVENT_BYTES);

    private BenchInputs() {
    }

    private static byte[][] streamEvents() {
        int chunks = STREAM_EVENTS - 1;
        byte[][] out = new byte[STREAM_EVENTS][];
        for (int i = 0; i < chunks; i++) {
            String choice;
            if (i == 0) {
                choice = "{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}";
            } else if (i == chunks - 1) {
                choice = "{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}]}";
            } else {
                choice = "{\"index\":0,\"delta\":{\"content\":\"tok" + i + " \"},\"logprobs\":null,\"finish_reason\":null}]}";
            }
            out[i] = ("data: " + CHUNK_PREFIX + choice + "\n\n").getBytes(StandardCharsets.UTF_8);
        }
        out[chunks] = "data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8);
        return out;
    }

    private static byte[] concat(byte[][] parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
