package dev.lifeline.routing;

import dev.lifeline.chat.Endpoint;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Everything worth knowing about one finished request: what the structured log line and the metrics are made of.
 *
 * @param outcome  {@code ok}, {@code error} (the gateway or upstream answered with an error), {@code interrupted}
 *                 (a stream was cut after commit) or {@code cancelled} (the client left)
 * @param failover a short reason when the request was served by another target than the first, e.g.
 *                 {@code openai gpt-4o: connect timeout}
 */
public record ExchangeRecord(
        String requestId,
        Instant received,
        Endpoint endpoint,
        String clientModel,
        String route,
        boolean stream,
        boolean contingency,
        List<Attempt> attempts,
        Optional<Target> served,
        int status,
        String outcome,
        Optional<String> failover,
        Optional<Duration> timeToFirstToken,
        Duration duration,
        long promptTokens,
        long completionTokens) {

    public ExchangeRecord {
        attempts = List.copyOf(attempts);
    }
}
