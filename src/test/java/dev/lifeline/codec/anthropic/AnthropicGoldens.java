package dev.lifeline.codec.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeline.codec.SseDecoder;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Golden wire files of the Anthropic dialect and the helpers the tests read them with. */
final class AnthropicGoldens {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AnthropicGoldens() {
    }

    static byte[] golden(String name) {
        try (InputStream in = AnthropicGoldens.class.getResourceAsStream("/golden/anthropic/" + name)) {
            assertThat(in).as("golden file %s", name).isNotNull();
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String str(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /** The JSON tree of some bytes, for comparing documents regardless of layout and key order. */
    static JsonNode tree(byte[] body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + str(body), e);
        }
    }

    /** The SSE events in a byte stream, fed to the framing in pieces of {@code piece} bytes as network reads would. */
    static List<SseDecoder.Event> events(byte[] stream, int piece) {
        SseDecoder sse = new SseDecoder();
        List<SseDecoder.Event> events = new ArrayList<>();
        try {
            for (int at = 0; at < stream.length; at += piece) {
                events.addAll(sse.feed(stream, at, Math.min(piece, stream.length - at)));
            }
        } catch (SseDecoder.MalformedStreamException e) {
            throw new AssertionError(e);
        }
        assertThat(sse.hasPartialEvent()).as("the stream ends on an event boundary").isFalse();
        return events;
    }
}
