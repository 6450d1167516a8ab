package dev.lifeline.codec.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeline.chat.StreamEvent;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Text after the first chunk is written straight into bytes; it must read back exactly as the general way writes it. */
class OpenAiStreamEncoderFastPathTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyKindOfTextReadsBackAsSent() throws Exception {
        String[] texts = {"plain", "\"quoted\" \\ back", "line\nbreak\ttab", "ünïcödé ✓ 👋", "\u0001 control", ""};
        for (boolean usage : new boolean[] {false, true}) {
            OpenAiStreamEncoder e = new OpenAiStreamEncoder("chatcmpl-1", "m", 1, usage);
            e.encode(new StreamEvent.TextDelta("first")); // the role chunk and the first chunk: the general way
            for (String text : texts) {
                byte[] bytes = e.encode(new StreamEvent.TextDelta(text));
                String sse = new String(bytes, StandardCharsets.UTF_8);
                assertThat(sse).startsWith("data: {").endsWith("}\n\n");
                JsonNode chunk = JSON.readTree(sse.substring(6));
                assertThat(chunk.path("choices").path(0).path("delta").path("content").asText()).isEqualTo(text);
                assertThat(chunk.has("usage")).isEqualTo(usage);
                assertThat(chunk.path("choices").path(0).path("finish_reason").isNull()).isTrue();
            }
            byte[] reasoning = e.encode(new StreamEvent.ReasoningDelta("hmm"));
            assertThat(JSON.readTree(new String(reasoning, StandardCharsets.UTF_8).substring(6))
                    .path("choices").path(0).path("delta").path("reasoning_content").asText()).isEqualTo("hmm");
        }
    }

    @Test
    void aLoneSurrogateIsWrittenAsAQuestionMarkNotAnError() throws Exception {
        OpenAiStreamEncoder e = new OpenAiStreamEncoder("chatcmpl-1", "m", 1, false);
        e.encode(new StreamEvent.TextDelta("first"));

        byte[] bytes = e.encode(new StreamEvent.TextDelta("half \ud83d of an emoji"));

        JsonNode chunk = JSON.readTree(new String(bytes, StandardCharsets.UTF_8).substring(6));
        assertThat(chunk.path("choices").path(0).path("delta").path("content").asText()).isEqualTo("half ? of an emoji");
    }
}
