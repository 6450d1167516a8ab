package dev.lifeline.drill;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Reading the monitor's alert state file for the alert the drill expects. */
class MonitorAlertsTest {
    @TempDir
    Path dir;

    private Path state(String told) throws Exception {
        Path f = dir.resolve("monitor-state.json");
        Files.writeString(f, """
                {"version":1,"checks":{
                  "ollama/service":{"status":"CRITICAL","failures":3,"alerting":"CRITICAL","told":{"slack":{"status":"CRITICAL","at":"2026-11-21T10:05:00Z"}}},
                  "openai/service":{"status":"OK","failures":0,"alerting":"OK","told":{%s}}}}
                """.formatted(told));
        return f;
    }

    @Test
    void anAlertAboutACloudBackendAfterTheBlockCounts() throws Exception {
        Path f = state("\"webhook\":{\"status\":\"CRITICAL\",\"at\":\"2026-11-21T10:03:00Z\"}");

        assertThat(MonitorAlerts.firedSince(f, List.of("openai"), Instant.parse("2026-11-21T10:00:00Z")))
                .contains("openai/service CRITICAL told to webhook at 2026-11-21T10:03:00Z");
    }

    @Test
    void anOlderAlertAnAlertAboutAnotherBackendOrARecoveryDoNot() throws Exception {
        Instant start = Instant.parse("2026-11-21T10:00:00Z");

        assertThat(MonitorAlerts.firedSince(state("\"webhook\":{\"status\":\"CRITICAL\",\"at\":\"2026-11-21T09:59:00Z\"}"),
                List.of("openai"), start)).isEmpty();
        assertThat(MonitorAlerts.firedSince(state("\"webhook\":{\"status\":\"OK\",\"at\":\"2026-11-21T10:20:00Z\"}"),
                List.of("openai"), start)).isEmpty();
        assertThat(MonitorAlerts.firedSince(state(""), List.of("openai"), start)).isEmpty();
    }
}
