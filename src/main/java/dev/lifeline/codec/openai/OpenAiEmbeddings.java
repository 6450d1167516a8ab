package dev.lifeline.codec.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lifeline.chat.Embeddings;
import dev.lifeline.codec.BadRequestException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * OpenAI's {@code /v1/embeddings} to and from the neutral {@link Embeddings}, for routes whose target speaks another
 * dialect (an OpenAI-SDK app embedding with Ollama's native API, an Ollama client embedding with an OpenAI-compatible
 * server). Same-dialect requests pass through as bytes.
 */
public final class OpenAiEmbeddings {
    private static final ObjectMapper JSON = new ObjectMapper();

    private OpenAiEmbeddings() {
    }

    /**
     * An OpenAI client's embeddings request. Token arrays (pre-tokenized input) and base64 output cannot be carried
     * to another dialect and are refused by field.
     */
    public static Embeddings.Request toNeutral(OpenAiCodec.Request request) throws BadRequestException {
        JsonNode json = request.json();
        JsonNode in = json.path("input");
        List<String> input = new ArrayList<>();
        if (in.isTextual()) {
            input.add(in.asText());
        } else if (in.isArray()) {
            for (int i = 0; i < in.size(); i++) {
                if (!in.get(i).isTextual()) {
                    throw new BadRequestException("input[" + i + "]: " + in.get(i).getNodeType().name().toLowerCase()
                            + " cannot be translated (expected: text; token arrays only go to OpenAI-dialect backends)",
                            Optional.of("input[" + i + "]"));
                }
                input.add(in.get(i).asText());
            }
        } else {
            throw new BadRequestException("input: " + (in.isMissingNode() ? "missing" : in.toString())
                    + " (expected: a string or an array of strings)", Optional.of("input"));
        }
        JsonNode format = json.path("encoding_format");
        if (format.isTextual() && !format.asText().equals("float")) {
            throw new BadRequestException("encoding_format: \"" + format.asText() + "\" cannot be translated (expected: float)",
                    Optional.of("encoding_format"));
        }
        JsonNode dims = json.path("dimensions");
        OptionalInt dimensions = dims.canConvertToInt() && dims.asInt() > 0 ? OptionalInt.of(dims.asInt()) : OptionalInt.empty();
        return new Embeddings.Request(request.model(), input, dimensions);
    }

    /** The body for an OpenAI-dialect backend. */
    public static byte[] encodeRequest(Embeddings.Request r) {
        ObjectNode root = JSON.createObjectNode();
        root.put("model", r.model());
        ArrayNode input = root.putArray("input");
        r.input().forEach(input::add);
        r.dimensions().ifPresent(d -> root.put("dimensions", d));
        return bytes(root);
    }

    /** An OpenAI-dialect backend's answer: {@code data[].embedding} in {@code index} order, {@code usage.prompt_tokens}. */
    public static Embeddings.Response parseResponse(byte[] body) throws OpenAiCodec.MalformedChunkException {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw new OpenAiCodec.MalformedChunkException("the response body is not valid JSON");
        }
        JsonNode data = root == null ? null : root.get("data");
        if (data == null || !data.isArray()) {
            throw new OpenAiCodec.MalformedChunkException("the response has no data array");
        }
        float[][] vectors = new float[data.size()][];
        for (JsonNode item : data) {
            int index = item.path("index").asInt(-1);
            JsonNode e = item.path("embedding");
            if (index < 0 || index >= vectors.length || vectors[index] != null || !e.isArray()) {
                throw new OpenAiCodec.MalformedChunkException("an embedding has no usable index or is not an array of numbers");
            }
            float[] v = new float[e.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = e.get(i).floatValue();
            }
            vectors[index] = v;
        }
        return new Embeddings.Response(root.path("model").asText(""), List.of(vectors), root.path("usage").path("prompt_tokens").asLong(0));
    }

    /** The answer to an OpenAI client. */
    public static byte[] encodeResponse(Embeddings.Response r) {
        ObjectNode root = JSON.createObjectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        for (int i = 0; i < r.vectors().size(); i++) {
            ObjectNode item = data.addObject();
            item.put("object", "embedding");
            item.put("index", i);
            ArrayNode v = item.putArray("embedding");
            for (float x : r.vectors().get(i)) {
                v.add(x);
            }
        }
        root.put("model", r.model());
        root.putObject("usage").put("prompt_tokens", r.promptTokens()).put("total_tokens", r.promptTokens());
        return bytes(root);
    }

    private static byte[] bytes(JsonNode n) {
        try {
            return JSON.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
