package dev.lifeline.codec.ollama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The wire files under {@code golden/ollama/} and JSON comparison for the tests of this package. */
final class Goldens {
    /** A plain mapper (doubles, not exact decimals), so that equal JSON texts give equal trees whoever wrote them. */
    private static final ObjectMapper JSON = new ObjectMapper();

    private Goldens() {
    }

    static byte[] bytes(String name) {
        try (InputStream in = Goldens.class.getResourceAsStream("/golden/ollama/" + name)) {
            assertThat(in).as("golden file %s", name).isNotNull();
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String text(String name) {
        return new String(bytes(name), StandardCharsets.UTF_8);
    }

    static JsonNode tree(byte[] json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + new String(json, StandardCharsets.UTF_8), e);
        }
    }

    static JsonNode tree(String json) {
        return tree(json.getBytes(StandardCharsets.UTF_8));
    }

    /** Each line of an NDJSON text as a tree; every line, the last included, must end in a line feed. */
    static List<JsonNode> lines(byte[] ndjson) {
        String text = new String(ndjson, StandardCharsets.UTF_8);
        assertThat(text).as("NDJSON ends with a line feed").endsWith("\n");
        List<JsonNode> out = new ArrayList<>();
        for (String line : text.substring(0, text.length() - 1).split("\n", -1)) {
            out.add(tree(line));
        }
        return out;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
