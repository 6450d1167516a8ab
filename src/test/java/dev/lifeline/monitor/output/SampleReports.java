package dev.lifeline.monitor.output;

import dev.lifeline.monitor.Report;
import dev.lifeline.probe.Check;
import dev.lifeline.probe.Measure;
import dev.lifeline.probe.Status;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Reports as the monitor makes them, for the output tests. */
final class SampleReports {
    static final Instant AT = Instant.parse("2025-06-01T10:00:00Z");

    private SampleReports() {
    }

    /**
     * Seven checks on two backends; Ollama runs llama3.1:8b on the CPU, so the inference is slow: two WARNINGs.
     */
    static Report warning() {
        return new Report("gpu-box", AT, List.of(
                ollamaService(),
                new Check("ollama", "models", Status.OK, "llama3.1:8b and qwen2.5:7b are present",
                        List.of(Measure.of("models_missing", 0, ""))),
                new Check("ollama", "inference", Status.WARNING, "llama3.1:8b answered at 6.2 tokens/s, below 10", List.of(
                        Measure.of("ttft", 1.8, "s").forModel("llama3.1:8b").judgedBy("10", "30"),
                        Measure.of("tokens_per_second", 6.2, "").forModel("llama3.1:8b").judgedBy("10:", "3:"),
                        Measure.of("load_time", 0.2, "s").forModel("llama3.1:8b").judgedBy("30", "120"))),
                new Check("ollama", "gpu", Status.WARNING, "llama3.1:8b runs 100% on the CPU: is the GPU driver loaded?",
                        List.of(Measure.of("gpu_offload", 0, "%").forModel("llama3.1:8b"))),
                vllmService(),
                new Check("vllm", "models", Status.OK, "Qwen/Qwen2.5-7B-Instruct is present", List.of(Measure.of("models_missing", 0, ""))),
                new Check("vllm", "inference", Status.OK, "Qwen/Qwen2.5-7B-Instruct answered at 100 tokens/s", List.of(
                        Measure.of("ttft", 0.25, "s").forModel("Qwen/Qwen2.5-7B-Instruct").judgedBy("10", "30"),
                        Measure.of("tokens_per_second", 100, "").forModel("Qwen/Qwen2.5-7B-Instruct").judgedBy("10:", "3:")))));
    }

    static Check ollamaService() {
        return new Check("ollama", "service", Status.OK, "up, Ollama 0.6.2", List.of(Measure.of("response_time", 0.012, "s")));
    }

    static Check vllmService() {
        return new Check("vllm", "service", Status.OK, "up", List.of(Measure.of("response_time", 0.0123, "s")));
    }

    /** {@code backends} backends of three checks each, to make a file large enough that writing it takes a while. */
    static Report large(String host, int backends) {
        List<Check> checks = new ArrayList<>();
        for (int i = 0; i < backends; i++) {
            String b = "backend-" + i;
            checks.add(new Check(b, "service", Status.OK, "up", List.of(Measure.of("response_time", 0.01 * i, "s"))));
            checks.add(new Check(b, "models", Status.OK, "all present", List.of(Measure.of("models_missing", 0, ""))));
            checks.add(new Check(b, "inference", i % 7 == 0 ? Status.WARNING : Status.OK, "answered",
                    List.of(Measure.of("tokens_per_second", 20 + i, "").forModel("model-" + i))));
        }
        return new Report(host, AT, checks);
    }

    static Report of(Check... checks) {
        return new Report("gpu-box", AT, List.of(checks));
    }
}
