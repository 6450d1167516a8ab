package dev.lifeline.observe;

import dev.lifeline.chat.Endpoint;
import dev.lifeline.routing.Attempt;
import dev.lifeline.routing.ExchangeRecord;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The failover sentence operators read on stderr tells outages, not requests that were the client's to fix. */
class RequestLogTest {
    private static final String UNTRANSLATABLE = "cannot be translated for anthropic: n: 2 cannot be translated (expected: 1)";

    private static Attempt attempt(String backend, boolean cloud, String outcome, String reason) {
        return new Attempt(backend + " m", backend, cloud, outcome, reason, "next target", Duration.ZERO, Duration.ZERO);
    }

    private static ExchangeRecord record(int status, String outcome, List<Attempt> attempts) {
        return new ExchangeRecord("req_1", Instant.now(), Endpoint.CHAT, "gpt-4o", "gpt-4o", false, false, attempts,
                Optional.empty(), status, outcome, Optional.empty(), Optional.empty(), Duration.ZERO, 0, 0);
    }

    @Test
    void aRequestNoTargetCanCarryIsNoOutage() {
        ExchangeRecord r = record(400, "error", List.of(attempt("claude", true, "skipped", UNTRANSLATABLE)));

        assertThat(RequestLog.sentence(r)).isEmpty();
    }

    @Test
    void aTargetThatCannotCarryTheRequestIsNotBlamedForTheOutageAfterIt() {
        ExchangeRecord r = record(503, "error", List.of(
                attempt("claude", true, "skipped", UNTRANSLATABLE),
                attempt("ollama", false, "failed", "connection refused")));

        assertThat(RequestLog.sentence(r)).hasValue("local target unavailable (connection refused, ollama), request failed with status 503");
    }

    @Test
    void aRealCloudOutageIsStillTold() {
        ExchangeRecord r = record(503, "error", List.of(attempt("claude", true, "failed", "connection refused")));

        assertThat(RequestLog.sentence(r)).hasValue("cloud unavailable (connection refused, claude), request failed with status 503");
    }
}
