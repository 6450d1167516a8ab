package dev.lifeline.doctor;

import java.util.List;
import java.util.Set;

/**
 * The model servers the doctor knows: their usual ports, the process names that give them away, and how to start them.
 * A server is told by how it answers, never by its port alone: port 8080 may be llama.cpp, TGI, LocalAI or a web app.
 */
public enum ServerKind {
    OLLAMA("Ollama", List.of(11434), Set.of("ollama"), "systemctl start ollama   (or: ollama serve)"),
    LM_STUDIO("LM Studio", List.of(1234), Set.of("lms", "lm studio", "lm-studio"), "lms server start"),
    VLLM("vLLM", List.of(8000), Set.of("vllm"), "vllm serve MODEL"),
    LLAMA_CPP("llama.cpp", List.of(8080, 9931), Set.of("llama-server"), "llama-server -m MODEL.gguf --port 8080"),
    JAN("Jan", List.of(1337), Set.of("jan"), "start Jan's local API server (Settings > Local API Server)"),
    TGI("Text Generation Inference", List.of(3000, 8080), Set.of("text-generation-launcher", "text-generation-router"),
            "text-generation-launcher --model-id MODEL --port 3000"),
    LOCAL_AI("LocalAI", List.of(8080), Set.of("local-ai"), "local-ai run"),
    LIFELINE("Lifeline", List.of(), Set.of(), "./lifeline serve"),
    /** Something answers, but none of the above: a web app, a database, another program squatting on the port. */
    OTHER("another program", List.of(), Set.of(), "");

    private final String display;
    private final List<Integer> ports;
    private final Set<String> processNames;
    private final String start;

    ServerKind(String display, List<Integer> ports, Set<String> processNames, String start) {
        this.display = display;
        this.ports = ports;
        this.processNames = processNames;
        this.start = start;
    }

    public String display() {
        return display;
    }

    /** The ports it listens on unless told otherwise, the first being its own default. */
    public List<Integer> ports() {
        return ports;
    }

    /** Lower-case names its process goes by ({@code comm} on Linux, or a word of its command line). */
    public Set<String> processNames() {
        return processNames;
    }

    /** How a person usually starts it. */
    public String startCommand() {
        return start;
    }

    /** The servers to look for on a port no one configured: LocalAI, TGI and llama.cpp all like 8080. */
    public static List<ServerKind> usualOn(int port) {
        return java.util.Arrays.stream(values()).filter(k -> k.ports.contains(port)).toList();
    }
}
