package dev.lifeline.monitor.sink;

import dev.lifeline.config.Secret;
import dev.lifeline.monitor.AlertSink.AlertException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * How every HTTP sink copes with a receiver that is busy, refuses, is gone or hangs: brief retries only where they can
 * help, limits on every wait, and messages that say what happened without ever showing the URL.
 */
class HttpDeliveryTest {
    private final Receiver hook = Receiver.start();

    @AfterEach
    void close() {
        hook.close();
    }

    private WebhookSink sink(HttpSender.Settings settings) {
        return new WebhookSink(hook.url("/hooks/T0001/SeCrEtPaTh"), settings);
    }

    @Test
    void aRateLimitedNoticeIsSentAgainAfterTheWaitTheReceiverAsked() throws Exception {
        hook.then(Receiver.Answer.of(429, "rate_limited").with("Retry-After", "1")).then(Receiver.Answer.of(200, "ok"));

        long start = System.nanoTime();
        sink(Fixtures.FAST).send(Fixtures.mixed());
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(hook.requests()).hasSize(2);
        assertThat(hook.requests().get(1).json()).isEqualTo(hook.requests().get(0).json());
        // FAST's own backoff is 20 ms: only the receiver's Retry-After explains a wait of a second
        assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(900)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void aLongRetryAfterIsCappedSoTheRunGoesOn() throws Exception {
        hook.then(Receiver.Answer.of(503, "").with("Retry-After", "3600")).then(Receiver.Answer.of(200, "ok"));
        HttpSender.Settings capped = new HttpSender.Settings(Duration.ofSeconds(10), Duration.ofSeconds(10), 2, Duration.ofMillis(20),
                Duration.ofMillis(300), Optional.empty());

        long start = System.nanoTime();
        sink(capped).send(Fixtures.mixed());

        assertThat(hook.requests()).hasSize(2);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void aServerErrorIsTriedThreeTimesInAllThenReported() {
        hook.always(Receiver.Answer.of(503, "upstream unavailable"));

        assertThatThrownBy(() -> sink(Fixtures.FAST).send(Fixtures.mixed()))
                .isInstanceOf(AlertException.class)
                .hasMessage("webhook: HTTP 503 upstream unavailable after 3 attempts");
        assertThat(hook.requests()).hasSize(3);
    }

    @Test
    void aRefusalIsNotRetriedAndNamesSinkAndStatusButNotTheUrl() {
        hook.always(Receiver.Answer.of(400, "{\"error\":\"bad request at /hooks/T0001/SeCrEtPaTh\"}"));

        assertThatThrownBy(() -> sink(Fixtures.FAST).send(Fixtures.mixed()))
                .isInstanceOf(AlertException.class)
                .hasMessageStartingWith("webhook: HTTP 400 ")
                .hasMessageNotContaining("SeCrEtPaTh")
                .hasMessageNotContaining("127.0.0.1")
                .hasMessageNotContaining("after");
        assertThat(hook.requests()).hasSize(1);
    }

    @Test
    void anHtmlErrorPageIsLeftOutOfTheMessage() {
        hook.always(Receiver.Answer.of(403, "<html><body><h1>Forbidden</h1>\n<p>by policy</p></body></html>"));

        assertThatThrownBy(() -> sink(Fixtures.FAST).send(Fixtures.mixed()))
                .hasMessage("webhook: HTTP 403 (the receiver refused the request: is the URL still valid?)");
    }

    @Test
    void aLongOrUnprintableBodyIsShortenedToOneLine() {
        hook.always(Receiver.Answer.of(400, "line one\r\n\u001b[31mred\u001b[0m\u202e " + "x".repeat(5000)));

        assertThatThrownBy(() -> sink(Fixtures.FAST).send(Fixtures.mixed()))
                .satisfies(e -> {
                    assertThat(e.getMessage()).startsWith("webhook: HTTP 400 line one [31mred [0m x").doesNotContain("\n", "\u001b", "\u202e");
                    assertThat(e.getMessage().length()).isLessThan(200);
                });
    }

    @Test
    void aRedirectIsNotFollowed() {
        hook.always(Receiver.Answer.of(302, "").with("Location", "http://127.0.0.1:1/elsewhere"));

        assertThatThrownBy(() -> sink(Fixtures.FAST).send(Fixtures.mixed()))
                .hasMessage("webhook: HTTP 302 (the URL redirects elsewhere: configure the URL it redirects to)");
        assertThat(hook.requests()).hasSize(1);
    }

    @Test
    void aReceiverThatNeverAnswersFailsWithinTheTimeoutAndIsNotAskedAgain() throws Exception {
        try (Silent silent = Silent.start()) {
            HttpSender.Settings oneSecond = new HttpSender.Settings(Duration.ofSeconds(1), Duration.ofSeconds(1), 2, Duration.ofMillis(20),
                    Duration.ofSeconds(10), Optional.empty());
            WebhookSink sink = new WebhookSink(new Secret("http://127.0.0.1:" + silent.port() + "/hooks/SeCrEt"), oneSecond);

            long start = System.nanoTime();
            assertThatThrownBy(() -> sink.send(Fixtures.mixed()))
                    .isInstanceOf(AlertException.class)
                    .hasMessage("webhook: no answer within 1 s");
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(900)).isLessThan(Duration.ofSeconds(5));
            assertThat(silent.connections()).isEqualTo(1);
        }
    }

    @Test
    void aReceiverThatStallsInTheMiddleOfItsAnswerFailsWithinTheTimeout() throws Exception {
        // the JDK's own request timeout ends with the headers; the body must not hang the run either
        try (Silent stalling = Silent.saying("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nok")) {
            HttpSender.Settings oneSecond = new HttpSender.Settings(Duration.ofSeconds(1), Duration.ofSeconds(1), 2, Duration.ofMillis(20),
                    Duration.ofSeconds(10), Optional.empty());
            WebhookSink sink = new WebhookSink(new Secret("http://127.0.0.1:" + stalling.port() + "/hooks/SeCrEt"), oneSecond);

            long start = System.nanoTime();
            assertThatThrownBy(() -> sink.send(Fixtures.mixed())).hasMessage("webhook: no answer within 1 s");

            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            assertThat(stalling.connections()).isEqualTo(1);
        }
    }

    @Test
    void aTlsFailureIsReportedOnceNotRetried() throws Exception {
        // an https URL that reaches a plain-text server: the handshake fails, and would fail the same way again
        try (ServerSocket plain = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            AtomicInteger connections = new AtomicInteger();
            Thread.ofVirtual().start(() -> {
                while (!plain.isClosed()) {
                    try (Socket s = plain.accept()) {
                        connections.incrementAndGet();
                        s.getOutputStream().write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
            WebhookSink sink = new WebhookSink(new Secret("https://127.0.0.1:" + plain.getLocalPort() + "/hooks/SeCrEt"), Fixtures.FAST);

            assertThatThrownBy(() -> sink.send(Fixtures.mixed()))
                    .isInstanceOf(AlertException.class)
                    .hasMessageStartingWith("webhook: TLS failed: ")
                    .hasMessageNotContaining("SeCrEt")
                    .hasMessageNotContaining("after");
            assertThat(connections.get()).isEqualTo(1);
        }
    }

    @Test
    void aDeadPortIsTriedBrieflyAndSaidPlainly() {
        WebhookSink sink = new WebhookSink(new Secret("http://127.0.0.1:" + Fixtures.deadPort() + "/hooks/SeCrEt"), Fixtures.FAST);

        assertThatThrownBy(() -> sink.send(Fixtures.mixed()))
                .isInstanceOf(AlertException.class)
                .hasMessage("webhook: connection refused after 3 attempts");
    }

    @Test
    void aNameThatDoesNotResolveIsSaidSo() {
        WebhookSink sink = new WebhookSink(new Secret("http://no-such-host.invalid/hooks/SeCrEt"),
                new HttpSender.Settings(Duration.ofSeconds(10), Duration.ofSeconds(10), 0, Duration.ofMillis(20), Duration.ofSeconds(1), Optional.empty()));

        assertThatThrownBy(() -> sink.send(Fixtures.mixed()))
                .hasMessage("webhook: the host name does not resolve");
    }
}
