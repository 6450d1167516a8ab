package dev.lifeline.monitor.output;

import dev.lifeline.monitor.Report;
import dev.lifeline.probe.Check;
import dev.lifeline.probe.Measure;
import dev.lifeline.probe.Status;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What Nagios and Icinga read: the status line, performance data their graphers accept, one line per check. */
class NagiosFormatTest {

    @Test
    void aWarningReportWithACpuFallbackAndASlowInference() {
        assertThat(new NagiosFormat().render(SampleReports.warning())).isEqualTo("""
                LIFELINE WARNING - ollama/inference: llama3.1:8b answered at 6.2 tokens/s, below 10; \
                ollama/gpu: llama3.1:8b runs 100% on the CPU: is the GPU driver loaded? | \
                'ollama_response_time'=0.012s;;;0 'ollama_models_missing'=0;;;0 \
                'ollama_llama3.1:8b_ttft'=1.8s;10;30;0 'ollama_llama3.1:8b_tokens_per_second'=6.2;10:;3:;0 \
                'ollama_llama3.1:8b_load_time'=0.2s;30;120;0 'ollama_llama3.1:8b_gpu_offload'=0%;;;0;100 \
                'vllm_response_time'=0.0123s;;;0 'vllm_models_missing'=0;;;0 \
                'vllm_Qwen/Qwen2.5-7B-Instruct_ttft'=0.25s;10;30;0 'vllm_Qwen/Qwen2.5-7B-Instruct_tokens_per_second'=100;10:;3:;0
                [OK] ollama/service: up, Ollama 0.6.2
                [OK] ollama/models: llama3.1:8b and qwen2.5:7b are present
                [WARNING] ollama/inference: llama3.1:8b answered at 6.2 tokens/s, below 10
                [WARNING] ollama/gpu: llama3.1:8b runs 100% on the CPU: is the GPU driver loaded?
                [OK] vllm/service: up
                [OK] vllm/models: Qwen/Qwen2.5-7B-Instruct is present
                [OK] vllm/inference: Qwen/Qwen2.5-7B-Instruct answered at 100 tokens/s
                """);
    }

    @Test
    void everyPerfdatumHasTheShapeNagiosParses() {
        String perfdata = NagiosFormat.firstLine(SampleReports.warning()).split(" \\| ", 2)[1];

        assertThat(perfdata.split(" ")).hasSize(10).allSatisfy(d ->
                assertThat(d).matches("'[^']+'=[0-9.]+(s|%)?;[0-9:~@.]*;[0-9:~@.]*;0(;100)?"));
    }

    @Test
    void allOkSaysHowManyChecksPassed() {
        assertThat(NagiosFormat.firstLine(SampleReports.of(SampleReports.ollamaService(), SampleReports.vllmService())))
                .isEqualTo("LIFELINE OK - 2 checks OK | 'ollama_response_time'=0.012s;;;0 'vllm_response_time'=0.0123s;;;0");
        assertThat(NagiosFormat.firstLine(SampleReports.of())).isEqualTo("LIFELINE UNKNOWN - no checks were made");
    }

    @Test
    void theWorstProblemComesFirst() {
        Report report = SampleReports.of(
                Check.of("ollama", "gpu", Status.WARNING, "partly on the CPU"),
                Check.of("vllm", "models", Status.UNKNOWN, "could not read the model list"),
                Check.of("vllm", "service", Status.CRITICAL, "connection refused"),
                Check.of("ollama", "inference", Status.WARNING, "slow"));

        assertThat(NagiosFormat.firstLine(report)).isEqualTo("LIFELINE CRITICAL - vllm/service: connection refused; "
                + "vllm/models: could not read the model list; ollama/gpu: partly on the CPU; ollama/inference: slow");
    }

    @Test
    void labelsAreQuotedAndTextCannotBreakTheFormat() {
        Report report = SampleReports.of(new Check("lab box", "inference", Status.WARNING, "said | and\nleft", List.of(
                Measure.of("ttft", 2.5, "s").forModel("o'neil=7b"),
                Measure.of("tokens_per_second", Double.NaN, "").forModel("o'neil=7b"),
                Measure.of("queue_depth", 3, "requests"))));

        List<String> lines = new NagiosFormat().render(report).lines().toList();

        assertThat(lines).containsExactly(
                "LIFELINE WARNING - lab box/inference: said / and left | 'lab box_o''neil_7b_ttft'=2.5s;;;0 "
                        + "'lab box_o''neil_7b_tokens_per_second'=U;;;0 'lab box_queue_depth'=3;;;0",
                "[WARNING] lab box/inference: said / and left");
    }

    @Test
    void aMeasureGivenTwiceCountsOnceTheFirstTime() {
        Report report = SampleReports.of(
                new Check("ollama", "service", Status.OK, "up", List.of(Measure.of("response_time", 0.5, "s"))),
                new Check("ollama", "models", Status.OK, "present", List.of(Measure.of("response_time", 0.9, "s"))));

        assertThat(NagiosFormat.firstLine(report)).isEqualTo("LIFELINE OK - 2 checks OK | 'ollama_response_time'=0.5s;;;0");
    }

    @Test
    void numbersHaveNoNeedlessDigits() {
        assertThat(NagiosFormat.number(6.2)).isEqualTo("6.2");
        assertThat(NagiosFormat.number(0.0123)).isEqualTo("0.0123");
        assertThat(NagiosFormat.number(100)).isEqualTo("100");
        assertThat(NagiosFormat.number(0)).isEqualTo("0");
        assertThat(NagiosFormat.number(-0.0)).isEqualTo("0");
        assertThat(NagiosFormat.number(0.1 + 0.2)).isEqualTo("0.3");
        assertThat(NagiosFormat.number(1.8000000000000003)).isEqualTo("1.8");
        assertThat(NagiosFormat.number(1234567)).isEqualTo("1234567");
        assertThat(NagiosFormat.number(0.00000012)).isEqualTo("0.00000012");
        assertThat(NagiosFormat.number(1e21)).isEqualTo("1000000000000000000000");
    }

    @Test
    void theStatusWordIsTheReportsStatus() {
        for (Status s : Status.values()) {
            String first = NagiosFormat.firstLine(SampleReports.of(Check.of("ollama", "service", s, "x")));
            assertThat(first).startsWith("LIFELINE " + s + " - ");
        }
    }
}
