package dev.lifeline.monitor.output;

import dev.lifeline.monitor.Report;
import dev.lifeline.probe.Check;
import dev.lifeline.probe.Measure;
import dev.lifeline.probe.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What Prometheus scrapes and node_exporter reads: the latest report only, and never half a file. */
class MonitorMetricsTest {
    @TempDir
    Path dir;

    @Test
    void aReportBecomesGaugesPerCheckAndPerMeasure() {
        MonitorMetrics metrics = new MonitorMetrics();

        metrics.update(SampleReports.warning());

        List<String> lines = text(metrics).lines().toList();
        assertThat(lines).contains(
                "# TYPE lifeline_monitor_check_status gauge",
                "lifeline_monitor_check_status{backend=\"ollama\",check=\"gpu\"} 1.0",
                "lifeline_monitor_check_status{backend=\"ollama\",check=\"service\"} 0.0",
                "lifeline_monitor_check_ok{backend=\"ollama\",check=\"gpu\"} 0.0",
                "lifeline_monitor_check_ok{backend=\"vllm\",check=\"inference\"} 1.0",
                "lifeline_monitor_ttft_seconds{backend=\"ollama\",model=\"llama3.1:8b\"} 1.8",
                "lifeline_monitor_tokens_per_second{backend=\"ollama\",model=\"llama3.1:8b\"} 6.2",
                "lifeline_monitor_tokens_per_second{backend=\"vllm\",model=\"Qwen/Qwen2.5-7B-Instruct\"} 100.0",
                "lifeline_monitor_load_time_seconds{backend=\"ollama\",model=\"llama3.1:8b\"} 0.2",
                "# TYPE lifeline_monitor_gpu_offload_percent gauge",
                "lifeline_monitor_gpu_offload_percent{backend=\"ollama\",model=\"llama3.1:8b\"} 0.0",
                "lifeline_monitor_response_time_seconds{backend=\"ollama\"} 0.012",
                "lifeline_monitor_response_time_seconds{backend=\"vllm\"} 0.0123",
                "lifeline_monitor_models_missing{backend=\"vllm\"} 0.0",
                "lifeline_monitor_last_run_timestamp_seconds 1.748772E9",
                "# TYPE lifeline_monitor_runs_total counter",
                "lifeline_monitor_runs_total 1.0");
        assertThat(lines.stream().filter(l -> l.startsWith("lifeline_monitor_check_status{"))).hasSize(7);
        assertThat(lines).allSatisfy(l -> assertThat(l).matches("# (HELP|TYPE) .*|lifeline_monitor_[a-z_]+(\\{.*})? [-0-9.E]+|NaN"));
    }

    @Test
    void theCheckStatusGaugeIsTheExitCode() {
        MonitorMetrics metrics = new MonitorMetrics();

        metrics.update(SampleReports.of(Check.of("a", "service", Status.OK, ""), Check.of("b", "service", Status.WARNING, ""),
                Check.of("c", "service", Status.CRITICAL, ""), Check.of("d", "service", Status.UNKNOWN, "")));

        assertThat(text(metrics).lines()).contains(
                "lifeline_monitor_check_status{backend=\"a\",check=\"service\"} 0.0",
                "lifeline_monitor_check_status{backend=\"b\",check=\"service\"} 1.0",
                "lifeline_monitor_check_status{backend=\"c\",check=\"service\"} 2.0",
                "lifeline_monitor_check_status{backend=\"d\",check=\"service\"} 3.0",
                "lifeline_monitor_check_ok{backend=\"a\",check=\"service\"} 1.0",
                "lifeline_monitor_check_ok{backend=\"d\",check=\"service\"} 0.0");
    }

    @Test
    void aRemovedBackendAndAMeasureNotTakenVanish() {
        MonitorMetrics metrics = new MonitorMetrics();
        metrics.update(SampleReports.warning());
        assertThat(text(metrics)).contains("backend=\"vllm\"").contains("lifeline_monitor_gpu_offload_percent");

        // vllm left the configuration; ollama's service is down, so neither inference nor GPU could be checked
        metrics.update(SampleReports.of(new Check("ollama", "service", Status.CRITICAL, "connection refused",
                List.of(Measure.of("response_time", 5, "s")))));

        String text = text(metrics);
        assertThat(text).doesNotContain("vllm").doesNotContain("gpu_offload").doesNotContain("tokens_per_second")
                .doesNotContain("check=\"inference\"").doesNotContain("models_missing");
        assertThat(text.lines()).contains(
                "lifeline_monitor_check_status{backend=\"ollama\",check=\"service\"} 2.0",
                "lifeline_monitor_response_time_seconds{backend=\"ollama\"} 5.0",
                "lifeline_monitor_runs_total 2.0");
    }

    @Test
    void aMeasureGivenTwiceCountsOnceTheFirstTime() {
        MonitorMetrics metrics = new MonitorMetrics();

        metrics.update(SampleReports.of(
                new Check("ollama", "service", Status.OK, "up", List.of(Measure.of("response_time", 0.5, "s"))),
                new Check("ollama", "models", Status.OK, "present", List.of(Measure.of("response_time", 0.9, "s")))));

        assertThat(text(metrics).lines().filter(l -> l.startsWith("lifeline_monitor_response_time_seconds")))
                .containsExactly("lifeline_monitor_response_time_seconds{backend=\"ollama\"} 0.5");
    }

    @Test
    void beforeTheFirstRunOnlyTheRunCounterIsThere() {
        assertThat(text(new MonitorMetrics()).lines().filter(l -> !l.startsWith("#"))).containsExactly("lifeline_monitor_runs_total 0.0");
    }

    @Test
    void theTextfileIsReplacedWholeWhileAReaderKeepsReading() throws Exception {
        Path file = dir.resolve("textfile/lifeline.prom");
        MonitorMetrics metrics = new MonitorMetrics();
        Report big = SampleReports.large("gpu-box", 400);
        Report small = SampleReports.large("gpu-box", 300);
        metrics.update(big);
        metrics.writeTextfile(file);

        AtomicBoolean writing = new AtomicBoolean(true);
        CompletableFuture<List<String>> reader = CompletableFuture.supplyAsync(() -> {
            List<String> torn = new ArrayList<>();
            int reads = 0;
            while (writing.get() || reads < 10) {
                try {
                    String text = Files.readString(file);
                    long statuses = count(text, "lifeline_monitor_check_status{");
                    long speeds = count(text, "lifeline_monitor_tokens_per_second{"); // the last family: sorted by name
                    boolean whole = text.endsWith("\n") && (statuses == 3 * 400 && speeds == 400 || statuses == 3 * 300 && speeds == 300);
                    if (!whole) {
                        torn.add(text.length() + " chars, " + statuses + " statuses, " + speeds + " speeds");
                    }
                } catch (NoSuchFileException e) {
                    torn.add("the file was missing");
                } catch (IOException e) {
                    torn.add(e.toString());
                }
                reads++;
            }
            return torn;
        });
        for (int i = 0; i < 50; i++) {
            metrics.update(i % 2 == 0 ? small : big);
            metrics.writeTextfile(file);
        }
        writing.set(false);

        assertThat(reader.get(30, TimeUnit.SECONDS)).as("reads that saw a missing or partial file").isEmpty();
        try (Stream<Path> files = Files.list(file.getParent())) {
            assertThat(files).as("no temporary file left behind").containsExactly(file);
        }
        assertThat(Files.readString(file)).isEqualTo(text(metrics));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-r--r--");
    }

    @Test
    void aTextfileThatCannotBeWrittenSaysWhereAndWhatToDo() throws IOException {
        Path notADirectory = Files.writeString(dir.resolve("textfile"), "a file where the directory should be");
        MonitorMetrics metrics = new MonitorMetrics();
        metrics.update(SampleReports.warning());

        assertThatThrownBy(() -> metrics.writeTextfile(notADirectory.resolve("lifeline.prom")))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("cannot write the Prometheus textfile " + notADirectory.resolve("lifeline.prom") + ": ")
                .hasMessageContaining("writable by");
    }

    private static long count(String text, String prefix) {
        return text.lines().filter(l -> l.startsWith(prefix)).count();
    }

    private static String text(MonitorMetrics metrics) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            metrics.write(out);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
