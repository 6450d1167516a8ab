package dev.lifeline.config;

import dev.lifeline.config.MonitorConfig.CpuFallback;
import dev.lifeline.config.MonitorConfig.Email;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The {@code monitor:} section: defaults, every key read, and each mistake named by its path without leaking secrets. */
class MonitorSectionTest {
    private static final String BASE = """
            backends:
              ollama: { type: ollama, url: "http://127.0.0.1:11434" }
            routes:
              - model: "*"
                targets: [{ backend: ollama, model: "llama3.1:8b" }]
            """;

    private static Config parse(String monitor, Map<String, String> env) throws ConfigException {
        return ConfigLoader.parse(BASE + monitor, "/etc/lifeline/lifeline.yaml", env);
    }

    private static List<String> problems(String monitor) {
        return ConfigLoaderTest.problems(BASE + monitor);
    }

    @Test
    void withoutASectionTheDefaultsApply() throws Exception {
        MonitorConfig m = parse("", Map.of()).monitor();

        assertThat(m).isEqualTo(MonitorConfig.DEFAULT);
        assertThat(m.failureThreshold()).isEqualTo(2);
        assertThat(m.interval()).isEqualTo(Duration.ofMinutes(5));
        assertThat(m.thresholds().tokensPerSecond().warning()).contains(5.0);
    }

    @Test
    void everyKeyIsRead() throws Exception {
        MonitorConfig m = parse("""
                monitor:
                  interval: 1m
                  timeout: 2s
                  failure_threshold: 3
                  renotify: 4h
                  cpu_fallback: critical
                  thresholds:
                    tokens_per_second: { warning: 20, critical: 4.5 }
                    ttft: { warning: 2s, critical: off }
                    load_time: off
                  backends:
                    ollama: { models: ["llama3.1:8b", "nomic-embed-text"], inference: false }
                  state_file: state/monitor.json
                  log: { file: /var/log/lifeline/monitor.jsonl, max_size: 5MiB, keep: 3 }
                  textfile: /var/lib/node_exporter/lifeline.prom
                  alerts:
                    slack: ${SLACK_URL}
                    teams: https://prod-12.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=x
                    webhook: https://hooks.example.com/lifeline
                    heartbeat: https://hc-ping.com/0f3c
                    email: { host: smtp.example.com, username: ops, password: "${SMTP_PASSWORD}", from: "Lifeline <lifeline@example.com>", to: [a@example.com, b@example.com] }
                """, Map.of("SLACK_URL", "https://hooks.slack.com/services/T/B/x", "SMTP_PASSWORD", "pw")).monitor();

        assertThat(m.interval()).isEqualTo(Duration.ofMinutes(1));
        assertThat(m.timeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(m.failureThreshold()).isEqualTo(3);
        assertThat(m.renotify()).contains(Duration.ofHours(4));
        assertThat(m.cpuFallback()).isEqualTo(CpuFallback.CRITICAL);
        assertThat(m.thresholds().tokensPerSecond().warning()).contains(20.0);
        assertThat(m.thresholds().tokensPerSecond().critical()).contains(4.5);
        assertThat(m.thresholds().ttft().warning()).contains(Duration.ofSeconds(2));
        assertThat(m.thresholds().ttft().critical()).isEmpty();
        assertThat(m.thresholds().loadTime().warning()).isEmpty();
        assertThat(m.backends().get("ollama").models()).contains(List.of("llama3.1:8b", "nomic-embed-text"));
        assertThat(m.backends().get("ollama").inference()).contains(false);
        assertThat(m.stateFile().orElseThrow().isAbsolute()).isTrue();
        assertThat(m.stateFile().orElseThrow().toString()).endsWith("/state/monitor.json");
        assertThat(m.log().orElseThrow().maxBytes()).isEqualTo(5L * 1024 * 1024);
        assertThat(m.log().orElseThrow().keep()).isEqualTo(3);
        assertThat(m.alerts().slack().orElseThrow().value()).isEqualTo("https://hooks.slack.com/services/T/B/x");
        assertThat(m.alerts().teams()).isPresent();
        Email e = m.alerts().email().orElseThrow();
        assertThat(e.port()).isEqualTo(587);
        assertThat(e.tls()).isEqualTo(Email.Tls.STARTTLS);
        assertThat(e.to()).containsExactly("a@example.com", "b@example.com");
        assertThat(e.toString()).doesNotContain("pw");
        assertThat(m.toString()).doesNotContain("hooks.slack.com");
    }

    @Test
    void mistakesAreNamedByPath() {
        assertThat(problems("""
                monitor:
                  failure_threshold: 0
                  cpu_fallback: sometimes
                  renotify: soon
                  thresholds:
                    tokens_per_second: { warning: 5, critical: 10 }
                    ttft: { warning: fast }
                  backends:
                    olama: { models: [x] }
                  textfile: /tmp/lifeline.txt
                """)).containsExactly(
                "monitor.failure_threshold: 0 (expected: 1 to 100)",
                "monitor.renotify: \"soon\" (expected: a duration such as 4h, or off)",
                "monitor.cpu_fallback: \"sometimes\" (expected: warning, critical or ignore)",
                "monitor.thresholds.ttft.warning: \"fast\" (expected: a duration such as 10s, or off)",
                "monitor.thresholds.tokens_per_second: critical 10 above warning 5 (expected: critical below warning: fewer tokens per second is worse)",
                "monitor.backends.olama: no such backend (expected: one of ollama)",
                "monitor.textfile: \"/tmp/lifeline.txt\" (expected: a file ending in .prom; node_exporter's textfile collector reads only those)");
    }

    @Test
    void aRetiredTeamsConnectorIsRefusedAtLoadWithTheWayOut() {
        assertThat(problems("""
                monitor:
                  alerts:
                    teams: https://contoso.webhook.office.com/webhookb2/abc@def/IncomingWebhook/123/456
                """)).singleElement().asString()
                .startsWith("monitor.alerts.teams: an Office 365 connector URL (webhook.office.com); Microsoft retired those connectors")
                .contains("Workflows");
    }

    @Test
    void aBadWebhookUrlIsNamedButNotRepeated() {
        List<String> p = problems("""
                monitor:
                  alerts:
                    slack: "hooks.slack.com/services/T000/B000/SECRETPART"
                """);

        assertThat(p).singleElement().asString().startsWith("monitor.alerts.slack: not an http(s) URL").doesNotContain("SECRETPART");
    }

    @Test
    void anIncompleteEmailSaysWhatIsMissing() {
        assertThat(problems("""
                monitor:
                  alerts:
                    email: { host: smtp.example.com, password: x, to: [not-an-address] }
                """)).containsExactly(
                "monitor.alerts.email.from: missing (expected: the sender address, e.g. lifeline@example.com)",
                "monitor.alerts.email.to: \"not-an-address\" (expected: an email address)",
                "monitor.alerts.email.username: missing while password is set (expected: the SMTP login)");
    }

    @Test
    void aLoginOverAnUnencryptedConnectionIsRefused() {
        assertThat(problems("""
                monitor:
                  alerts:
                    email: { host: smtp.example.com, tls: none, username: ops, password: pw, from: l@example.com, to: o@example.com }
                """)).singleElement().asString().startsWith("monitor.alerts.email.tls: none with a username");
    }

    @Test
    void aKeyWrittenTwiceIsAnError() {
        assertThat(problems("""
                monitor:
                  alerts:
                    email: { host: smtp.example.com, from: l@example.com, to: a@example.com, to: b@example.com }
                """)).singleElement().asString().startsWith("not valid YAML: Duplicate field 'to'").contains("(line ");
    }

    @Test
    void tlsOnPort465IsTheDefaultForTls() throws Exception {
        Email e = parse("""
                monitor:
                  alerts:
                    email: { host: smtp.example.com, tls: tls, from: l@example.com, to: o@example.com }
                """, Map.of()).monitor().alerts().email().orElseThrow();

        assertThat(e.port()).isEqualTo(465);
        assertThat(e.username()).isEqualTo(Optional.empty());
    }
}
