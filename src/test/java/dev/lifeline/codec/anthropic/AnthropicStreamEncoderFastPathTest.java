package dev.lifeline.codec.anthropic;

import dev.lifeline.chat.StreamEvent;
import dev.lifeline.codec.SseDecoder;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Pieces written straight into bytes read back, through Claude's own event shapes, as what was sent. */
class AnthropicStreamEncoderFastPathTest {

    @Test
    void piecesReadBackAsSentAcrossBlockChanges() throws Exception {
        AnthropicStreamEncoder e = new AnthropicStreamEncoder("msg_1", "m");
        List<StreamEvent> sent = List.of(
                new StreamEvent.ReasoningDelta("think "), new StreamEvent.ReasoningDelta("\"hard\"\n"),
                new StreamEvent.TextDelta("Grüße 👋 "), new StreamEvent.TextDelta("\\ back\tslash"),
                new StreamEvent.ReasoningDelta("again"), new StreamEvent.TextDelta("end"),
                new StreamEvent.Finish("stop"), new StreamEvent.Done());
        SseDecoder sse = new SseDecoder();
        AnthropicStreamDecoder decoder = new AnthropicStreamDecoder();
        List<StreamEvent> back = new ArrayList<>();
        for (StreamEvent s : sent) {
            for (SseDecoder.Event ev : sse.feed(e.encode(s))) {
                back.addAll(decoder.decode(ev.event(), ev.dataBytes()));
            }
        }
        assertThat(back).startsWith(sent.subList(0, 6).toArray(new StreamEvent[0]));
        assertThat(back).contains(new StreamEvent.Finish("stop"), new StreamEvent.Done());
    }

    @Test
    void aLoneSurrogateIsWrittenAsAQuestionMark() throws Exception {
        AnthropicStreamEncoder e = new AnthropicStreamEncoder("msg_1", "m");
        e.encode(new StreamEvent.TextDelta("first"));

        List<SseDecoder.Event> events = new SseDecoder().feed(e.encode(new StreamEvent.TextDelta("half \ud83d emoji")));

        assertThat(events).hasSize(1);
        assertThat(events.get(0).data()).contains("\"text\":\"half ? emoji\"");
    }
}
