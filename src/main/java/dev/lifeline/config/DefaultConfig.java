package dev.lifeline.config;

import java.util.Map;

/**
 * The configuration {@code lifeline serve} uses when no file is given: a local Ollama (from {@code OLLAMA_HOST}, as
 * Ollama's own client reads it) with the emergency model library, and OpenAI in front of it when
 * {@code OPENAI_API_KEY} is set. Written as YAML so that users can print it and start their own file from it.
 */
public final class DefaultConfig {
    static final String SOURCE = "(embedded default)";

    private DefaultConfig() {
    }

    public static Config load(Map<String, String> env) {
        try {
            return ConfigLoader.parse(yaml(env), SOURCE, env);
        } catch (ConfigException e) {
            throw new IllegalStateException("the embedded default configuration is invalid: " + e.getMessage(), e);
        }
    }

    public static String yaml(Map<String, String> env) {
        boolean openai = env.getOrDefault("OPENAI_API_KEY", "").length() > 0;
        StringBuilder y = new StringBuilder();
        y.append("# Lifeline's embedded default configuration").append(openai ? "" : " (OPENAI_API_KEY is not set, so no cloud backend)").append('\n');
        y.append("listen: 127.0.0.1:").append(ConfigLoader.DEFAULT_PORT).append('\n');
        y.append("backends:\n");
        if (openai) {
            y.append("  openai: { type: openai, url: \"https://api.openai.com/v1\", api_key: \"${OPENAI_API_KEY}\", cloud: true }\n");
        }
        y.append("  ollama: { type: openai, url: \"").append(ollamaBaseUrl(env.get("OLLAMA_HOST"))).append("/v1\", cloud: false }\n");
        y.append("library:\n");
        y.append("  backend: ollama\n");
        y.append("  models: { general: \"llama3.1:8b\", code: \"qwen2.5-coder:7b\", reasoning: \"phi4:14b\", fast: \"mistral:7b\" }\n");
        y.append("routes:\n");
        for (String glob : new String[] {"gpt-*", "chatgpt-*", "o1*", "o3*", "o4*"}) {
            y.append("  - model: \"").append(glob).append("\"\n    targets:\n");
            if (openai) {
                y.append("      - { backend: openai }\n");
            }
            y.append("      - { task: general }\n");
        }
        y.append("  - model: \"text-embedding-*\"\n    targets:\n");
        if (openai) {
            y.append("      - { backend: openai }\n");
        }
        y.append("      - { backend: ollama, model: \"nomic-embed-text\" }\n");
        y.append("  - model: \"*\"\n    targets:\n      - { backend: ollama }   # keep the model the client asked for\n");
        return y.toString();
    }

    /**
     * Reads {@code OLLAMA_HOST} the way Ollama's client does: scheme optional, port 11434 by default (80 or 443 when a
     * scheme is given without a port), and a wildcard
     * bind address (0.0.0.0, ::) turned into the matching loopback address, since it is not a place to connect to.
     */
    static String ollamaBaseUrl(String ollamaHost) {
        String h = ollamaHost == null ? "" : ollamaHost.trim();
        String scheme = "http";
        String port = "11434";
        if (h.startsWith("http://")) {
            h = h.substring(7);
            port = "80";
        } else if (h.startsWith("https://")) {
            scheme = "https";
            h = h.substring(8);
            port = "443";
        }
        int slash = h.indexOf('/');
        if (slash >= 0) {
            h = h.substring(0, slash);
        }
        String host;
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            host = close > 0 ? h.substring(1, close) : h.substring(1);
            if (close > 0 && h.length() > close + 2 && h.charAt(close + 1) == ':') {
                port = h.substring(close + 2);
            }
        } else if (h.indexOf(':') >= 0 && h.indexOf(':') == h.lastIndexOf(':')) {
            host = h.substring(0, h.indexOf(':'));
            port = h.substring(h.indexOf(':') + 1);
        } else {
            host = h;
        }
        if (host.isEmpty() || host.equals("0.0.0.0")) {
            host = "127.0.0.1";
        } else if (host.equals("::")) {
            host = "::1";
        }
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return scheme + "://" + host + ":" + port;
    }
}
