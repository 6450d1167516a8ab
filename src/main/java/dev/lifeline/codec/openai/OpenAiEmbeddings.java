package dev.lifeline.codec.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lifeline.chat.Embeddings;
import dev.lifeline.codec.BadRequestException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
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
     * An OpenAI client's embeddings request. Token arrays (pre-tokenized input) cannot be carried to another dialect
     * and are refused by field. {@code encoding_format: base64} (what the official SDKs ask for unless told
     * otherwise) is answered by {@link #encodeResponse(Embeddings.Response, boolean)}.
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
        if (format.isTextual() && !format.asText().equals("float") && !format.asText().equals("base64")) {
            throw new BadRequestException("encoding_format: \"" + format.asText() + "\" (expected: float or base64)",
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

    /** Whether the client asked for its vectors as base64 (little-endian float32), as the official SDKs do. */
    public static boolean wantsBase64(OpenAiCodec.Request request) {
        return request.json().path("encoding_format").asText("float").equals("base64");
    }

    /** The answer to an OpenAI client, each vector as a list of numbers. */
    public static byte[] encodeResponse(Embeddings.Response r) {
        return encodeResponse(r, false);
    }

    /** The answer to an OpenAI client, each vector as numbers or, with {@code base64}, as its float32 bytes. */
    public static byte[] encodeResponse(Embeddings.Response r, boolean base64) {
        ObjectNode root = JSON.createObjectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        for (int i = 0; i < r.vectors().size(); i++) {
            ObjectNode item = data.addObject();
            item.put("object", "embedding");
            item.put("index", i);
            float[] vector = r.vectors().get(i);
            if (base64) {
                ByteBuffer b = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(vector);
                item.put("embedding", Base64.getEncoder().encodeToString(b.array()));
            } else {
                ArrayNode v = item.putArray("embedding");
                for (float x : vector) {
                    v.add(x);
                }
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
