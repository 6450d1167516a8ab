package dev.lifeline.testing;

/**
 * The endpoints of a fake Ollama server on a {@link FakeUpstream}, as Ollama 0.12 answers them: {@code GET /},
 * {@code /api/tags}, {@code /api/ps} and a streamed {@code /api/chat} with its closing timings.
 */
public final class FakeOllama {
    private FakeOllama() {
    }

    /** Ollama's liveness answer, and an inventory of {@code models}. */
    public static FakeUpstream serving(FakeUpstream up, String... models) {
        up.on("GET", "/", Reply.text(200, "Ollama is running"));
        up.on("GET", "/api/tags", Reply.json(200, tags(models)));
        up.on("GET", "/api/ps", Reply.json(200, "{\"models\":[]}"));
        return up;
    }

    public static String tags(String... models) {
        StringBuilder sb = new StringBuilder("{\"models\":[");
        for (int i = 0; i < models.length; i++) {
            sb.append(i == 0 ? "" : ",").append("{\"name\":\"").append(models[i]).append("\",\"model\":\"").append(models[i])
                    .append("\",\"size\":4920753328}");
        }
        return sb.append("]}").toString();
    }

    /** {@code /api/ps} with one loaded model, {@code sizeVram} of its {@code size} bytes on the GPU. */
    public static Reply ps(String model, long size, long sizeVram) {
        return Reply.json(200, "{\"models\":[{\"name\":\"" + model + "\",\"model\":\"" + model + "\",\"size\":" + size + ",\"size_vram\":"
                + sizeVram + ",\"details\":{\"parameter_size\":\"8.0B\",\"quantization_level\":\"Q4_K_M\"},"
                + "\"expires_at\":\"2026-11-21T10:05:00Z\",\"context_length\":4096}]}");
    }

    /**
     * A streamed chat answer of {@code tokens} tokens whose closing line reports {@code evalCount} tokens evaluated
     * in {@code evalNanos} and a load of {@code loadNanos}.
     */
    public static Reply chat(String model, int tokens, long evalCount, long evalNanos, long loadNanos) {
        String[] lines = new String[tokens + 1];
        for (int i = 0; i < tokens; i++) {
            lines[i] = "{\"model\":\"" + model + "\",\"created_at\":\"2026-11-21T10:00:00Z\",\"message\":{\"role\":\"assistant\",\"content\":\""
                    + (i + 1) + " \"},\"done\":false}";
        }
        lines[tokens] = "{\"model\":\"" + model + "\",\"created_at\":\"2026-11-21T10:00:01Z\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},"
                + "\"done\":true,\"done_reason\":\"length\",\"total_duration\":" + (loadNanos + evalNanos + 20_000_000L) + ",\"load_duration\":"
                + loadNanos + ",\"prompt_eval_count\":18,\"prompt_eval_duration\":20000000,\"eval_count\":" + evalCount
                + ",\"eval_duration\":" + evalNanos + "}";
        return Reply.ndjson(lines);
    }
}
