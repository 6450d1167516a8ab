package dev.lifeline.monitor.sink;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What a generic webhook receives: one JSON document with stable, machine-named fields. */
class WebhookSinkTest {
    private final Receiver hook = Receiver.start();
    private final WebhookSink sink = new WebhookSink(hook.url("/hooks/lifeline?token=SeCrEt"), Fixtures.FAST);

    @AfterEach
    void close() {
        hook.close();
    }

    @Test
    void postsEveryCheckWithItsStatusesAndMeasures() throws Exception {
        sink.send(Fixtures.mixed());

        assertThat(hook.requests()).hasSize(1);
        Receiver.Request r = hook.requests().getFirst();
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.header("Content-Type")).isEqualTo("application/json; charset=utf-8");
        assertThat(r.header("User-Agent")).isEqualTo("lifeline-monitor");
        JsonNode body = r.json();
        assertThat(body).isEqualTo(Fixtures.golden("webhook.json"));
        assertThat(body.at("/items/1/measures/llama3.1:8b~1tokens_per_second").isNumber()).isTrue();
        assertThat(body.path("test").isBoolean()).isTrue();
    }

    @Test
    void aTestAlertIsMarkedAsOne() throws Exception {
        sink.send(Fixtures.test());

        JsonNode body = hook.requests().getFirst().json();
        assertThat(body.path("test").booleanValue()).isTrue();
        assertThat(body.path("status").asText()).isEqualTo("OK");
        assertThat(body.at("/items/0/kind").asText()).isEqualTo("TEST");
    }

    @Test
    void anyTwoHundredSomethingIsDelivered() throws Exception {
        hook.then(Receiver.Answer.of(201, "{\"id\":1}")).then(Receiver.Answer.of(204, ""));

        sink.send(Fixtures.mixed());
        sink.send(Fixtures.recovery());

        assertThat(hook.requests()).hasSize(2);
    }
}
