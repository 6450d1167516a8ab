package dev.lifeline.codec.openai;

import dev.lifeline.chat.StreamEvent;
import dev.lifeline.codec.openai.OpenAiCodec.MalformedChunkException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The streaming chunk reader against the tree reader it replaces on the hot path: for every chunk, the same events or
 * the same refusal. The chunks are generated (seeded, so a failure reproduces): real shapes, plus repeated keys, wrong
 * types, nulls, in-band errors and broken JSON, in random field orders.
 */
class ChunkReaderTest {
    private static final int CASES = 20_000;

    @Test
    void givesTheSameEventsAsTheTreeReaderForEveryGeneratedChunk() {
        Random random = new Random(20261121);
        int fastPath = 0;
        for (int i = 0; i < CASES; i++) {
            String chunk = new Generator(random).root();
            Object tree = outcome(() -> OpenAiCodec.decodeChunkTree(chunk));
            byte[] bytes = chunk.getBytes(StandardCharsets.UTF_8);
            Object fast = outcome(() -> OpenAiCodec.decodeChunk(bytes, 0, bytes.length));
            assertThat(fast).as("case %d: %s", i, chunk).isEqualTo(tree);
            if (tree instanceof List<?> events && !events.isEmpty()) {
                fastPath++;
            }
        }
        assertThat(fastPath).as("the generator makes enough chunks that carry events").isGreaterThan(CASES / 4);
    }

    @Test
    void readsAChunkInsideALargerBuffer() throws Exception {
        byte[] buffer = "xxxx{\"choices\":[{\"delta\":{\"content\":\"héllo\"},\"finish_reason\":null}]}yyyy".getBytes(StandardCharsets.UTF_8);
        List<StreamEvent> events = OpenAiCodec.decodeChunk(buffer, 4, buffer.length - 8);
        assertThat(events).containsExactly(new StreamEvent.TextDelta("héllo"));
    }

    interface Decode {
        List<StreamEvent> run() throws MalformedChunkException;
    }

    /** The events, or the refusal's message. */
    private static Object outcome(Decode d) {
        try {
            return d.run();
        } catch (MalformedChunkException e) {
            return "refused: " + e.getMessage();
        }
    }

    /** Random chunk text, mostly well-formed. */
    private static final class Generator {
        private final Random r;

        Generator(Random r) {
            this.r = r;
        }

        String root() {
            if (r.nextInt(50) == 0) {
                return pick("", "[]", "42", "\"text\"", "null", "{", "{\"choices\":[", "[DONE]", "{} trailing", "{\"a\":1,}");
            }
            List<String> fields = new ArrayList<>();
            fields.add(field("id", "\"chatcmpl-1\""));
            fields.add(field("object", "\"chat.completion.chunk\""));
            if (r.nextInt(10) < 9) {
                fields.add(field("choices", r.nextInt(20) == 0 ? anyValue(1) : choices()));
            }
            if (r.nextInt(4) == 0) {
                fields.add(field("usage", r.nextInt(5) == 0 ? anyValue(1) : usage()));
            }
            if (r.nextInt(8) == 0) {
                fields.add(field("error", pick("null", "\"model is loading\"", "{\"type\":\"server_error\",\"message\":\"boom\"}",
                        "{\"code\":\"overloaded\"}", "42")));
            }
            if (r.nextInt(10) == 0) {
                fields.add(field(pick("choices", "usage", "error"), anyValue(2))); // a repeated key: the last one counts
            }
            return object(fields);
        }

        private String choices() {
            List<String> items = new ArrayList<>();
            for (int i = r.nextInt(3); i >= 0; i--) {
                items.add(r.nextInt(15) == 0 ? anyValue(1) : choice());
            }
            return "[" + String.join(",", items) + "]";
        }

        private String choice() {
            List<String> fields = new ArrayList<>();
            fields.add(field("index", "0"));
            if (r.nextInt(10) < 9) {
                fields.add(field("delta", r.nextInt(15) == 0 ? anyValue(1) : delta()));
            }
            fields.add(field("finish_reason", pick("null", "null", "\"stop\"", "\"length\"", "\"tool_calls\"", "7", "{}")));
            if (r.nextInt(5) == 0) {
                fields.add(field("logprobs", anyValue(2)));
            }
            if (r.nextInt(15) == 0) {
                fields.add(field(pick("delta", "finish_reason"), anyValue(1)));
            }
            return object(fields);
        }

        private String delta() {
            List<String> fields = new ArrayList<>();
            if (r.nextBoolean()) {
                fields.add(field("role", "\"assistant\""));
            }
            for (String name : List.of("content", "reasoning_content", "reasoning", "refusal")) {
                if (r.nextInt(3) == 0) {
                    fields.add(field(name, r.nextInt(6) == 0 ? anyValue(1) : text()));
                }
            }
            if (r.nextInt(4) == 0) {
                fields.add(field("tool_calls", r.nextInt(6) == 0 ? anyValue(1) : toolCalls()));
            }
            if (r.nextInt(12) == 0) {
                fields.add(field(pick("content", "tool_calls", "reasoning"), anyValue(1)));
            }
            return object(fields);
        }

        private String toolCalls() {
            List<String> items = new ArrayList<>();
            for (int i = r.nextInt(3); i >= 0; i--) {
                items.add(r.nextInt(8) == 0 ? anyValue(1) : "{\"index\":" + pick("0", "1", "2", "\"3\"", "null", "1.5")
                        + ",\"id\":\"call_1\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"a\\\":1}\"}}");
            }
            return "[" + String.join(",", items) + "]";
        }

        private String usage() {
            return "{\"prompt_tokens\":" + pick("12", "0", "\"7\"", "null", "3.0") + ",\"completion_tokens\":" + pick("5", "\"x\"", "9") + "}";
        }

        private String text() {
            return pick("\"\"", "\"Hello\"", "\" world\"", "\"\\u00e9t\\u00e9 \\ud83d\\ude00\"", "\"line\\nbreak\"", "null");
        }

        private String anyValue(int depth) {
            int kind = r.nextInt(depth > 0 ? 7 : 5);
            return switch (kind) {
                case 0 -> "null";
                case 1 -> "\"s\"";
                case 2 -> String.valueOf(r.nextInt(100));
                case 3 -> "true";
                case 4 -> "2.5e3";
                case 5 -> "[" + anyValue(depth - 1) + "," + anyValue(depth - 1) + "]";
                default -> "{\"content\":" + anyValue(depth - 1) + ",\"delta\":" + anyValue(depth - 1) + "}";
            };
        }

        private String field(String name, String value) {
            return "\"" + name + "\":" + value;
        }

        private String object(List<String> fields) {
            List<String> shuffled = new ArrayList<>(fields);
            Collections.shuffle(shuffled, r);
            return "{" + String.join(r.nextBoolean() ? "," : ", ", shuffled) + "}";
        }

        @SafeVarargs
        private <T> T pick(T... options) {
            return options[r.nextInt(options.length)];
        }
    }
}
