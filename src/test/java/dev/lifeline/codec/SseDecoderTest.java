package dev.lifeline.codec;

import dev.lifeline.codec.SseDecoder.Event;
import dev.lifeline.codec.SseDecoder.MalformedStreamException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Server-sent events framing as upstreams really send it: any line ending, any TCP segmentation. */
class SseDecoderTest {

    /** A realistic stream: comments, a named event, multi-line data, non-ASCII text, the OpenAI terminator. */
    private static final String STREAM = String.join("\n",
            ": keep-alive",
            "data: {\"choices\":[{\"delta\":{\"content\":\"Grüße 👋\"}}]}",
            "",
            "event: ping",
            "data: first line",
            "data:second line",
            "data:  indented",
            "id: 7",
            "retry: 1000",
            "",
            ":another comment",
            "",
            "data: [DONE]",
            "",
            "");

    private static final List<Event> EXPECTED = List.of(
            new Event("", "{\"choices\":[{\"delta\":{\"content\":\"Grüße 👋\"}}]}"),
            new Event("ping", "first line\nsecond line\n indented"),
            new Event("", "[DONE]"));

    @ParameterizedTest(name = "line ending {0}")
    @ValueSource(strings = {"LF", "CRLF", "CR"})
    void everyLineEndingGivesTheSameEvents(String ending) throws Exception {
        String eol = switch (ending) {
            case "LF" -> "\n";
            case "CRLF" -> "\r\n";
            default -> "\r";
        };
        byte[] bytes = STREAM.replace("\n", eol).getBytes(StandardCharsets.UTF_8);

        assertThat(new SseDecoder().feed(bytes)).isEqualTo(EXPECTED);
    }

    @ParameterizedTest(name = "line ending {0}")
    @ValueSource(strings = {"\n", "\r\n", "\r"})
    void byteByByteGivesTheSameEvents(String eol) throws Exception {
        byte[] bytes = STREAM.replace("\n", eol).getBytes(StandardCharsets.UTF_8);
        SseDecoder d = new SseDecoder();
        List<Event> got = new ArrayList<>();
        for (int i = 0; i < bytes.length; i++) {
            got.addAll(d.feed(bytes, i, 1));
        }

        assertThat(got).isEqualTo(EXPECTED);
        assertThat(d.hasPartialEvent()).isFalse();
    }

    @Test
    void randomChunkSizesGiveTheSameEvents() throws Exception {
        String mixed = STREAM.replace("data: first line\n", "data: first line\r\n").replace("id: 7\n", "id: 7\r");
        byte[] bytes = mixed.getBytes(StandardCharsets.UTF_8);
        Random random = new Random(42);
        for (int round = 0; round < 500; round++) {
            SseDecoder d = new SseDecoder();
            List<Event> got = new ArrayList<>();
            int i = 0;
            while (i < bytes.length) {
                int n = Math.min(bytes.length - i, random.nextInt(12));
                got.addAll(d.feed(bytes, i, n));
                i += n;
            }
            assertThat(got).as("round %d", round).isEqualTo(EXPECTED);
        }
    }

    @Test
    void crlfSplitBetweenTwoReadsIsOneLineEnd() throws Exception {
        SseDecoder d = new SseDecoder();

        List<Event> first = d.feed("data: a\r\n\r".getBytes(StandardCharsets.US_ASCII));
        List<Event> second = d.feed("\ndata: b\r\n\r\n".getBytes(StandardCharsets.US_ASCII));

        assertThat(first).containsExactly(new Event("", "a"));
        assertThat(second).as("the LF after a CR in the previous read does not end an empty event")
                .containsExactly(new Event("", "b"));
    }

    @Test
    void commentsAloneDispatchNothing() throws Exception {
        SseDecoder d = new SseDecoder();

        assertThat(d.feed(": ping\n\n:\n\n: still here\n\n".getBytes(StandardCharsets.US_ASCII))).isEmpty();
    }

    @Test
    void eventWithoutDataIsNotDispatchedAndItsNameDoesNotLeak() throws Exception {
        SseDecoder d = new SseDecoder();

        List<Event> got = d.feed("event: orphan\n\ndata: x\n\n".getBytes(StandardCharsets.US_ASCII));

        assertThat(got).containsExactly(new Event("", "x"));
    }

    @Test
    void emptyDataLineIsAnEventWithEmptyData() throws Exception {
        assertThat(new SseDecoder().feed("data\n\ndata:\n\n".getBytes(StandardCharsets.US_ASCII)))
                .containsExactly(new Event("", ""), new Event("", ""));
    }

    @Test
    void streamEndingMidEventReportsAPartialEvent() throws Exception {
        SseDecoder d = new SseDecoder();

        assertThat(d.feed("data: {\"choices\":".getBytes(StandardCharsets.US_ASCII))).isEmpty();
        assertThat(d.hasPartialEvent()).isTrue();

        assertThat(d.feed("[]}\n".getBytes(StandardCharsets.US_ASCII))).isEmpty();
        assertThat(d.hasPartialEvent()).as("a data line without the blank line is not an event yet").isTrue();
    }

    @Test
    void oversizeLineIsAMalformedStream() {
        byte[] line = new byte[SseDecoder.MAX_EVENT_BYTES + 1];
        Arrays.fill(line, (byte) 'x');
        System.arraycopy("data: ".getBytes(StandardCharsets.US_ASCII), 0, line, 0, 6);

        assertThatThrownBy(() -> new SseDecoder().feed(line))
                .isInstanceOf(MalformedStreamException.class)
                .hasMessageContaining(String.valueOf(SseDecoder.MAX_EVENT_BYTES));
    }

    @Test
    void oversizeEventOfManyShortLinesIsAMalformedStream() {
        byte[] line = ("data: " + "y".repeat(1000) + "\n").getBytes(StandardCharsets.US_ASCII);
        SseDecoder d = new SseDecoder();

        assertThatThrownBy(() -> {
            for (int i = 0; i < 2 * (SseDecoder.MAX_EVENT_BYTES / line.length); i++) { // twice the limit, never a blank line
                d.feed(line);
            }
        }).isInstanceOf(MalformedStreamException.class).hasMessageContaining("event larger than");
    }

    @Test
    void largeEventsBelowTheLimitAreFine() throws Exception {
        String big = "z".repeat(1_000_000);
        SseDecoder d = new SseDecoder();
        List<Event> got = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            got.addAll(d.feed(("data: " + big + "\n\n").getBytes(StandardCharsets.US_ASCII)));
        }

        assertThat(got).hasSize(3).allSatisfy(e -> assertThat(e.data()).hasSize(1_000_000));
    }

    @Test
    void encodeRoundTrips() throws Exception {
        List<Event> events = List.of(
                new Event("", "{\"a\":1}"),
                new Event("error", "line one\nline two"),
                new Event("", ""),
                new Event("", " leading space"),
                new Event("", "trailing newline\n"),
                new Event("", "ünïcödé ✓"));
        SseDecoder d = new SseDecoder();
        List<Event> back = new ArrayList<>();
        for (Event e : events) {
            back.addAll(d.feed(SseDecoder.encode(e)));
        }

        assertThat(back).isEqualTo(events);
    }

    @Test
    void encodeWritesTheWireFormatClientsExpect() {
        assertThat(new String(SseDecoder.encode(new Event("", "[DONE]")), StandardCharsets.UTF_8)).isEqualTo("data: [DONE]\n\n");
        assertThat(new String(SseDecoder.encode(new Event("message", "a\nb")), StandardCharsets.UTF_8))
                .isEqualTo("event: message\ndata: a\ndata: b\n\n");
    }
}
