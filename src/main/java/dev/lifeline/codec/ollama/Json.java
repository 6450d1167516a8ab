package dev.lifeline.codec.ollama;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.lifeline.codec.BadRequestException;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** The dialect's JSON: one mapper, and the reading rules of Ollama's Go decoder. */
final class Json {
    static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
            .build();
    /** Numbers are kept exactly as written (tool arguments and schemas pass through without rounding). */
    static final ObjectMapper MAPPER = JsonMapper.builder(FACTORY)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .build();

    private Json() {
    }

    /**
     * An object's fields as Go's {@code encoding/json} matches them to a struct: names without regard to case
     * (Unicode simple folding, so {@code Stream} and {@code STREAM} are {@code stream}), the last of repeated names
     * winning. Keys are the folded names. Only for Ollama's structs: its {@code map} fields ({@code options}, tool
     * arguments) match names exactly.
     */
    static Map<String, JsonNode> fields(JsonNode object) {
        Map<String, JsonNode> out = new HashMap<>();
        for (Map.Entry<String, JsonNode> e : object.properties()) {
            out.put(fold(e.getKey()), e.getValue());
        }
        return out;
    }

    private static String fold(String name) {
        char[] chars = name.toCharArray();
        for (int i = 0; i < chars.length; i++) {
            chars[i] = Character.toLowerCase(Character.toUpperCase(chars[i]));
        }
        return new String(chars);
    }

    /** True when a field is missing or {@code null}, which Go's decoder treats alike. */
    static boolean absent(JsonNode v) {
        return v == null || v.isNull();
    }

    /** Compact JSON text of a node. */
    static String text(JsonNode n) {
        try {
            return MAPPER.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("writing a parsed JSON tree cannot fail", e);
        }
    }

    static byte[] bytes(JsonNode n) {
        try {
            return MAPPER.writeValueAsBytes(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("writing a JSON tree cannot fail", e);
        }
    }

    /** A refusal of the client's request that names the field: {@code messages[1].role: must be ...}. */
    static BadRequestException refuse(String path, String problem) {
        return new BadRequestException(path + ": " + problem, Optional.of(path));
    }
}
