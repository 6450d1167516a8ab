package dev.lifeline.codec.ollama;

import dev.lifeline.chat.StreamEvent;
import dev.lifeline.chat.StreamEvent.Done;
import dev.lifeline.chat.StreamEvent.Error;
import dev.lifeline.chat.StreamEvent.Finish;
import dev.lifeline.chat.StreamEvent.ReasoningDelta;
import dev.lifeline.chat.StreamEvent.TextDelta;
import dev.lifeline.chat.StreamEvent.ToolCallDelta;
import dev.lifeline.chat.StreamEvent.Usage;
import dev.lifeline.codec.ollama.OllamaStreamDecoder.Line;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static dev.lifeline.codec.ollama.Goldens.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

/** Ollama's NDJSON streams as servers send them, in any TCP segmentation, read into stream events. */
class OllamaStreamDecoderTest {

    static Stream<Arguments> transcripts() {
        return Stream.of(
                Arguments.of("chat-stream.ndjson", List.of(
                        new TextDelta("The"),
                        new TextDelta(" sky is blue"),
                        new TextDelta(" because of Rayleigh scattering: \"blue\" light scatters more. Grüße 👋"),
                        new Finish("stop"), new Usage(26, 282), new Done())),
                Arguments.of("tool-call-stream.ndjson", List.of(
                        new ToolCallDelta(0, "call_k3x9d0qa", "get_weather", "{\"city\":\"London\",\"unit\":\"celsius\",\"hours\":3}"),
                        new ToolCallDelta(1, "call_7m2bq8ze", "get_time", "{\"timezone\":\"Europe/London\"}"),
                        new Finish("tool_calls"), new Usage(155, 81), new Done())),
                Arguments.of("thinking-stream.ndjson", List.of(
                        new ReasoningDelta("Okay"), new ReasoningDelta(", 17 × 3 = 51."),
                        new TextDelta("17 × 3 is "), new TextDelta("51."),
                        new Finish("stop"), new Usage(18, 24), new Done())),
                Arguments.of("generate-stream.ndjson", List.of(
                        new TextDelta("Cherry"), new TextDelta(" petals drift"),
                        new Finish("length"), new Usage(31, 3), new Done())),
                Arguments.of("error-stream.ndjson", List.of(
                        new TextDelta("Once upon"),
                        new Error("error", "an error was encountered while running the model: unexpected EOF"))));
    }

    private static List<StreamEvent> feedInPieces(byte[] bytes, int[] sizes) throws MalformedResponseException {
        OllamaStreamDecoder decoder = new OllamaStreamDecoder();
        List<StreamEvent> events = new ArrayList<>();
        int at = 0;
        for (int i = 0; at < bytes.length; i++) {
            int n = Math.min(sizes[i % sizes.length], bytes.length - at);
            // a larger buffer with the piece in the middle: offsets must be honoured
            byte[] buffer = new byte[n + 6];
            System.arraycopy(bytes, at, buffer, 3, n);
            events.addAll(decoder.feed(buffer, 3, n));
            at += n;
        }
        assertThat(decoder.hasPartialLine()).isFalse();
        return events;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transcripts")
    void readsTheGoldenTranscriptWhole(String name, List<StreamEvent> expected) throws Exception {
        byte[] bytes = Goldens.bytes(name);

        assertThat(feedInPieces(bytes, new int[] {bytes.length})).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transcripts")
    void readsTheGoldenTranscriptInOddPieces(String name, List<StreamEvent> expected) throws Exception {
        byte[] bytes = Goldens.bytes(name);

        for (int size = 1; size <= 13; size++) {
            assertThat(feedInPieces(bytes, new int[] {size})).as("pieces of %d bytes", size).isEqualTo(expected);
        }
        Random random = new Random(42);
        for (int round = 0; round < 50; round++) {
            int[] sizes = random.ints(20, 1, 200).toArray();
            assertThat(feedInPieces(bytes, sizes)).as("pieces of %s bytes", Arrays.toString(sizes)).isEqualTo(expected);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("transcripts")
    void readsTheGoldenTranscriptWithCrLfAndBlankLines(String name, List<StreamEvent> expected) throws Exception {
        byte[] bytes = utf8("\r\n" + Goldens.text(name).replace("\n", "\r\n\r\n"));

        assertThat(feedInPieces(bytes, new int[] {3, 1, 2})).isEqualTo(expected);
    }

    @Test
    void handsOutEachLineAsItCameForPassThrough() throws Exception {
        String transcript = Goldens.text("chat-stream.ndjson");
        String[] expected = transcript.split("\n");
        OllamaStreamDecoder decoder = new OllamaStreamDecoder();
        byte[] bytes = utf8(transcript);

        List<Line> lines = new ArrayList<>(decoder.lines(bytes, 0, 150));
        lines.addAll(decoder.lines(bytes, 150, bytes.length - 150));

        assertThat(lines).extracting(l -> new String(l.bytes(), StandardCharsets.UTF_8)).containsExactly(expected);
        assertThat(lines).extracting(Line::events).containsExactly(
                List.of(new TextDelta("The")),
                List.of(new TextDelta(" sky is blue")),
                List.of(new TextDelta(" because of Rayleigh scattering: \"blue\" light scatters more. Grüße 👋")),
                List.of(new Finish("stop"), new Usage(26, 282), new Done()));
    }

    @Test
    void countsCallsAndGivesThemIdsWhenOllamaDoesNot() throws Exception {
        OllamaStreamDecoder decoder = new OllamaStreamDecoder();
        byte[] bytes = utf8("""
                {"model":"llama3.1","created_at":"2024-07-22T20:33:28.123648Z","message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"a","arguments":{"x":1}}},{"function":{"name":"b","arguments":{}}}]},"done":false}
                {"model":"llama3.1","created_at":"2024-07-22T20:33:28.2Z","message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"c"}}]},"done":false}
                {"model":"llama3.1","created_at":"2024-07-22T20:33:28.3Z","message":{"role":"assistant","content":""},"done":true}
                """);

        List<StreamEvent> events = decoder.feed(bytes, 0, bytes.length);

        assertThat(events).hasSize(5);
        List<ToolCallDelta> calls = events.subList(0, 3).stream().map(ToolCallDelta.class::cast).toList();
        assertThat(calls).extracting(ToolCallDelta::index, ToolCallDelta::name, ToolCallDelta::argumentsDelta).containsExactly(
                tuple(0, "a", "{\"x\":1}"),
                tuple(1, "b", "{}"),
                tuple(2, "c", "{}"));
        assertThat(calls).extracting(ToolCallDelta::id).allMatch(id -> id.matches("call_[a-z0-9]{16}")).doesNotHaveDuplicates();
        assertThat(events.subList(3, 5)).as("no done_reason, as before Ollama 0.2: stop, and tool calls came; no counts, no usage")
                .containsExactly(new Finish("tool_calls"), new Done());
    }

    @Test
    void aFinalLineCanCarryTextAndEndsWithoutUsageWhenItHasNoCounts() throws Exception {
        OllamaStreamDecoder decoder = new OllamaStreamDecoder();
        byte[] bytes = utf8("{\"response\":\"end.\",\"thinking\":\"hm\",\"done\":true,\"done_reason\":\"load\"}\n");

        assertThat(decoder.feed(bytes, 0, bytes.length))
                .containsExactly(new ReasoningDelta("hm"), new TextDelta("end."), new Finish("stop"), new Done());
    }

    @Test
    void readsAnErrorObjectAsProxiesWriteIt() throws Exception {
        byte[] bytes = utf8("{\"error\":{\"message\":\"upstream timed out\",\"code\":504}}\n");

        assertThat(new OllamaStreamDecoder().feed(bytes, 0, bytes.length)).containsExactly(new Error("error", "upstream timed out"));
    }

    @Test
    void ignoresFieldsItDoesNotKnowAndRepeatedOnesCountLast() throws Exception {
        byte[] bytes = utf8("{\"logprobs\":[{\"token\":\"a\",\"logprob\":-0.1}],\"message\":{\"role\":\"assistant\",\"content\":\"x\","
                + "\"images\":null,\"content\":\"y\"},\"remote_host\":\"https://ollama.com\",\"done\":false}\n");

        assertThat(new OllamaStreamDecoder().feed(bytes, 0, bytes.length)).containsExactly(new TextDelta("y"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"not json", "[1,2]", "\"text\"", "{\"done\":true} {\"done\":true}", "{\"message\":"})
    void refusesLinesThatAreNoChunk(String line) {
        byte[] bytes = utf8(line + "\n");

        assertThatThrownBy(() -> new OllamaStreamDecoder().feed(bytes, 0, bytes.length))
                .isInstanceOf(MalformedResponseException.class);
    }

    @Test
    void refusesALineLongerThanTheLimit() throws Exception {
        OllamaStreamDecoder decoder = new OllamaStreamDecoder();
        byte[] chunk = new byte[1024 * 1024];
        Arrays.fill(chunk, (byte) ' ');
        for (int i = 0; i < NdjsonDecoder.MAX_LINE_BYTES / chunk.length; i++) {
            assertThat(decoder.feed(chunk, 0, chunk.length)).isEmpty();
        }

        assertThatThrownBy(() -> decoder.feed(new byte[] {'{'}, 0, 1))
                .isInstanceOf(MalformedResponseException.class).hasMessageContaining("longer than");
    }

    @Test
    void knowsWhenTheStreamWasCutInTheMiddleOfALine() throws Exception {
        OllamaStreamDecoder decoder = new OllamaStreamDecoder();
        byte[] bytes = utf8("{\"message\":{\"content\":\"a\"},\"done\":false}\n{\"message\":{\"con");

        assertThat(decoder.feed(bytes, 0, bytes.length)).containsExactly(new TextDelta("a"));
        assertThat(decoder.hasPartialLine()).isTrue();
    }

    @Test
    void replacesInvalidUtf8InTheBytesItHandsOut() throws Exception {
        byte[] bytes = {'{', '"', 'r', 'e', 's', 'p', 'o', 'n', 's', 'e', '"', ':', '"', (byte) 0xC3, '"', '}', '\n'};

        List<Line> lines = new OllamaStreamDecoder().lines(bytes, 0, bytes.length);

        assertThat(new String(lines.getFirst().bytes(), StandardCharsets.UTF_8)).isEqualTo("{\"response\":\"\uFFFD\"}");
        assertThat(lines.getFirst().events()).containsExactly(new TextDelta("\uFFFD"));
    }
}
