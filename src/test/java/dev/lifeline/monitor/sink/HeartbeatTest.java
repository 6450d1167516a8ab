package dev.lifeline.monitor.sink;

import dev.lifeline.monitor.AlertSink.AlertException;
import dev.lifeline.probe.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The heartbeat GETs its URL, exactly as configured, once per run, whatever the run found. */
class HeartbeatTest {
    private final Receiver watcher = Receiver.start();

    @AfterEach
    void close() {
        watcher.close();
    }

    @Test
    void eachPingIsOneGetOfTheUrlAsConfigured() throws Exception {
        Heartbeat heartbeat = new Heartbeat(watcher.url("/api/push/AbCdEf?status=up&msg=OK&ping="), Fixtures.FAST);

        heartbeat.ping(Status.OK);
        assertThat(watcher.requests()).hasSize(1);
        heartbeat.ping(Status.CRITICAL);

        assertThat(watcher.requests()).hasSize(2).allSatisfy(r -> {
            assertThat(r.method()).isEqualTo("GET");
            assertThat(r.uri().getPath()).isEqualTo("/api/push/AbCdEf");
            assertThat(r.uri().getQuery()).isEqualTo("status=up&msg=OK&ping=");
            assertThat(r.body()).isEmpty();
        });
    }

    @Test
    void aHealthchecksStylePingUrlIsKeptAsItIs() throws Exception {
        watcher.always(Receiver.Answer.of(200, "OK"));
        Heartbeat heartbeat = new Heartbeat(watcher.url("/ping/0f7a1c2e-1111-2222-3333-444455556666"), Fixtures.FAST);

        heartbeat.ping(Status.WARNING);

        assertThat(watcher.requests()).singleElement()
                .satisfies(r -> assertThat(r.uri().getPath()).isEqualTo("/ping/0f7a1c2e-1111-2222-3333-444455556666"));
    }

    @Test
    void aFailedPingSaysWhyWithoutTheUrl() {
        watcher.always(Receiver.Answer.of(404, "not found"));
        Heartbeat heartbeat = new Heartbeat(watcher.url("/ping/SeCrEt-UuId"), Fixtures.FAST);

        assertThatThrownBy(() -> heartbeat.ping(Status.OK))
                .isInstanceOf(AlertException.class)
                .hasMessage("heartbeat: HTTP 404 not found (no such webhook: was it deleted?)");
        assertThat(watcher.requests()).hasSize(1);
    }
}
