package dev.lifeline.codec.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.core.ObjectMappers;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import dev.lifeline.chat.StreamEvent;
import dev.lifeline.chat.StreamEvent.Done;
import dev.lifeline.chat.StreamEvent.Error;
import dev.lifeline.chat.StreamEvent.Finish;
import dev.lifeline.chat.StreamEvent.ReasoningDelta;
import dev.lifeline.chat.StreamEvent.TextDelta;
import dev.lifeline.chat.StreamEvent.ToolCallDelta;
import dev.lifeline.chat.StreamEvent.Usage;
import dev.lifeline.codec.SseDecoder;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A neutral event stream written as OpenAI chunks: what OpenAI's own decoder and the official SDK read back. */
class OpenAiStreamEncoderTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ID = "chatcmpl-lifeline-7f3a";
    private static final String MODEL = "claude-sonnet-4-5";
    private static final long CREATED = 1741570283L;

    /** The events of the golden transcript, usage before the finish reason as Anthropic reports it. */
    private static final List<StreamEvent> GOLDEN_EVENTS = List.of(
            new ReasoningDelta("Two questions: weather and local time."),
            new TextDelta("Let me check "),
            new TextDelta("\"both\" \u2014 one moment\n"),
            new ToolCallDelta(0, "call_weather_1", "get_weather", ""),
            new ToolCallDelta(1, "call_time_1", "get_time", ""),
            new ToolCallDelta(0, "", "", "{\"city\":"),
            new ToolCallDelta(1, "", "", "{}"),
            new ToolCallDelta(0, "", "", "\"Paris\"}"),
            new Usage(412, 58),
            new Finish("tool_calls"),
            new Done());

    private static byte[] golden(String name) {
        try (InputStream in = OpenAiStreamEncoderTest.class.getResourceAsStream("/golden/openai/" + name)) {
            assertThat(in).as("golden file %s", name).isNotNull();
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] encodeAll(OpenAiStreamEncoder encoder, List<StreamEvent> events) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (StreamEvent e : events) {
            out.writeBytes(encoder.encode(e));
        }
        return out.toByteArray();
    }

    private static byte[] encodeAll(boolean includeUsage, StreamEvent... events) {
        return encodeAll(new OpenAiStreamEncoder(ID, MODEL, CREATED, includeUsage), List.of(events));
    }

    /** The SSE events' data payloads. */
    private static List<String> payloads(byte[] wire) throws Exception {
        SseDecoder sse = new SseDecoder();
        List<String> data = new ArrayList<>();
        for (SseDecoder.Event e : sse.feed(wire)) {
            data.add(e.data());
        }
        assertThat(sse.hasPartialEvent()).isFalse();
        return data;
    }

    /** What the gateway's own OpenAI decoder reads from the wire. */
    private static List<StreamEvent> decode(byte[] wire) throws Exception {
        List<StreamEvent> events = new ArrayList<>();
        for (String data : payloads(wire)) {
            events.addAll(OpenAiCodec.decodeChunk(data));
        }
        return events;
    }

    @Test
    void goldenTranscript() {
        byte[] wire = encodeAll(new OpenAiStreamEncoder(ID, MODEL, CREATED, true), GOLDEN_EVENTS);

        assertThat(new String(wire, StandardCharsets.UTF_8)).isEqualTo(new String(golden("translation-stream.sse"), StandardCharsets.UTF_8));
    }

    /** Every event comes back, and the usage lands after the finish reason, where OpenAI puts it. */
    @Test
    void goldenTranscriptDecodesToTheSameEvents() throws Exception {
        assertThat(decode(golden("translation-stream.sse"))).containsExactly(
                new ReasoningDelta("Two questions: weather and local time."),
                new TextDelta("Let me check "),
                new TextDelta("\"both\" \u2014 one moment\n"),
                new ToolCallDelta(0, "call_weather_1", "get_weather", ""),
                new ToolCallDelta(1, "call_time_1", "get_time", ""),
                new ToolCallDelta(0, "", "", "{\"city\":"),
                new ToolCallDelta(1, "", "", "{}"),
                new ToolCallDelta(0, "", "", "\"Paris\"}"),
                new Finish("tool_calls"),
                new Usage(412, 58),
                new Done());
    }

    @Test
    void roundTripOfAnyText() throws Exception {
        List<StreamEvent> events = List.of(new TextDelta("quotes \" backslash \\ tab \t nul \u0000 line\r\n"),
                new TextDelta("\u00e9\u2713 \ud83d\ude00 </script>"), new ReasoningDelta("\u2028"),
                new Finish("length"), new Usage(1, 2), new Done());

        assertThat(decode(encodeAll(true, events.toArray(StreamEvent[]::new)))).isEqualTo(events);
    }

    @Test
    void theRoleChunkComesFirstAndOnce() throws Exception {
        OpenAiStreamEncoder encoder = new OpenAiStreamEncoder(ID, MODEL, CREATED, false);

        List<String> first = payloads(encoder.encode(new TextDelta("Hi")));
        List<String> second = payloads(encoder.encode(new TextDelta("!")));

        assertThat(first).hasSize(2);
        assertThat(JSON.readTree(first.get(0)).at("/choices/0/delta")).isEqualTo(JSON.readTree("{\"role\":\"assistant\",\"content\":\"\"}"));
        assertThat(JSON.readTree(first.get(1)).at("/choices/0/delta")).isEqualTo(JSON.readTree("{\"content\":\"Hi\"}"));
        assertThat(second).hasSize(1);
        // a stream that only finishes still announces the role first
        assertThat(payloads(encodeAll(false, new Finish("stop"), new Done())))
                .extracting(d -> d.equals("[DONE]") ? "[DONE]" : JSON.readTree(d).at("/choices/0").toString())
                .containsExactly("{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}",
                        "{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}",
                        "[DONE]");
    }

    @Test
    void everyChunkSharesIdCreatedAndModel() throws Exception {
        for (String data : payloads(golden("translation-stream.sse"))) {
            if (data.equals("[DONE]")) {
                continue;
            }
            JsonNode chunk = JSON.readTree(data);
            assertThat(chunk.get("id").asText()).isEqualTo(ID);
            assertThat(chunk.get("object").asText()).isEqualTo("chat.completion.chunk");
            assertThat(chunk.get("created").asLong()).isEqualTo(CREATED);
            assertThat(chunk.get("model").asText()).isEqualTo(MODEL);
        }
    }

    @Test
    void usageBeforeTheFinishReasonIsHeldUntilIt() {
        OpenAiStreamEncoder encoder = new OpenAiStreamEncoder(ID, MODEL, CREATED, true);
        encoder.encode(new TextDelta("Hi"));

        assertThat(encoder.encode(new Usage(5, 1))).isEmpty();
        String finish = new String(encoder.encode(new Finish("stop")), StandardCharsets.UTF_8);

        assertThat(finish).contains("\"finish_reason\":\"stop\"");
        assertThat(finish.indexOf("\"finish_reason\":\"stop\"")).isLessThan(finish.indexOf("\"prompt_tokens\":5"));
        assertThat(new String(encoder.encode(new Done()), StandardCharsets.UTF_8)).isEqualTo("data: [DONE]\n\n");
    }

    /** An upstream that ends without its end marker: the gateway ends the stream itself, so nothing may wait for Done. */
    @Test
    void usageAfterTheFinishReasonIsWrittenAtOnce() throws Exception {
        OpenAiStreamEncoder encoder = new OpenAiStreamEncoder(ID, MODEL, CREATED, true);
        encoder.encode(new TextDelta("Hi"));
        encoder.encode(new Finish("stop"));

        assertThat(decode(encoder.encode(new Usage(5, 1)))).containsExactly(new Usage(5, 1));
    }

    @Test
    void usageWithoutAFinishReasonGoesBeforeDone() throws Exception {
        assertThat(decode(encodeAll(true, new TextDelta("Hi"), new Usage(5, 1), new Done())))
                .containsExactly(new TextDelta("Hi"), new Usage(5, 1), new Done());
    }

    /** Anthropic reports input tokens at the start and output tokens at the end: each count is the largest seen. */
    @Test
    void usageReportsAreMerged() throws Exception {
        byte[] wire = encodeAll(true, new Usage(25, 1), new TextDelta("Hi"), new Usage(0, 15), new Finish("stop"),
                new Usage(25, 15), new Done());

        assertThat(decode(wire)).containsExactly(new TextDelta("Hi"), new Finish("stop"), new Usage(25, 15), new Done());
    }

    @Test
    void noUsageChunkWhenTheClientDidNotAskForIt() throws Exception {
        byte[] wire = encodeAll(false, new TextDelta("Hi"), new Usage(5, 1), new Finish("stop"), new Done());

        assertThat(decode(wire)).containsExactly(new TextDelta("Hi"), new Finish("stop"), new Done());
        assertThat(new String(wire, StandardCharsets.UTF_8)).doesNotContain("usage");
    }

    @Test
    void chunksCarryANullUsageOnlyWhenUsageWasAskedFor() throws Exception {
        for (String data : payloads(encodeAll(true, new TextDelta("Hi"), new Finish("stop")))) {
            assertThat(JSON.readTree(data).get("usage").isNull()).isTrue();
        }
    }

    @Test
    void nothingAfterDone() {
        OpenAiStreamEncoder encoder = new OpenAiStreamEncoder(ID, MODEL, CREATED, true);
        encoder.encode(new Done());

        assertThat(encoder.encode(new TextDelta("late"))).isEmpty();
        assertThat(encoder.encode(new Usage(1, 1))).isEmpty();
        assertThat(encoder.encode(new Done())).isEmpty();
    }

    @Test
    void anErrorIsTheGatewaysInBandErrorShape() throws Exception {
        byte[] wire = encodeAll(false, new TextDelta("Hi"), new Error("overloaded_error", "Overloaded"));

        assertThat(decode(wire)).containsExactly(new TextDelta("Hi"), new Error("overloaded_error", "Overloaded"));
        OpenAiStreamEncoder encoder = new OpenAiStreamEncoder(ID, MODEL, CREATED, false);
        assertThat(encoder.encode(new Error("overloaded_error", "Overloaded")))
                .isEqualTo(OpenAiCodec.streamError("Overloaded", "overloaded_error", "overloaded_error"));
    }

    @Test
    void toolCallDeltasCarryIdTypeAndNameOnlyWhenKnown() throws Exception {
        OpenAiStreamEncoder encoder = new OpenAiStreamEncoder(ID, MODEL, CREATED, false);
        encoder.encode(new TextDelta(""));

        JsonNode first = JSON.readTree(payloads(encoder.encode(new ToolCallDelta(2, "call_x", "f", "{"))).getFirst());
        JsonNode next = JSON.readTree(payloads(encoder.encode(new ToolCallDelta(2, "", "", "}"))).getFirst());

        assertThat(first.at("/choices/0/delta/tool_calls/0")).isEqualTo(JSON.readTree(
                "{\"index\":2,\"id\":\"call_x\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{\"}}"));
        assertThat(next.at("/choices/0/delta/tool_calls/0")).isEqualTo(JSON.readTree(
                "{\"index\":2,\"function\":{\"arguments\":\"}\"}}"));
    }

    /** The official OpenAI Java SDK parses and validates every chunk, and its accumulator rebuilds the answer. */
    @Test
    void theOfficialSdkRebuildsTheAnswer() throws Exception {
        ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
        List<String> payloads = payloads(golden("translation-stream.sse"));
        assertThat(payloads.getLast()).isEqualTo("[DONE]");
        for (String data : payloads.subList(0, payloads.size() - 1)) {
            accumulator.accumulate(ObjectMappers.jsonMapper().readValue(data, ChatCompletionChunk.class).validate());
        }

        ChatCompletion c = accumulator.chatCompletion();

        assertThat(c.id()).isEqualTo(ID);
        assertThat(c.model()).isEqualTo(MODEL);
        ChatCompletion.Choice choice = c.choices().getFirst();
        assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
        assertThat(choice.message().content()).hasValue("Let me check \"both\" \u2014 one moment\n");
        assertThat(choice.message().toolCalls().orElseThrow())
                .extracting(t -> t.asFunction().id(), t -> t.asFunction().function().name(), t -> t.asFunction().function().arguments())
                .containsExactly(Tuple.tuple("call_weather_1", "get_weather", "{\"city\":\"Paris\"}"),
                        Tuple.tuple("call_time_1", "get_time", "{}"));
        assertThat(c.usage().orElseThrow().promptTokens()).isEqualTo(412);
        assertThat(c.usage().orElseThrow().completionTokens()).isEqualTo(58);
    }
}
