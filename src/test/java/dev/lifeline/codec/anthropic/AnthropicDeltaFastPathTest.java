package dev.lifeline.codec.anthropic;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The streaming read of Claude's per-token events against the general tree read: for every generated
 * {@code content_block_delta} (usual shapes, odd types, repeated keys, broken JSON, unknown blocks), the same events or
 * the same refusal. Seeded, so a failure reproduces.
 */
class AnthropicDeltaFastPathTest {
    private static final String[] STARTS = {
            "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
            "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\"}}",
            "{\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"f\",\"input\":{}}}"};

    @Test
    void givesTheSameEventsAsTheTreeReadForEveryGeneratedDelta() {
        Random r = new Random(20261121);
        int withEvents = 0;
        for (int i = 0; i < 20_000; i++) {
            String data = delta(r);
            Object fast = outcome(data, true);
            Object tree = outcome(data, false);
            assertThat(fast).as("case %d: %s", i, data).isEqualTo(tree);
            if (tree instanceof List<?> l && !l.isEmpty()) {
                withEvents++;
            }
        }
        assertThat(withEvents).as("enough deltas carry events").isGreaterThan(1_500);
    }

    private static Object outcome(String data, boolean bytes) {
        AnthropicStreamDecoder d = new AnthropicStreamDecoder();
        try {
            for (String start : STARTS) {
                d.decode("content_block_start", start);
            }
            return bytes ? d.decode("content_block_delta", data.getBytes(StandardCharsets.UTF_8)) : d.decode("content_block_delta", data);
        } catch (MalformedResponseException e) {
            return "refused: " + e.getMessage();
        }
    }

    private static String delta(Random r) {
        if (r.nextInt(40) == 0) {
            return pick(r, "", "[]", "{", "{\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"a\"}} trailing", "null");
        }
        List<String> fields = new ArrayList<>();
        fields.add("\"type\":\"content_block_delta\"");
        if (r.nextInt(12) != 0) {
            fields.add("\"index\":" + pick(r, "0", "1", "2", "2", "7", "-1", "1.0", "\"1\"", "99999999999"));
        }
        if (r.nextInt(12) != 0) {
            fields.add("\"delta\":" + (r.nextInt(15) == 0 ? pick(r, "null", "\"x\"", "[]", "5") : inner(r)));
        }
        if (r.nextInt(10) == 0) {
            fields.add(pick(r, "\"index\":1", "\"delta\":{\"type\":\"text_delta\",\"text\":\"dup\"}", "\"extra\":{\"a\":[1,2]}"));
        }
        Collections.shuffle(fields, r);
        return "{" + String.join(",", fields) + "}";
    }

    private static String inner(Random r) {
        List<String> fields = new ArrayList<>();
        String type = pick(r, "text_delta", "text_delta", "thinking_delta", "input_json_delta", "signature_delta", "citations_delta", "", "");
        fields.add("\"type\":" + (type.isEmpty() ? pick(r, "5", "null") : "\"" + type + "\""));
        String own = switch (type) {
            case "text_delta" -> "text";
            case "thinking_delta" -> "thinking";
            default -> "partial_json";
        };
        if (r.nextInt(5) != 0) {
            fields.add("\"" + own + "\":" + pick(r, "\"Bonjour\"", "\" \\u00e9t\\u00e9 \\ud83d\\ude00\"", "\"{\\\"a\\\":\"", "\"\"", "7"));
        }
        for (String name : List.of("text", "thinking", "partial_json", "signature")) {
            if (r.nextInt(4) == 0) {
                fields.add("\"" + name + "\":" + pick(r, "\"\"", "\"Bonjour\"", "\" \\u00e9t\\u00e9 \\ud83d\\ude00\"", "\"{\\\"a\\\":\"",
                        "7", "null", "{}", "[\"x\"]"));
            }
        }
        Collections.shuffle(fields, r);
        return "{" + String.join(",", fields) + "}";
    }

    private static String pick(Random r, String... options) {
        return options[r.nextInt(options.length)];
    }
}
