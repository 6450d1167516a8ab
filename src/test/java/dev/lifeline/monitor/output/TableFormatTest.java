package dev.lifeline.monitor.output;

import dev.lifeline.monitor.Report;
import dev.lifeline.probe.Check;
import dev.lifeline.probe.Status;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What a person sees at a terminal: columns that line up whatever the summaries say, and a verdict at the end. */
class TableFormatTest {

    @Test
    void aWarningReportReadsAsATableWithAVerdict() {
        assertThat(new TableFormat(false).render(SampleReports.warning())).isEqualTo("""
                BACKEND  CHECK      STATUS   DETAIL
                ollama   service    OK       up, Ollama 0.6.2
                ollama   models     OK       llama3.1:8b and qwen2.5:7b are present
                ollama   inference  WARNING  llama3.1:8b answered at 6.2 tokens/s, below 10
                ollama   gpu        WARNING  llama3.1:8b runs 100% on the CPU: is the GPU driver loaded?
                vllm     service    OK       up
                vllm     models     OK       Qwen/Qwen2.5-7B-Instruct is present
                vllm     inference  OK       Qwen/Qwen2.5-7B-Instruct answered at 100 tokens/s

                WARNING: 2 of 7 checks need attention
                """);
    }

    @Test
    void longNamesAndSummariesKeepEveryColumnAligned() {
        String longSummary = "connection refused: is the server running? ".repeat(6).strip();
        Report report = SampleReports.of(
                Check.of("lm-studio-on-the-big-workstation", "service", Status.CRITICAL, longSummary),
                Check.of("ollama", "inference", Status.OK, "llama3.1:8b answered at 42 tokens/s"),
                Check.of("llama.cpp", "gpu", Status.UNKNOWN, "line one\nline two\twith a tab and \u001B[2J an escape"));

        List<String> lines = new TableFormat(false).render(report).lines().toList();

        String header = lines.getFirst();
        int check = header.indexOf("CHECK");
        int status = header.indexOf("STATUS");
        int detail = header.indexOf("DETAIL");
        assertThat(check).isEqualTo("lm-studio-on-the-big-workstation".length() + 2);
        List<String> rows = lines.subList(1, 4);
        for (int i = 0; i < rows.size(); i++) {
            String row = rows.get(i);
            Check c = report.checks().get(i);
            assertThat(row.substring(0, check).stripTrailing()).isEqualTo(c.backend());
            assertThat(row.substring(check, status).stripTrailing()).isEqualTo(c.name());
            assertThat(row.substring(status, detail).stripTrailing()).isEqualTo(c.status().name());
            assertThat(row.charAt(detail - 1)).isEqualTo(' ');
        }
        assertThat(rows.get(0).substring(detail)).isEqualTo(longSummary);
        // the summary's control characters cannot break the row or reach the terminal
        assertThat(rows.get(2).substring(detail)).isEqualTo("line one line two with a tab and  [2J an escape");
        assertThat(lines).hasSize(6);
        assertThat(lines.get(4)).isEmpty();
        assertThat(lines.get(5)).isEqualTo("CRITICAL: 2 of 3 checks need attention");
    }

    @Test
    void colourIsOnlyOnTheStatusCellAndDoesNotShiftTheColumns() {
        Report report = SampleReports.warning();

        String coloured = new TableFormat(true).render(report);
        String plain = new TableFormat(false).render(report);

        assertThat(plain).doesNotContain("\u001B");
        assertThat(coloured.replaceAll("\u001B\\[[0-9;]*m", "")).isEqualTo(plain);
        List<String> rows = coloured.lines().toList().subList(1, 8);
        for (String row : rows) {
            int start = row.indexOf('\u001B');
            assertThat(start).isEqualTo(plain.lines().findFirst().orElseThrow().indexOf("STATUS"));
            assertThat(row.substring(start)).matches("\u001B\\[[0-9;]+m(OK|WARNING)\u001B\\[0m +[^\u001B]*");
        }
        assertThat(rows.get(2)).contains("\u001B[33mWARNING\u001B[0m");
        assertThat(rows.get(0)).contains("\u001B[32mOK\u001B[0m");
        assertThat(coloured.lines().toList().getFirst()).doesNotContain("\u001B");
        assertThat(coloured.lines().toList().getLast()).isEqualTo("WARNING: 2 of 7 checks need attention");
    }

    @Test
    void theVerdictCountsTheChecks() {
        assertThat(TableFormat.verdict(SampleReports.of(SampleReports.ollamaService(), SampleReports.vllmService())))
                .isEqualTo("OK: all 2 checks passed");
        assertThat(TableFormat.verdict(SampleReports.of(SampleReports.ollamaService()))).isEqualTo("OK: 1 check passed");
        assertThat(TableFormat.verdict(SampleReports.of(SampleReports.ollamaService(), Check.of("vllm", "service", Status.CRITICAL, "down"))))
                .isEqualTo("CRITICAL: 1 of 2 checks needs attention");
        assertThat(TableFormat.verdict(SampleReports.of())).isEqualTo("UNKNOWN: no checks were made");
    }

    @Test
    void printsThroughTheGivenWriterAndFlushesIt() {
        StringWriter sink = new StringWriter();
        PrintWriter out = new PrintWriter(sink, false);

        new TableFormat(false).print(SampleReports.of(SampleReports.ollamaService()), out);

        assertThat(sink.toString()).startsWith("BACKEND  CHECK    STATUS  DETAIL\n").endsWith("\nOK: 1 check passed\n");
    }
}
