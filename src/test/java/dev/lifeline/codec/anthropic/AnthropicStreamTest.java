package dev.lifeline.codec.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lifeline.chat.StreamEvent;
import dev.lifeline.chat.StreamEvent.Done;
import dev.lifeline.chat.StreamEvent.Error;
import dev.lifeline.chat.StreamEvent.Finish;
import dev.lifeline.chat.StreamEvent.ReasoningDelta;
import dev.lifeline.chat.StreamEvent.TextDelta;
import dev.lifeline.chat.StreamEvent.ToolCallDelta;
import dev.lifeline.chat.StreamEvent.Usage;
import dev.lifeline.codec.SseDecoder;
import dev.lifeline.codec.openai.OpenAiCodec;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.lifeline.codec.anthropic.AnthropicGoldens.events;
import static dev.lifeline.codec.anthropic.AnthropicGoldens.golden;
import static dev.lifeline.codec.anthropic.AnthropicGoldens.str;
import static dev.lifeline.codec.anthropic.AnthropicGoldens.tree;
import static dev.lifeline.codec.anthropic.AnthropicGoldens.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/** Claude streams: read into neutral events, and written from them for Anthropic clients. */
class AnthropicStreamTest {
    private static final String WEATHER_CALL = "toolu_01T1x1fJ34qAmk2tNTrN7Up6";
    private static final String TIME_CALL = "toolu_01BkZpE5h8C3nq7Dk1sRvW2x";

    static final List<StreamEvent> TEXT_EVENTS = List.of(
            new TextDelta("Bonjour"), new TextDelta("! Il fait 15 °C à Paris"), new TextDelta(" ☔ — take an umbrella 🌂.\n"),
            new Finish("stop"), new Usage(12, 21), new Done());

    static final List<StreamEvent> TOOL_EVENTS = List.of(
            new TextDelta("Let me check both."),
            new ToolCallDelta(0, WEATHER_CALL, "get_weather", ""),
            new ToolCallDelta(0, "", "", "{\"city\": \"Par"),
            new ToolCallDelta(0, "", "", "is\", \"unit\": \"celsius\"}"),
            new ToolCallDelta(1, TIME_CALL, "get_time", ""),
            new ToolCallDelta(1, "", "", "{\"timezone\": \"Europe/Paris\"}"),
            new Finish("tool_calls"), new Usage(472 + 1024, 97), new Done());

    static final List<StreamEvent> THINKING_EVENTS = List.of(
            new ReasoningDelta("27 * 453 = 27 * 400 + 27 * 53"), new ReasoningDelta(" = 10800 + 1431 = 12231."),
            new TextDelta("27 × 453 = **12,231**"), new Finish("length"), new Usage(36, 64), new Done());

    /** A whole transcript through SSE framing (in pieces of {@code piece} bytes) and a fresh decoder. */
    static List<StreamEvent> decode(byte[] transcript, int piece) {
        AnthropicStreamDecoder decoder = new AnthropicStreamDecoder();
        List<StreamEvent> out = new ArrayList<>();
        for (SseDecoder.Event e : events(transcript, piece)) {
            try {
                out.addAll(decoder.decode(e.event(), e.data()));
            } catch (MalformedResponseException ex) {
                throw new AssertionError(ex);
            }
        }
        return out;
    }

    /** What an encoder writes for these events, all concatenated. */
    static byte[] encode(List<StreamEvent> events) {
        AnthropicStreamEncoder encoder = new AnthropicStreamEncoder("msg_lifeline_1", "claude-sonnet-4-5-20250929");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (StreamEvent e : events) {
            out.writeBytes(encoder.encode(e));
        }
        return out.toByteArray();
    }

    // ------------------------------------------------------------------ decoder

    @Nested
    class Decoder {
        @ParameterizedTest
        @ValueSource(ints = {1, 2, 3, 7, 13, 64, 1 << 20})
        void aTextStream(int piece) {
            assertThat(decode(golden("stream-text.sse"), piece)).containsExactlyElementsOf(TEXT_EVENTS);
        }

        @ParameterizedTest
        @ValueSource(ints = {1, 5, 17, 1 << 20})
        void aToolUseStream(int piece) {
            assertThat(decode(golden("stream-tool-use.sse"), piece)).containsExactlyElementsOf(TOOL_EVENTS);
        }

        @ParameterizedTest
        @ValueSource(ints = {1, 11, 1 << 20})
        void aThinkingStream(int piece) {
            assertThat(decode(golden("stream-thinking.sse"), piece)).containsExactlyElementsOf(THINKING_EVENTS);
        }

        @ParameterizedTest
        @ValueSource(ints = {1, 9, 1 << 20})
        void anErrorAfterTheStreamStarted(int piece) {
            assertThat(decode(golden("stream-error.sse"), piece))
                    .containsExactly(new TextDelta("Once upon"), new Error("overloaded_error", "Overloaded"));
        }

        @Test
        void withoutEventNamesTheDataTypeSays() throws Exception {
            AnthropicStreamDecoder d = new AnthropicStreamDecoder();

            assertThat(d.decode("", "{\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}")).isEmpty();
            assertThat(d.decode("", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}")).isEmpty();
            assertThat(d.decode("", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}"))
                    .containsExactly(new TextDelta("Hi"));
            assertThat(d.decode("", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"stop_sequence\"},\"usage\":{\"output_tokens\":2}}"))
                    .containsExactly(new Finish("stop"), new Usage(5, 2));
            assertThat(d.decode("", "{\"type\":\"message_stop\"}")).containsExactly(new Done());
        }

        @Test
        void serverToolBlocksUnknownEventsAndSignaturesMeanNothing() throws Exception {
            AnthropicStreamDecoder d = new AnthropicStreamDecoder();

            assertThat(d.decode("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,"
                    + "\"content_block\":{\"type\":\"server_tool_use\",\"id\":\"srvtoolu_1\",\"name\":\"web_search\",\"input\":{}}}")).isEmpty();
            assertThat(d.decode("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,"
                    + "\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"query\\\":\\\"x\\\"}\"}}")).isEmpty();
            assertThat(d.decode("content_block_start", "{\"type\":\"content_block_start\",\"index\":1,"
                    + "\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"f\",\"input\":{}}}"))
                    .as("the first call of the client's is call 0, whatever block it is")
                    .containsExactly(new ToolCallDelta(0, "toolu_1", "f", ""));
            assertThat(d.decode("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,"
                    + "\"delta\":{\"type\":\"signature_delta\",\"signature\":\"EqQB\"}}")).isEmpty();
            assertThat(d.decode("some_future_event", "{\"type\":\"some_future_event\"}")).isEmpty();
            assertThat(d.decode("ping", "{\"type\": \"ping\"}")).isEmpty();
        }

        @Test
        void aTextBlockThatStartsWithTextGivesIt() throws Exception {
            AnthropicStreamDecoder d = new AnthropicStreamDecoder();

            assertThat(d.decode("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,"
                    + "\"content_block\":{\"type\":\"text\",\"text\":\"Hi\"}}")).containsExactly(new TextDelta("Hi"));
        }

        @Test
        void malformedEvents() {
            AnthropicStreamDecoder d = new AnthropicStreamDecoder();

            assertThatThrownBy(() -> d.decode("content_block_delta", "{not json"))
                    .isInstanceOf(MalformedResponseException.class).hasMessage("a stream event is not valid JSON");
            assertThatThrownBy(() -> d.decode("message_delta", "[1]"))
                    .isInstanceOf(MalformedResponseException.class).hasMessage("a stream event is not a JSON object");
            assertThatThrownBy(() -> d.decode("content_block_delta",
                    "{\"type\":\"content_block_delta\",\"index\":3,\"delta\":{\"type\":\"text_delta\",\"text\":\"x\"}}"))
                    .isInstanceOf(MalformedResponseException.class)
                    .hasMessage("a content_block_delta for block 3, which was never started");
            assertThatThrownBy(() -> d.decode("content_block_start", "{\"type\":\"content_block_start\",\"content_block\":{\"type\":\"text\"}}"))
                    .isInstanceOf(MalformedResponseException.class).hasMessage("a content block event without an index");
        }
    }

    // ------------------------------------------------------------------ encoder

    @Nested
    class Encoder {
        @Test
        void aTextStreamInClaudesExactShape() {
            String out = str(encode(List.of(new TextDelta("Hel"), new TextDelta("lo \"you\""), new Finish("stop"),
                    new Usage(7, 2), new Done())));

            assertThat(out).isEqualTo("""
                    event: message_start
                    data: {"type":"message_start","message":{"id":"msg_lifeline_1","type":"message","role":"assistant",\
                    "model":"claude-sonnet-4-5-20250929","content":[],"stop_reason":null,"stop_sequence":null,\
                    "usage":{"input_tokens":0,"output_tokens":0}}}

                    event: content_block_start
                    data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

                    event: content_block_delta
                    data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hel"}}

                    event: content_block_delta
                    data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"lo \\"you\\""}}

                    event: content_block_stop
                    data: {"type":"content_block_stop","index":0}

                    event: message_delta
                    data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},\
                    "usage":{"input_tokens":7,"output_tokens":2}}

                    event: message_stop
                    data: {"type":"message_stop"}

                    """);
        }

        @Test
        void eachCallReturnsTheBytesForItsEventOnly() {
            AnthropicStreamEncoder e = new AnthropicStreamEncoder("msg_1", "m");

            assertThat(e.encode(new Usage(3, 0))).as("usage before anything: nothing to say yet").isEmpty();
            assertThat(names(e.encode(new TextDelta("")))).isEmpty();
            assertThat(names(e.encode(new TextDelta("a")))).containsExactly("message_start", "content_block_start", "content_block_delta");
            assertThat(names(e.encode(new TextDelta("b")))).containsExactly("content_block_delta");
            assertThat(names(e.encode(new ReasoningDelta("c"))))
                    .containsExactly("content_block_stop", "content_block_start", "content_block_delta");
            assertThat(names(e.encode(new Finish("stop")))).as("the delta waits for the usage").containsExactly("content_block_stop");
            assertThat(names(e.encode(new Usage(3, 9)))).containsExactly("message_delta");
            assertThat(names(e.encode(new Usage(3, 10)))).as("counts are cumulative: another delta").containsExactly("message_delta");
            assertThat(names(e.encode(new Done()))).containsExactly("message_stop");
            assertThat(e.encode(new TextDelta("late"))).as("nothing after the end").isEmpty();
            assertThat(e.encode(new Done())).isEmpty();
        }

        @Test
        void aFinishWithoutUsageIsSentAtTheEnd() {
            byte[] out = encode(List.of(new TextDelta("x"), new Finish("length"), new Done()));

            JsonNode delta = data(out, "message_delta");
            assertThat(delta.path("delta").path("stop_reason").asText()).isEqualTo("max_tokens");
            assertThat(delta.path("usage")).isEqualTo(tree(utf8("{\"output_tokens\":0}")));
        }

        @Test
        void aStreamThatEndsWithoutFinishOrContentIsStillWellFormed() {
            byte[] out = encode(List.of(new Done()));

            assertWellFormed(out);
            assertThat(names(out)).containsExactly("message_start", "message_delta", "message_stop");
            assertThat(data(out, "message_delta").path("delta").path("stop_reason").asText()).isEqualTo("end_turn");
        }

        @Test
        void anErrorEndsTheStream() {
            AnthropicStreamEncoder e = new AnthropicStreamEncoder("msg_1", "m");
            e.encode(new TextDelta("Once"));

            assertThat(str(e.encode(new Error("overloaded_error", "Overloaded"))))
                    .isEqualTo("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n");
            assertThat(e.encode(new Done())).isEmpty();
            assertThat(e.ping()).isEmpty();
        }

        @Test
        void streamErrorAndPing() {
            assertThat(str(AnthropicStreamEncoder.streamError("all targets failed", "api_error")))
                    .isEqualTo("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"all targets failed\"}}\n\n");
            assertThat(AnthropicCodec.streamError("x", "y")).isEqualTo(AnthropicStreamEncoder.streamError("x", "y"));
            assertThat(str(new AnthropicStreamEncoder("m", "m").ping())).isEqualTo("event: ping\ndata: {\"type\":\"ping\"}\n\n");
        }

        @Test
        void aCallWithoutAnIdGetsOne() {
            byte[] out = encode(List.of(new ToolCallDelta(0, "", "now", "{}"), new Finish("tool_calls"), new Done()));

            JsonNode start = data(out, "content_block_start").path("content_block");
            assertThat(start).isEqualTo(tree(utf8("{\"type\":\"tool_use\",\"id\":\"toolu_msg_lifeline_1_0\",\"name\":\"now\",\"input\":{}}")));
            assertThat(data(out, "message_delta").path("delta").path("stop_reason").asText()).isEqualTo("tool_use");
        }
    }

    // ------------------------------------------------------------------ round trips

    @Nested
    class RoundTrips {
        @Test
        void theGoldenTranscriptsSurviveEncodingExactly() {
            for (String name : List.of("stream-text.sse", "stream-tool-use.sse", "stream-thinking.sse")) {
                List<StreamEvent> events = decode(golden(name), 1 << 20);
                byte[] encoded = encode(events);

                assertWellFormed(encoded);
                assertThat(decode(encoded, 3)).as(name).containsExactlyElementsOf(events);
            }
        }

        @Test
        void reasoningTextAndInterleavedToolCalls() {
            List<StreamEvent> events = List.of(
                    new ReasoningDelta("Two lookups; "), new ReasoningDelta("both at once."),
                    new TextDelta("Checking."),
                    new ToolCallDelta(0, "call_a", "get_weather", ""),
                    new ToolCallDelta(1, "call_b", "get_time", ""),
                    new ToolCallDelta(0, "", "", "{\"city\":"),
                    new ToolCallDelta(1, "", "", "{\"tz\":\"Europe/Paris\"}"),
                    new ToolCallDelta(0, "", "", "\"Paris\"}"),
                    new Finish("tool_calls"), new Usage(120, 45), new Done());

            byte[] encoded = encode(events);

            assertWellFormed(encoded);
            assertThat(decode(encoded, 7)).containsExactlyElementsOf(events);
        }

        @Test
        void anOpenAiToolCallStreamReachesAnAnthropicClientWhole() throws Exception {
            List<StreamEvent> fromOpenAi = new ArrayList<>();
            for (SseDecoder.Event e : events(openAiGolden("tool-call-transcript.sse"), 1 << 20)) {
                fromOpenAi.addAll(OpenAiCodec.decodeChunk(e.data()));
            }

            byte[] encoded = encode(fromOpenAi);

            assertWellFormed(encoded);
            Folded decoded = Folded.of(decode(encoded, 5));
            Folded sent = Folded.of(fromOpenAi);
            assertThat(sent.usage()).isEmpty();
            // Claude's message_delta must carry usage: unknown counts go out as zero
            assertThat(decoded).isEqualTo(new Folded(sent.text(), sent.reasoning(), sent.calls(), sent.finishes(),
                    List.of(new Usage(0, 0)), sent.done()));
            assertThat(decoded.calls()).containsExactly(
                    List.of("call_abc", "get_weather", "{\"city\":\"Paris\"}"), List.of("call_def", "get_time", "{}"));
        }
    }

    // ------------------------------------------------------------------ helpers

    /** A stream's meaning with the pieces put together: what an SDK accumulating the stream ends up with. */
    record Folded(String text, String reasoning, List<List<String>> calls, List<String> finishes, List<Usage> usage, boolean done) {
        static Folded of(List<StreamEvent> events) {
            StringBuilder text = new StringBuilder();
            StringBuilder reasoning = new StringBuilder();
            Map<Integer, String[]> calls = new LinkedHashMap<>();
            List<String> finishes = new ArrayList<>();
            List<Usage> usage = new ArrayList<>();
            boolean done = false;
            for (StreamEvent e : events) {
                switch (e) {
                    case TextDelta t -> text.append(t.text());
                    case ReasoningDelta r -> reasoning.append(r.text());
                    case ToolCallDelta d -> {
                        String[] call = calls.computeIfAbsent(d.index(), i -> new String[] {"", "", ""});
                        call[0] += d.id();
                        call[1] += d.name();
                        call[2] += d.argumentsDelta();
                    }
                    case Finish f -> finishes.add(f.reason());
                    case Usage u -> usage.add(u);
                    case Error err -> fail("unexpected error event %s", err);
                    case Done d -> done = true;
                }
            }
            return new Folded(text.toString(), reasoning.toString(), calls.values().stream().map(List::of).toList(),
                    finishes, usage, done);
        }
    }

    private static byte[] openAiGolden(String name) {
        try (InputStream in = AnthropicStreamTest.class.getResourceAsStream("/golden/openai/" + name)) {
            assertThat(in).isNotNull();
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> names(byte[] sse) {
        return events(sse, 1 << 20).stream().map(SseDecoder.Event::event).toList();
    }

    /** The data of the only event of that name. */
    private static JsonNode data(byte[] sse, String name) {
        List<SseDecoder.Event> found = events(sse, 1 << 20).stream().filter(e -> e.event().equals(name)).toList();
        assertThat(found).as("events named %s", name).hasSize(1);
        return tree(utf8(found.getFirst().data()));
    }

    /**
     * Checks the event order Claude's streams follow and the SDKs rely on: message_start first; blocks numbered 0, 1...
     * in the order they start, each delta and stop for a started, unstopped block; every block stopped before the
     * message_delta; message_stop last; and each event's data {@code type} equal to its name.
     */
    static void assertWellFormed(byte[] sse) {
        List<SseDecoder.Event> events = events(sse, 1 << 20);
        assertThat(events).isNotEmpty();
        assertThat(events.getFirst().event()).isEqualTo("message_start");
        assertThat(events.getLast().event()).isEqualTo("message_stop");
        int started = 0;
        List<Integer> open = new ArrayList<>();
        boolean delta = false;
        for (SseDecoder.Event e : events) {
            JsonNode data = tree(utf8(e.data()));
            assertThat(data.path("type").asText()).isEqualTo(e.event());
            int index = data.path("index").asInt(-1);
            switch (e.event()) {
                case "content_block_start" -> {
                    assertThat(delta).as("no block after the message_delta").isFalse();
                    assertThat(index).isEqualTo(started++);
                    open.add(index);
                }
                case "content_block_delta" -> assertThat(open).as("delta for an open block").contains(index);
                case "content_block_stop" -> assertThat(open.remove((Integer) index)).as("stop for an open block").isTrue();
                case "message_delta" -> {
                    assertThat(open).as("blocks open at the message_delta").isEmpty();
                    assertThat(data.path("delta").path("stop_reason").isTextual()).isTrue();
                    assertThat(data.path("usage").path("output_tokens").isNumber()).isTrue();
                    delta = true;
                }
                case "message_start", "message_stop" -> {
                }
                default -> fail("unexpected event %s", e.event());
            }
        }
        assertThat(delta).as("a message_delta was sent").isTrue();
    }
}
