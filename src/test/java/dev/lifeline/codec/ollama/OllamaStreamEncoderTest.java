package dev.lifeline.codec.ollama;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lifeline.chat.StreamEvent;
import dev.lifeline.chat.StreamEvent.Done;
import dev.lifeline.chat.StreamEvent.Error;
import dev.lifeline.chat.StreamEvent.Finish;
import dev.lifeline.chat.StreamEvent.ReasoningDelta;
import dev.lifeline.chat.StreamEvent.TextDelta;
import dev.lifeline.chat.StreamEvent.ToolCallDelta;
import dev.lifeline.chat.StreamEvent.Usage;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

import static dev.lifeline.codec.ollama.Goldens.tree;
import static org.assertj.core.api.Assertions.assertThat;

/** Streams written for Ollama clients from any backend's events, and read back by the decoder. */
class OllamaStreamEncoderTest {
    private static final Instant T0 = Instant.parse("2025-06-11T09:45:00Z");

    /** 09:45:00, then 12.5 ms later at each read: one read per line written. */
    private static InstantSource ticking() {
        AtomicInteger reads = new AtomicInteger();
        return () -> T0.plus(Duration.ofNanos(12_500_000L * reads.getAndIncrement()));
    }

    /** Start at 1 s, first token 250 ms later, end 2 s after that: one read each. */
    private static LongSupplier monotonic() {
        long[] reads = {1_000_000_000L, 1_250_000_000L, 3_250_000_000L};
        AtomicInteger at = new AtomicInteger();
        return () -> reads[Math.min(at.getAndIncrement(), reads.length - 1)];
    }

    private static byte[] encodeAll(OllamaStreamEncoder encoder, List<StreamEvent> events) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (StreamEvent e : events) {
            out.writeBytes(encoder.encode(e));
        }
        return out.toByteArray();
    }

    private static List<StreamEvent> decode(byte[] ndjson) throws MalformedResponseException {
        return new OllamaStreamDecoder().feed(ndjson, 0, ndjson.length);
    }

    /** What an OpenAI backend streams for a reasoning answer that calls two tools, arguments in pieces. */
    private static final List<StreamEvent> TOOL_ANSWER = List.of(
            new ReasoningDelta("Let me check."),
            new TextDelta("Checking the weather."),
            new ToolCallDelta(0, "call_abc", "get_weather", ""),
            new ToolCallDelta(0, "", "", "{\"city\":"),
            new ToolCallDelta(0, "", "", "\"London\"}"),
            new ToolCallDelta(1, "call_def", "get_time", "{\"timezone\":\"Europe/London\"}"),
            new Finish("tool_calls"),
            new Usage(155, 81),
            new Done());

    @Test
    void writesTheGoldenChatStream() {
        byte[] out = encodeAll(new OllamaStreamEncoder("smart", false, ticking(), monotonic()), TOOL_ANSWER);

        assertThat(Goldens.lines(out)).isEqualTo(Goldens.lines(Goldens.bytes("gateway-chat-stream.ndjson")));
    }

    @Test
    void writesTheGoldenGenerateStream() {
        List<StreamEvent> events = List.of(new ReasoningDelta("Petals."), new TextDelta("Cherry"), new TextDelta(" petals drift"),
                new Finish("length"), new Usage(31, 3), new Done());

        byte[] out = encodeAll(new OllamaStreamEncoder("poet", true, ticking(), monotonic()), events);

        assertThat(Goldens.lines(out)).isEqualTo(Goldens.lines(Goldens.bytes("gateway-generate-stream.ndjson")));
    }

    @Test
    void theDecoderReadsBackWholeToolCallsAndReasoning() throws Exception {
        byte[] out = encodeAll(new OllamaStreamEncoder("smart", false), TOOL_ANSWER);

        assertThat(decode(out)).containsExactly(
                new ReasoningDelta("Let me check."),
                new TextDelta("Checking the weather."),
                new ToolCallDelta(0, "call_abc", "get_weather", "{\"city\":\"London\"}"),
                new ToolCallDelta(1, "call_def", "get_time", "{\"timezone\":\"Europe/London\"}"),
                new Finish("tool_calls"), new Usage(155, 81), new Done());
    }

    @Test
    void reEncodingADecodedTranscriptGivesTheSameEvents() throws Exception {
        for (String name : List.of("chat-stream.ndjson", "thinking-stream.ndjson", "tool-call-stream.ndjson", "generate-stream.ndjson")) {
            List<StreamEvent> events = decode(Goldens.bytes(name));

            byte[] out = encodeAll(new OllamaStreamEncoder("m", name.startsWith("generate"), ticking(), monotonic()), events);

            assertThat(decode(out)).as(name).isEqualTo(events);
        }
    }

    @Test
    void anErrorEndsTheStreamAndDropsAnUnfinishedCall() throws Exception {
        OllamaStreamEncoder encoder = new OllamaStreamEncoder("smart", false, ticking(), monotonic());

        byte[] out = encodeAll(encoder, List.of(new TextDelta("Once"), new ToolCallDelta(0, "c", "f", "{\"a\":"),
                new Error("overloaded_error", "Overloaded"), new TextDelta("more"), new Done()));

        assertThat(decode(out)).containsExactly(new TextDelta("Once"), new Error("error", "Overloaded"));
        assertThat(new String(out, StandardCharsets.UTF_8)).endsWith("\n{\"error\":\"Overloaded\"}\n");
    }

    @Test
    void writesNothingAfterTheLastLine() {
        OllamaStreamEncoder encoder = new OllamaStreamEncoder("smart", false);

        assertThat(encoder.encode(new Done())).isNotEmpty();
        assertThat(encoder.encode(new TextDelta("late"))).isEmpty();
        assertThat(encoder.encode(new Done())).isEmpty();
    }

    @Test
    void writesNoLineForEmptyDeltasOrUsage() {
        OllamaStreamEncoder encoder = new OllamaStreamEncoder("smart", false);

        assertThat(encoder.encode(new TextDelta(""))).isEmpty();
        assertThat(encoder.encode(new ReasoningDelta(""))).isEmpty();
        assertThat(encoder.encode(new Usage(1, 2))).isEmpty();
        assertThat(encoder.encode(new Finish("stop"))).isEmpty();
    }

    @Test
    void textAfterACallWritesTheCallFirst() throws Exception {
        OllamaStreamEncoder encoder = new OllamaStreamEncoder("smart", false);

        byte[] out = encodeAll(encoder, List.of(new ToolCallDelta(0, "", "note", "{}"), new TextDelta("Noted."), new Done()));

        List<StreamEvent> events = decode(out);
        assertThat(events).hasSize(4);
        ToolCallDelta call = (ToolCallDelta) events.getFirst();
        assertThat(call.id()).as("the backend gave no id").matches("call_[a-z0-9]{16}");
        assertThat(call.name()).isEqualTo("note");
        assertThat(events.subList(1, 4)).containsExactly(new TextDelta("Noted."), new Finish("tool_calls"), new Done());
    }

    @Test
    void brokenArgumentsAreSentAsAnEmptyObject() {
        OllamaStreamEncoder encoder = new OllamaStreamEncoder("smart", false);

        byte[] out = encodeAll(encoder, List.of(new ToolCallDelta(0, "c", "f", "{\"a\":"), new Finish("length"), new Done()));

        List<JsonNode> lines = Goldens.lines(out);
        assertThat(lines.getFirst().at("/message/tool_calls/0/function/arguments")).isEqualTo(tree("{}"));
        assertThat(lines.get(1).get("done_reason").asText()).isEqualTo("length");
    }

    @Test
    void generateStreamsHaveNoToolCalls() throws Exception {
        OllamaStreamEncoder encoder = new OllamaStreamEncoder("poet", true);

        byte[] out = encodeAll(encoder, List.of(new ToolCallDelta(0, "c", "f", "{}"), new TextDelta("x"), new Done()));

        assertThat(decode(out)).containsExactly(new TextDelta("x"), new Finish("stop"), new Done());
    }

    @Test
    void anAnswerWithoutTokensCountsAllItsTimeAsPromptEvaluation() {
        OllamaStreamEncoder encoder = new OllamaStreamEncoder("smart", false, ticking(), new LongSupplier() {
            private final List<Long> reads = new ArrayList<>(List.of(5_000L, 905_000L));

            @Override
            public long getAsLong() {
                return reads.removeFirst();
            }
        });

        JsonNode last = Goldens.lines(encoder.encode(new Done())).getFirst();

        assertThat(last).isEqualTo(tree("{\"model\":\"smart\",\"created_at\":\"2025-06-11T09:45:00Z\","
                + "\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done_reason\":\"stop\",\"done\":true,"
                + "\"total_duration\":900000,\"prompt_eval_duration\":900000}"));
    }
}
