package dev.lifeline.monitor.sink;

import dev.lifeline.config.Secret;
import dev.lifeline.monitor.AlertSink.AlertException;
import dev.lifeline.probe.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What a Teams Workflows webhook receives: an Adaptive Card in a message envelope; and help for retired connector URLs. */
class TeamsSinkTest {
    private final Receiver teams = Receiver.start();

    @AfterEach
    void close() {
        teams.close();
    }

    private TeamsSink sink() {
        return new TeamsSink(teams.url("/workflows/abc/triggers/manual/paths/invoke?sig=SeCrEt"), Fixtures.FAST);
    }

    @Test
    void postsAnAdaptiveCardAndTakesTheWorkflows202AsDelivered() throws Exception {
        teams.always(Receiver.Answer.of(202, ""));

        sink().send(Fixtures.mixed());

        assertThat(teams.requests()).hasSize(1);
        Receiver.Request r = teams.requests().getFirst();
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.uri().getQuery()).isEqualTo("sig=SeCrEt");
        assertThat(r.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
        assertThat(r.json()).isEqualTo(Fixtures.golden("teams.json"));
        assertThat(r.json().at("/attachments/0/contentUrl").isNull()).isTrue();
    }

    @Test
    void theTitlesColourFollowsTheStatus() throws Exception {
        TeamsSink sink = sink();

        sink.send(Fixtures.problem(Status.WARNING, "slow"));
        sink.send(Fixtures.recovery());
        sink.send(Fixtures.problem(Status.UNKNOWN, "the check itself failed"));

        assertThat(teams.requests()).extracting(r -> r.json().at("/attachments/0/content/body/0/color").asText())
                .containsExactly("Warning", "Good", "Attention");
    }

    @Test
    void anOffice365ConnectorUrlFailsWithHowToMove() {
        // the connector's host cannot be faked on loopback, so the receiver plays the proxy every request goes through
        teams.always(Receiver.Answer.of(410, "Connector is retired"));
        HttpSender.Settings viaReceiver = new HttpSender.Settings(Duration.ofSeconds(10), Duration.ofSeconds(10), 2, Duration.ofMillis(20),
                Duration.ofSeconds(1), Optional.of(ProxySelector.of(new InetSocketAddress("127.0.0.1", teams.port()))));
        TeamsSink sink = new TeamsSink(new Secret("http://contoso.webhook.office.com/webhookb2/g-u-i-d@t-e-n/IncomingWebhook/SeCrEt/x"), viaReceiver);

        assertThat(sink.usesRetiredConnector()).isTrue();
        assertThatThrownBy(() -> sink.send(Fixtures.mixed()))
                .isInstanceOf(AlertException.class)
                .hasMessageStartingWith("teams: HTTP 410 Connector is retired")
                .hasMessageContaining("Microsoft retired those connectors")
                .hasMessageContaining("Workflows")
                .hasMessageNotContaining("SeCrEt")
                .hasMessageNotContaining("g-u-i-d");
        assertThat(teams.requests()).hasSize(1);
        assertThat(teams.requests().getFirst().uri().getHost()).isEqualTo("contoso.webhook.office.com");
    }

    @Test
    void onlyConnectorHostsAreTakenForRetiredConnectors() {
        assertThat(new TeamsSink(new Secret("https://x.webhook.office.com/webhookb2/a")).usesRetiredConnector()).isTrue();
        assertThat(new TeamsSink(new Secret("https://outlook.office.com/webhook/a/IncomingWebhook/b")).usesRetiredConnector()).isTrue();
        assertThat(new TeamsSink(new Secret("https://prod-01.westeurope.logic.azure.com:443/workflows/a/triggers/manual/paths/invoke"))
                .usesRetiredConnector()).isFalse();
        assertThat(new TeamsSink(new Secret("https://default1234.56.environment.api.powerplatform.com/powerautomate/automations/direct/a"))
                .usesRetiredConnector()).isFalse();
    }

    @Test
    void aWorkflowUrlGetsNoConnectorHintWhenItFails() {
        teams.always(Receiver.Answer.of(404, ""));

        assertThatThrownBy(() -> sink().send(Fixtures.mixed()))
                .hasMessage("teams: HTTP 404 (no such workflow: was it deleted, or its URL changed?)");
    }
}
