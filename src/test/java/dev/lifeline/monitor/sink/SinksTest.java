package dev.lifeline.monitor.sink;

import dev.lifeline.config.MonitorConfig.Alerts;
import dev.lifeline.config.MonitorConfig.Email;
import dev.lifeline.config.Secret;
import dev.lifeline.monitor.AlertSink;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The alerts configuration becomes the sinks, always in the same order, and a bad URL is refused without being shown. */
class SinksTest {
    private static final Email EMAIL = new Email("smtp.example.com", 587, Email.Tls.STARTTLS, Optional.empty(), Optional.empty(),
            "lifeline@example.com", List.of("ops@example.com"));

    @Test
    void everyConfiguredSinkInAFixedOrder() {
        Alerts alerts = new Alerts(Optional.of(new Secret("https://hooks.slack.com/services/T/B/x")),
                Optional.of(new Secret("https://prod-01.westeurope.logic.azure.com/workflows/a")),
                Optional.of(new Secret("https://n8n.example.com/webhook/lifeline")), Optional.of(EMAIL),
                Optional.of(new Secret("https://hc-ping.com/0f7a1c2e-1111-2222-3333-444455556666")));

        assertThat(Sinks.from(alerts)).extracting(AlertSink::name).containsExactly("slack", "teams", "webhook", "email");
        assertThat(Sinks.heartbeat(alerts)).isPresent();
    }

    @Test
    void onlyWhatIsConfigured() {
        Alerts emailOnly = new Alerts(Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(EMAIL), Optional.empty());

        assertThat(Sinks.from(emailOnly)).extracting(AlertSink::name).containsExactly("email");
        assertThat(Sinks.from(Alerts.NONE)).isEmpty();
        assertThat(Sinks.heartbeat(Alerts.NONE)).isEmpty();
    }

    @Test
    void aBadUrlIsRefusedByNameWithoutShowingIt() {
        Alerts typo = new Alerts(Optional.empty(), Optional.of(new Secret("hooks.example.com/SeCrEt path")), Optional.empty(),
                Optional.empty(), Optional.empty());
        Alerts empty = new Alerts(Optional.of(new Secret("")), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

        assertThatThrownBy(() -> Sinks.from(typo))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("teams: the URL is not a valid http:// or https:// URL")
                .hasMessageNotContaining("SeCrEt");
        assertThatThrownBy(() -> Sinks.from(empty)).hasMessage("slack: the URL is empty");
    }
}
