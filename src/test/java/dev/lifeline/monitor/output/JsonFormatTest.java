package dev.lifeline.monitor.output;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeline.monitor.Report;
import dev.lifeline.probe.Check;
import dev.lifeline.probe.Measure;
import dev.lifeline.probe.Status;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What a script reads: the JSON document parses back to the report, in a fixed order, and so do the log lines. */
class JsonFormatTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void theDocumentParsesBackToTheReport() throws Exception {
        Report report = SampleReports.warning();

        JsonNode doc = MAPPER.readTree(new JsonFormat().render(report));

        assertThat(fieldNames(doc)).containsExactly("status", "exit_code", "host", "checked_at", "checks");
        assertThat(doc.get("status").asText()).isEqualTo("WARNING");
        assertThat(doc.get("exit_code").asInt()).isEqualTo(1);
        assertThat(doc.get("host").asText()).isEqualTo("gpu-box");
        assertThat(Instant.parse(doc.get("checked_at").asText())).isEqualTo(report.at());
        assertThat(doc.get("checks")).hasSize(7);
        for (int i = 0; i < 7; i++) {
            Check c = report.checks().get(i);
            JsonNode check = doc.get("checks").get(i);
            assertThat(fieldNames(check)).containsExactly("backend", "check", "status", "summary", "measures");
            assertThat(check.get("backend").asText()).isEqualTo(c.backend());
            assertThat(check.get("check").asText()).isEqualTo(c.name());
            assertThat(check.get("status").asText()).isEqualTo(c.status().name());
            assertThat(check.get("summary").asText()).isEqualTo(c.summary());
            assertThat(check.get("measures")).hasSize(c.measures().size());
        }
        JsonNode inference = doc.get("checks").get(2).get("measures");
        assertThat(fieldNames(inference.get(1))).containsExactly("name", "model", "value", "unit", "warning", "critical");
        assertThat(inference.get(1).get("name").asText()).isEqualTo("tokens_per_second");
        assertThat(inference.get(1).get("model").asText()).isEqualTo("llama3.1:8b");
        assertThat(inference.get(1).get("value").asDouble()).isEqualTo(6.2);
        assertThat(inference.get(1).get("unit").asText()).isEmpty();
        assertThat(inference.get(1).get("warning").asText()).isEqualTo("10:");
        assertThat(inference.get(1).get("critical").asText()).isEqualTo("3:");
        JsonNode responseTime = doc.get("checks").get(0).get("measures").get(0);
        assertThat(responseTime.has("model")).as("no model, no field").isFalse();
        assertThat(responseTime.get("unit").asText()).isEqualTo("s");
        assertThat(responseTime.get("value").asDouble()).isEqualTo(0.012);
    }

    @Test
    void theDocumentIsIndentedTheWayJqIndents() {
        String json = new JsonFormat().render(SampleReports.of(Check.of("ollama", "service", Status.CRITICAL, "connection refused")));

        assertThat(json).isEqualTo("""
                {
                  "status": "CRITICAL",
                  "exit_code": 2,
                  "host": "gpu-box",
                  "checked_at": "2025-06-01T10:00:00Z",
                  "checks": [
                    {
                      "backend": "ollama",
                      "check": "service",
                      "status": "CRITICAL",
                      "summary": "connection refused",
                      "measures": []
                    }
                  ]
                }
                """);
    }

    @Test
    void aValueThatIsNotANumberIsNullAndTextIsEscaped() throws Exception {
        Report report = SampleReports.of(new Check("ollama", "inference", Status.UNKNOWN, "said \"no\"\nand\tleft",
                List.of(Measure.of("tokens_per_second", Double.NaN, ""))));

        JsonNode doc = MAPPER.readTree(new JsonFormat().render(report));
        JsonNode line = MAPPER.readTree(JsonFormat.logLines(report).getFirst());

        assertThat(doc.at("/checks/0/summary").asText()).isEqualTo("said \"no\"\nand\tleft");
        assertThat(doc.at("/checks/0/measures/0/value").isNull()).isTrue();
        assertThat(line.at("/measures/tokens_per_second").isNull()).isTrue();
    }

    @Test
    void eachCheckIsOneCompactLogLine() throws Exception {
        Report report = SampleReports.warning();

        List<String> lines = JsonFormat.logLines(report);

        assertThat(lines).hasSize(7).allSatisfy(l -> assertThat(l).doesNotContain("\n").doesNotContain("\": ").doesNotContain(", \""));
        JsonNode inference = MAPPER.readTree(lines.get(2));
        assertThat(fieldNames(inference)).containsExactly("ts", "host", "backend", "check", "status", "summary", "measures");
        assertThat(inference.get("ts").asText()).isEqualTo("2025-06-01T10:00:00Z");
        assertThat(inference.get("host").asText()).isEqualTo("gpu-box");
        assertThat(inference.get("backend").asText()).isEqualTo("ollama");
        assertThat(inference.get("check").asText()).isEqualTo("inference");
        assertThat(inference.get("status").asText()).isEqualTo("WARNING");
        assertThat(fieldNames(inference.get("measures"))).containsExactly("ttft_seconds", "tokens_per_second", "load_time_seconds");
        assertThat(inference.at("/measures/tokens_per_second/llama3.1:8b").asDouble()).isEqualTo(6.2);
        assertThat(inference.at("/measures/ttft_seconds/llama3.1:8b").asDouble()).isEqualTo(1.8);
        JsonNode service = MAPPER.readTree(lines.get(0));
        assertThat(service.at("/measures/response_time_seconds").asDouble()).isEqualTo(0.012);
        JsonNode gpu = MAPPER.readTree(lines.get(3));
        assertThat(gpu.at("/measures/gpu_offload_percent/llama3.1:8b").asDouble()).isZero();
    }

    @Test
    void aLogLineKeepsEachMeasureOnceAndSetsAPlainOneBesideThePerModelOnes() throws Exception {
        Report report = SampleReports.of(new Check("ollama", "inference", Status.OK, "fine", List.of(
                Measure.of("tokens_per_second", 40, "").forModel("a"),
                Measure.of("tokens_per_second", 30, "").forModel("b"),
                Measure.of("tokens_per_second", 99, "").forModel("a"),
                Measure.of("tokens_per_second", 35, ""))));

        JsonNode line = MAPPER.readTree(JsonFormat.logLines(report).getFirst());

        assertThat(line.get("measures").toString()).isEqualTo("{\"tokens_per_second\":{\"a\":40.0,\"b\":30.0,\"\":35.0}}");
    }

    @Test
    void exitCodesAreTheStatusOfTheWorstCheck() throws Exception {
        assertThat(exitCode(SampleReports.of(SampleReports.ollamaService()))).isZero();
        assertThat(exitCode(SampleReports.warning())).isEqualTo(1);
        assertThat(exitCode(SampleReports.of(SampleReports.ollamaService(), Check.of("vllm", "service", Status.CRITICAL, "down"),
                Check.of("vllm", "models", Status.UNKNOWN, "not checked: the service is down")))).isEqualTo(2);
        assertThat(exitCode(SampleReports.of(SampleReports.ollamaService(), Check.of("vllm", "gpu", Status.WARNING, "partly on the CPU"),
                Check.of("vllm", "models", Status.UNKNOWN, "could not parse the model list")))).isEqualTo(3);
        assertThat(exitCode(SampleReports.of())).as("nothing checked").isEqualTo(3);
    }

    private static int exitCode(Report report) throws Exception {
        JsonNode doc = MAPPER.readTree(new JsonFormat().render(report));
        assertThat(doc.get("status").asText()).isEqualTo(report.status().name());
        return doc.get("exit_code").asInt();
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
