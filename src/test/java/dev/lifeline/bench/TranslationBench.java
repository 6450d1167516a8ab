package dev.lifeline.bench;

import dev.lifeline.backend.Frame;
import dev.lifeline.chat.ChatRequest;
import dev.lifeline.chat.ChatResponse;
import dev.lifeline.chat.FinishReason;
import dev.lifeline.chat.StreamEvent;
import dev.lifeline.codec.BadRequestException;
import dev.lifeline.codec.SseDecoder;
import dev.lifeline.codec.SseDecoder.MalformedStreamException;
import dev.lifeline.codec.anthropic.AnthropicCodec;
import dev.lifeline.codec.anthropic.AnthropicStreamDecoder;
import dev.lifeline.codec.anthropic.AnthropicStreamEncoder;
import dev.lifeline.codec.anthropic.MalformedResponseException;
import dev.lifeline.codec.ollama.OllamaCodec;
import dev.lifeline.codec.ollama.OllamaStreamDecoder;
import dev.lifeline.codec.openai.OpenAiCodec;
import dev.lifeline.codec.openai.OpenAiCodec.MalformedChunkException;
import dev.lifeline.codec.openai.OpenAiStreamEncoder;
import dev.lifeline.codec.openai.OpenAiTranslation;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Translation across dialects: what a request, a streamed answer and a whole answer cost when the client and the
 * target speak different dialects (see docs/dialects.md). The private {@code server.Translation} and
 * {@code server.TranslatingAnswer} and the backends' private {@code AnthropicWire}, {@code OpenAiWire} and
 * {@code OllamaWire} are repeated here with the public codec classes; keep them in step when those change.
 *
 * <p>Requests (one operation is one request, bytes in, bytes out):
 * <ul>
 *   <li>{@code openAiToClaude}: the ~1 KB chat of {@link BenchInputs#REQUEST} through
 *       {@link OpenAiTranslation#toNeutral(byte[])} (which parses it as {@link OpenAiCodec#parseRequest} does), the
 *       target's model name, then {@link AnthropicCodec#encodeRequest};</li>
 *   <li>{@code openAiToolsToClaude}: the same for an agent's request with two tools and a turn of two tool calls and
 *       their results;</li>
 *   <li>{@code claudeToOpenAi}: the same chat as a Claude client sends it, {@link AnthropicCodec#parseRequest} then
 *       {@link OpenAiTranslation#encodeRequest};</li>
 *   <li>{@code ollamaToOpenAi}: the same chat as an Ollama client's {@code /api/chat}, {@link OllamaCodec#parseChatRequest}
 *       then {@link OpenAiTranslation#encodeRequest}.</li>
 * </ul>
 * {@code Translation} encodes a request twice for the first target of a dialect (once in {@code refusalFor} to learn
 * whether the dialect can carry it, once in {@code bodyFor}); these measure one encode.
 *
 * <p>Streams (one operation is one upstream event; each event arrives in a read of its own, as from a server that
 * flushes every token): the backend's reader (the read copied into a fresh array, framing, the event's meaning, its
 * {@link Frame} with the event's wire bytes), then {@code TranslatingAnswer.frame} (the frame's events through the
 * client's stream encoder, made for the stream on its first frame). The engine's bookkeeping is not included.
 * <ul>
 *   <li>{@code claudeStreamToOpenAi}: a 48-token Claude text stream ({@value #CLAUDE_STREAM_EVENTS} events:
 *       {@code message_start}, {@code content_block_start}, {@code ping}, 48 {@code text_delta}s,
 *       {@code content_block_stop}, {@code message_delta}, {@code message_stop}): {@link SseDecoder},
 *       {@link AnthropicStreamDecoder}, {@link OpenAiStreamEncoder} with the usage chunk asked for;</li>
 *   <li>{@code openAiStreamToClaude}: {@link BenchInputs#STREAM} ({@value BenchInputs#STREAM_EVENTS} events):
 *       {@link SseDecoder}, {@link OpenAiCodec#decodeChunk}, {@link AnthropicStreamEncoder};</li>
 *   <li>{@code ollamaStreamToOpenAi}: a 48-token {@code /api/chat} NDJSON stream ({@value #OLLAMA_STREAM_LINES}
 *       lines, the last with {@code done: true} and the counts): {@link OllamaStreamDecoder},
 *       {@link OpenAiStreamEncoder}.</li>
 * </ul>
 *
 * <p>Whole answers (one operation is one answer): {@code claudeResponseToOpenAi}, golden/anthropic/response.json
 * (text, a tool call, usage) through {@link AnthropicCodec#parseResponse} and {@link OpenAiTranslation#encodeResponse},
 * as {@code TranslatingAnswer.body} does; {@code claudeResponseToOpenAiWithBackendRead} adds what
 * {@code AnthropicWire.readBody} does to the same body before (its error type, its usage: {@code errorType} and
 * {@code parseResponse}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"}) // see package-info
public class TranslationBench {
    /** Tokens of text in the synthetic Claude and Ollama streams, as in {@link BenchInputs#STREAM}. */
    private static final int TOKENS = 48;
    /** message_start, content_block_start, ping, the tokens, content_block_stop, message_delta, message_stop. */
    static final int CLAUDE_STREAM_EVENTS = 54;
    /** The tokens, then the done line. */
    static final int OLLAMA_STREAM_LINES = 49;

    /** The model the translated requests go to, and the model name the client's stream encoder is given. */
    private static final String CLAUDE_MODEL = "claude-sonnet-4-5";
    private static final String OPENAI_MODEL = "gpt-4o-mini";
    private static final long CREATED = 1_700_000_000L;

    private static final String SYSTEM = "You are a careful assistant for a small engineering team. Answer in plain "
            + "English, name the files you refer to, keep answers under 200 words unless asked for more, and say so "
            + "when you are not sure.";
    private static final String USER = "Our gateway sends chat requests to a local model first and falls back to a "
            + "cloud model when the local one is down or too slow. Yesterday a streamed answer stopped halfway and the "
            + "client saw an error event instead of the rest of the text. The logs say “cut off after commit” for the "
            + "local target. What does that mean, and should the gateway have retried on the cloud target instead? We "
            + "run Ollama on one GPU box, naïvely with the default settings, and the client is the OpenAI Python SDK "
            + "with a 60 s timeout. It happened twice in an hour, both times on long answers, never on short ones.";

    /** An agent's turn: two tools, a turn that called both, their results, and the next question. */
    static final byte[] OPENAI_TOOLS_REQUEST = ("{\"model\":\"" + BenchInputs.CLIENT_MODEL + "\",\"messages\":["
            + "{\"role\":\"system\",\"content\":\"You are a travel assistant. Use the tools for facts that change.\"},"
            + "{\"role\":\"user\",\"content\":\"What is the weather in Paris, and what time is it there?\"},"
            + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":["
            + "{\"id\":\"call_weather_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
            + "\"arguments\":\"{\\\"city\\\":\\\"Paris\\\",\\\"unit\\\":\\\"celsius\\\"}\"}},"
            + "{\"id\":\"call_time_1\",\"type\":\"function\",\"function\":{\"name\":\"get_time\","
            + "\"arguments\":\"{\\\"timezone\\\":\\\"Europe/Paris\\\"}\"}}]},"
            + "{\"role\":\"tool\",\"tool_call_id\":\"call_weather_1\",\"content\":\"{\\\"temperature\\\":21,\\\"sky\\\":\\\"clear\\\"}\"},"
            + "{\"role\":\"tool\",\"tool_call_id\":\"call_time_1\",\"content\":\"14:05\"},"
            + "{\"role\":\"assistant\",\"content\":\"It is 21 °C and clear in Paris, and 14:05 there.\"},"
            + "{\"role\":\"user\",\"content\":\"Thanks! And tomorrow morning?\"}],"
            + "\"tools\":["
            + "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"description\":\"Current weather or forecast for a city\","
            + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\",\"description\":\"The city, e.g. Paris\"},"
            + "\"unit\":{\"type\":\"string\",\"enum\":[\"celsius\",\"fahrenheit\"]},\"hours_ahead\":{\"type\":\"integer\",\"minimum\":0}},"
            + "\"required\":[\"city\"],\"additionalProperties\":false},\"strict\":true}},"
            + "{\"type\":\"function\",\"function\":{\"name\":\"get_time\",\"description\":\"Local time in an IANA time zone\","
            + "\"parameters\":{\"type\":\"object\",\"properties\":{\"timezone\":{\"type\":\"string\"}},\"required\":[\"timezone\"]}}}],"
            + "\"tool_choice\":\"auto\",\"temperature\":0.2,\"max_tokens\":512,\"stream\":true,"
            + "\"stream_options\":{\"include_usage\":true},\"parallel_tool_calls\":true}").getBytes(StandardCharsets.UTF_8);

    /** {@link BenchInputs#REQUEST}'s conversation as the Claude SDK sends it. */
    static final byte[] CLAUDE_REQUEST = ("{\"model\":\"" + CLAUDE_MODEL + "\",\"max_tokens\":512,"
            + "\"system\":" + quoted(SYSTEM) + ",\"messages\":[{\"role\":\"user\",\"content\":" + quoted(USER) + "}],"
            + "\"temperature\":0.2,\"top_p\":1,\"stream\":true,\"metadata\":{\"user_id\":\"dev-42\"}}")
            .getBytes(StandardCharsets.UTF_8);

    /** {@link BenchInputs#REQUEST}'s conversation as an Ollama client's {@code POST /api/chat}. */
    static final byte[] OLLAMA_REQUEST = ("{\"model\":\"smart\",\"messages\":["
            + "{\"role\":\"system\",\"content\":" + quoted(SYSTEM) + "},{\"role\":\"user\",\"content\":" + quoted(USER) + "}],"
            + "\"options\":{\"temperature\":0.2,\"top_p\":1,\"num_predict\":512},\"stream\":true}")
            .getBytes(StandardCharsets.UTF_8);

    private byte[] openAiRequest;
    private byte[] openAiToolsRequest;
    private byte[] claudeRequest;
    private byte[] ollamaRequest;
    private byte[][] claudeStream;
    private byte[][] openAiStream;
    private byte[][] ollamaStream;
    private byte[] claudeResponse;

    @Setup
    public void setUp() throws Exception {
        openAiRequest = BenchInputs.REQUEST;
        openAiToolsRequest = OPENAI_TOOLS_REQUEST;
        claudeRequest = CLAUDE_REQUEST;
        ollamaRequest = OLLAMA_REQUEST;
        claudeStream = claudeStream();
        openAiStream = BenchInputs.STREAM_EVENT_BYTES;
        ollamaStream = ollamaStream();
        claudeResponse = resource("/golden/anthropic/response.json");
        checkInputs();
    }

    // ------------------------------------------------------------------ requests

    @Benchmark
    public byte[] openAiToClaude() throws BadRequestException {
        return AnthropicCodec.encodeRequest(OpenAiTranslation.toNeutral(openAiRequest).withModel(CLAUDE_MODEL));
    }

    @Benchmark
    public byte[] openAiToolsToClaude() throws BadRequestException {
        return AnthropicCodec.encodeRequest(OpenAiTranslation.toNeutral(openAiToolsRequest).withModel(CLAUDE_MODEL));
    }

    @Benchmark
    public byte[] claudeToOpenAi() throws BadRequestException {
        return OpenAiTranslation.encodeRequest(AnthropicCodec.parseRequest(claudeRequest).withModel(OPENAI_MODEL), false);
    }

    @Benchmark
    public byte[] ollamaToOpenAi() throws BadRequestException {
        return OpenAiTranslation.encodeRequest(OllamaCodec.parseChatRequest(ollamaRequest).withModel(OPENAI_MODEL), false);
    }

    // ------------------------------------------------------------------ streams

    @Benchmark
    @OperationsPerInvocation(CLAUDE_STREAM_EVENTS)
    public void claudeStreamToOpenAi(Blackhole bh) throws MalformedStreamException, MalformedResponseException {
        claudeStreamPath(claudeStream, bh::consume);
    }

    @Benchmark
    @OperationsPerInvocation(BenchInputs.STREAM_EVENTS)
    public void openAiStreamToClaude(Blackhole bh) throws MalformedStreamException, MalformedChunkException {
        openAiStreamPath(openAiStream, bh::consume);
    }

    @Benchmark
    @OperationsPerInvocation(OLLAMA_STREAM_LINES)
    public void ollamaStreamToOpenAi(Blackhole bh) throws dev.lifeline.codec.ollama.MalformedResponseException {
        ollamaStreamPath(ollamaStream, bh::consume);
    }

    /** Where the bytes for the client go: the benchmark's Blackhole, or the setup's check. */
    private interface Client {
        void send(byte[] bytes);
    }

    /** AnthropicWire's reader, then TranslatingAnswer with an OpenAI client's encoder (usage asked for). */
    private static void claudeStreamPath(byte[][] reads, Client client)
            throws MalformedStreamException, MalformedResponseException {
        SseDecoder sse = new SseDecoder();
        AnthropicStreamDecoder decoder = new AnthropicStreamDecoder();
        Function<StreamEvent, byte[]> encoder = null; // made on the first frame, as TranslatingAnswer does
        for (byte[] read : reads) {
            for (SseDecoder.Event e : sse.feed(copyOfRead(read))) {
                Frame frame = new Frame(SseDecoder.encode(e), decoder.decode(e.event(), e.dataBytes()));
                if (encoder == null) {
                    encoder = new OpenAiStreamEncoder("chatcmpl-bench", CLAUDE_MODEL, CREATED, true)::encode;
                }
                client.send(translate(encoder, frame));
            }
        }
    }

    /** OpenAiWire's reader, then TranslatingAnswer with a Claude client's encoder. */
    private static void openAiStreamPath(byte[][] reads, Client client)
            throws MalformedStreamException, MalformedChunkException {
        SseDecoder sse = new SseDecoder();
        Function<StreamEvent, byte[]> encoder = null;
        for (byte[] read : reads) {
            for (SseDecoder.Event e : sse.feed(copyOfRead(read))) {
                byte[] data = e.dataBytes();
                Frame frame = new Frame(SseDecoder.encode(e), OpenAiCodec.decodeChunk(data, 0, data.length));
                if (encoder == null) {
                    encoder = new AnthropicStreamEncoder("msg_bench", OPENAI_MODEL)::encode;
                }
                client.send(translate(encoder, frame));
            }
        }
    }

    /** OllamaWire's reader, then TranslatingAnswer with an OpenAI client's encoder (usage asked for). */
    private static void ollamaStreamPath(byte[][] reads, Client client)
            throws dev.lifeline.codec.ollama.MalformedResponseException {
        OllamaStreamDecoder decoder = new OllamaStreamDecoder();
        Function<StreamEvent, byte[]> encoder = null;
        for (byte[] read : reads) {
            byte[] bytes = copyOfRead(read);
            for (OllamaStreamDecoder.Line line : decoder.lines(bytes, 0, bytes.length)) {
                byte[] wire = Arrays.copyOf(line.bytes(), line.bytes().length + 1); // as OllamaWire forwards a line
                wire[wire.length - 1] = '\n';
                Frame frame = new Frame(wire, line.events());
                if (encoder == null) {
                    encoder = new OpenAiStreamEncoder("chatcmpl-bench", "llama3.1:8b", CREATED, true)::encode;
                }
                client.send(translate(encoder, frame));
            }
        }
    }

    // ------------------------------------------------------------------ whole answers

    @Benchmark
    public byte[] claudeResponseToOpenAi() throws MalformedResponseException {
        return OpenAiTranslation.encodeResponse(AnthropicCodec.parseResponse(claudeResponse), CREATED);
    }

    @Benchmark
    public byte[] claudeResponseToOpenAiWithBackendRead(Blackhole bh) throws MalformedResponseException {
        // AnthropicWire.readBody: an error inside the 200? the usage
        bh.consume(AnthropicCodec.errorType(claudeResponse));
        bh.consume(AnthropicCodec.parseResponse(claudeResponse).usage());
        return OpenAiTranslation.encodeResponse(AnthropicCodec.parseResponse(claudeResponse), CREATED);
    }

    // ------------------------------------------------------------------ the gateway's steps

    /** {@code ByteBuf.readBytes} into a fresh array, as {@code HttpBackend.Decoder.onContent} does for every read. */
    private static byte[] copyOfRead(byte[] read) {
        byte[] bytes = new byte[read.length];
        System.arraycopy(read, 0, bytes, 0, read.length);
        return bytes;
    }

    /** {@code TranslatingAnswer.frame} for a frame from a target of another dialect. */
    private static byte[] translate(Function<StreamEvent, byte[]> client, Frame frame) {
        if (frame.events().size() == 1) {
            return client.apply(frame.events().get(0));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (StreamEvent e : frame.events()) {
            out.writeBytes(client.apply(e));
        }
        return out.toByteArray();
    }

    // ------------------------------------------------------------------ inputs

    private static byte[][] claudeStream() {
        String[] events = new String[CLAUDE_STREAM_EVENTS];
        int n = 0;
        events[n++] = sse("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_01QC4g3HwBThD4BaNtBckFDJ\","
                + "\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5-20250929\",\"content\":[],"
                + "\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":236,"
                + "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"cache_creation\":"
                + "{\"ephemeral_5m_input_tokens\":0,\"ephemeral_1h_input_tokens\":0},\"output_tokens\":1,"
                + "\"service_tier\":\"standard\"}}}");
        events[n++] = sse("content_block_start",
                "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}");
        events[n++] = sse("ping", "{\"type\": \"ping\"}");
        for (int i = 1; i <= TOKENS; i++) {
            events[n++] = sse("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,"
                    + "\"delta\":{\"type\":\"text_delta\",\"text\":\"tok" + i + " \"}}");
        }
        events[n++] = sse("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}");
        events[n++] = sse("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
                + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":48}}");
        events[n++] = sse("message_stop", "{\"type\":\"message_stop\"}");
        if (n != CLAUDE_STREAM_EVENTS) {
            throw new IllegalStateException(n + " Claude events, not " + CLAUDE_STREAM_EVENTS);
        }
        byte[][] out = new byte[n][];
        for (int i = 0; i < n; i++) {
            out[i] = events[i].getBytes(StandardCharsets.UTF_8);
        }
        return out;
    }

    private static String sse(String event, String data) {
        return "event: " + event + "\ndata: " + data + "\n\n";
    }

    private static byte[][] ollamaStream() {
        byte[][] out = new byte[OLLAMA_STREAM_LINES][];
        for (int i = 1; i <= TOKENS; i++) {
            out[i - 1] = ("{\"model\":\"llama3.1:8b\",\"created_at\":\"2025-06-11T09:40:01.1" + (10000 + i) + "Z\","
                    + "\"message\":{\"role\":\"assistant\",\"content\":\"tok" + i + " \"},\"done\":false}\n")
                    .getBytes(StandardCharsets.UTF_8);
        }
        out[TOKENS] = ("{\"model\":\"llama3.1:8b\",\"created_at\":\"2025-06-11T09:40:02.170511Z\",\"message\":"
                + "{\"role\":\"assistant\",\"content\":\"\"},\"done_reason\":\"stop\",\"done\":true,"
                + "\"total_duration\":4883583458,\"load_duration\":1334875,\"prompt_eval_count\":236,"
                + "\"prompt_eval_duration\":342546000,\"eval_count\":48,\"eval_duration\":4535599000}\n")
                .getBytes(StandardCharsets.UTF_8);
        return out;
    }

    private static String quoted(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static byte[] resource(String name) {
        try (InputStream in = TranslationBench.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is not on the test classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------ what the inputs must mean

    /** Each input must mean what its benchmark says, and each path must produce the whole translated answer. */
    private void checkInputs() throws Exception {
        ChatRequest chat = OpenAiTranslation.toNeutral(openAiRequest);
        check(chat.messages().size() == 2 && chat.tools().isEmpty() && chat.stream(), "the OpenAI chat", chat);
        ChatRequest tools = OpenAiTranslation.toNeutral(openAiToolsRequest);
        check(tools.tools().size() == 2 && tools.messages().size() == 7
                && tools.messages().get(2).toolCalls().size() == 2, "the OpenAI tools request", tools);
        ChatRequest claude = AnthropicCodec.parseRequest(claudeRequest);
        check(claude.messages().size() == 2 && claude.messages().equals(chat.messages()), "the Claude request", claude);
        ChatRequest ollama = OllamaCodec.parseChatRequest(ollamaRequest);
        check(ollama.messages().equals(chat.messages()) && ollama.maxTokens().orElse(0) == 512, "the Ollama request", ollama);

        String toClaude = utf8(openAiToClaude());
        check(toClaude.contains("\"model\":\"" + CLAUDE_MODEL + "\"") && toClaude.contains("\"system\""),
                "openAiToClaude's body", toClaude);
        String toolsToClaude = utf8(openAiToolsToClaude());
        check(count(toolsToClaude, "\"tool_use\"") == 2 && count(toolsToClaude, "\"tool_result\"") == 2
                && count(toolsToClaude, "\"input_schema\"") == 2, "openAiToolsToClaude's body", toolsToClaude);
        for (String body : List.of(utf8(claudeToOpenAi()), utf8(ollamaToOpenAi()))) {
            check(body.contains("\"model\":\"" + OPENAI_MODEL + "\"") && body.contains("\"role\":\"system\"")
                    && body.contains("\"max_tokens\":512"), "a request translated to OpenAI", body);
        }

        check(countEvents(claudeStream) == CLAUDE_STREAM_EVENTS, "the Claude stream's event count", countEvents(claudeStream));
        check(countEvents(openAiStream) == BenchInputs.STREAM_EVENTS, "the OpenAI stream's event count", countEvents(openAiStream));
        String fromClaude = captured(TranslationBench::claudeStreamPath, claudeStream);
        check(count(fromClaude, "\"content\":\"tok") == TOKENS && fromClaude.contains("\"finish_reason\":\"stop\"")
                && fromClaude.contains("\"usage\":{\"prompt_tokens\":236,\"completion_tokens\":48")
                && fromClaude.endsWith("data: [DONE]\n\n"), "claudeStreamToOpenAi's output", fromClaude);
        String fromOpenAi = captured(TranslationBench::openAiStreamPath, openAiStream);
        check(count(fromOpenAi, "\"text_delta\"") == TOKENS && fromOpenAi.startsWith("event: message_start\n")
                && fromOpenAi.contains("\"stop_reason\":\"end_turn\"")
                && fromOpenAi.endsWith("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"),
                "openAiStreamToClaude's output", fromOpenAi);
        String fromOllama = captured(TranslationBench::ollamaStreamPath, ollamaStream);
        check(count(fromOllama, "\"content\":\"tok") == TOKENS && fromOllama.contains("\"finish_reason\":\"stop\"")
                && fromOllama.contains("\"usage\":{\"prompt_tokens\":236,\"completion_tokens\":48")
                && fromOllama.endsWith("data: [DONE]\n\n"), "ollamaStreamToOpenAi's output", fromOllama);

        ChatResponse response = AnthropicCodec.parseResponse(claudeResponse);
        check(response.toolCalls().size() == 1 && !response.text().isEmpty() && response.usage().isPresent()
                && response.finishReason().equals(FinishReason.TOOL_CALLS), "golden/anthropic/response.json", response);
        String answer = utf8(claudeResponseToOpenAi());
        check(answer.contains("\"tool_calls\":[") && answer.contains("\"finish_reason\":\"tool_calls\"")
                && answer.contains("\"prompt_tokens\":1496"), "claudeResponseToOpenAi's body", answer);
    }

    private interface StreamPath {
        void run(byte[][] reads, Client client) throws Exception;
    }

    /** All a stream path sends the client. */
    private static String captured(StreamPath path, byte[][] reads) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        path.run(reads, out::writeBytes);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static int countEvents(byte[][] reads) throws MalformedStreamException {
        SseDecoder sse = new SseDecoder();
        int n = 0;
        for (byte[] r : reads) {
            n += sse.feed(r).size();
        }
        return n;
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + what.length())) {
            n++;
        }
        return n;
    }

    private static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static void check(boolean ok, String what, Object got) {
        if (!ok) {
            throw new IllegalStateException(what + " is not what the benchmark claims: " + got);
        }
    }
}
