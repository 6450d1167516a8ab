package dev.lifeline.monitor.sink;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetupTest;
import dev.lifeline.config.MonitorConfig.Email;
import dev.lifeline.config.MonitorConfig.Email.Tls;
import dev.lifeline.config.Secret;
import dev.lifeline.monitor.AlertSink.AlertException;
import jakarta.mail.Message;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Alerts by email, against a real SMTP server (GreenMail) and against one that takes the connection and says nothing. */
class EmailSinkTest {
    // a free port rather than the fixed 3025, so that builds running side by side do not collide
    @RegisterExtension
    static final GreenMailExtension SMTP = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort())
            .withConfiguration(GreenMailConfiguration.aConfig().withUser("alerts@example.com", "alerts", "s3cret-pw"));

    private static Email email(int port, Tls tls, Optional<String> user, Optional<String> password) {
        return new Email("127.0.0.1", port, tls, user, password.map(Secret::new), "Lifeline <lifeline@example.com>",
                List.of("ops@example.com", "oncall@example.com"));
    }

    private static int port() {
        return SMTP.getSmtp().getPort();
    }

    @Test
    void mailsTheTitleOneLinePerCheckAndWhereAndWhen() throws Exception {
        new EmailSink(email(port(), Tls.NONE, Optional.empty(), Optional.empty()), Duration.ofSeconds(5)).send(Fixtures.mixed());

        MimeMessage[] received = SMTP.getReceivedMessages();
        assertThat(received).hasSize(2); // one copy per recipient
        MimeMessage m = received[0];
        assertThat(m.getSubject()).isEqualTo("[CRITICAL] 3 checks on gpu-box");
        assertThat(m.getFrom()).containsExactly(new InternetAddress("Lifeline <lifeline@example.com>"));
        assertThat(Arrays.stream(m.getRecipients(Message.RecipientType.TO)).map(a -> ((InternetAddress) a).getAddress()))
                .containsExactly("ops@example.com", "oncall@example.com");
        assertThat(m.getHeader("Auto-Submitted")).containsExactly("auto-generated");
        assertThat(m.getContentType()).startsWith("text/plain").containsIgnoringCase("charset=utf-8");
        assertThat(GreenMailUtil.getBody(m).lines()).containsSubsequence(
                "ollama/service is CRITICAL: connection refused",
                "ollama/inference is WARNING: llama3.1:8b: 6.2 tokens/s (warning below 10)",
                "vllm/models recovered (was WARNING): 2 models served",
                "",
                "Host: gpu-box",
                "Time: 2026-01-02 03:04:05 UTC",
                "",
                "-- ",
                "Sent by lifeline monitor on gpu-box when a check changes state.",
                "Run lifeline monitor there to see every check now.");
    }

    @Test
    void aTestAlertSaysNothingIsWrong() throws Exception {
        new EmailSink(email(port(), Tls.NONE, Optional.empty(), Optional.empty()), Duration.ofSeconds(5)).send(Fixtures.test());

        MimeMessage m = SMTP.getReceivedMessages()[0];
        assertThat(m.getSubject()).isEqualTo("[TEST] lifeline monitor on gpu-box");
        assertThat(GreenMailUtil.getBody(m)).contains("test alert from lifeline monitor: if you read this, alerts reach you",
                "This is a test: nothing is wrong.");
    }

    @Test
    void logsInWhenAUsernameIsConfigured() throws Exception {
        new EmailSink(email(port(), Tls.NONE, Optional.of("alerts"), Optional.of("s3cret-pw")), Duration.ofSeconds(5))
                .send(Fixtures.mixed());

        assertThat(SMTP.getReceivedMessages()).hasSize(2);
    }

    @Test
    void aRefusedLoginIsSaidWithoutThePassword() {
        EmailSink sink = new EmailSink(email(port(), Tls.NONE, Optional.of("alerts"), Optional.of("wrong-pw")), Duration.ofSeconds(5));

        assertThatThrownBy(() -> sink.send(Fixtures.mixed()))
                .isInstanceOf(AlertException.class)
                .hasMessageStartingWith("email: 127.0.0.1:" + port() + " refused the login (check username and password)")
                .hasMessageNotContaining("wrong-pw");
        assertThat(SMTP.getReceivedMessages()).isEmpty();
    }

    @Test
    void starttlsIsRequiredNotHopedFor() {
        // GreenMail's plain SMTP cannot upgrade: with starttls the password and the mail must not go out in clear
        EmailSink sink = new EmailSink(email(port(), Tls.STARTTLS, Optional.of("alerts"), Optional.of("s3cret-pw")), Duration.ofSeconds(5));

        assertThatThrownBy(() -> sink.send(Fixtures.mixed()))
                .isInstanceOf(AlertException.class)
                .hasMessageStartingWith("email: ")
                .hasMessageContaining("STARTTLS")
                .hasMessageNotContaining("s3cret-pw");
        assertThat(SMTP.getReceivedMessages()).isEmpty();
    }

    @Test
    void aServerThatNeverGreetsFailsWithinTheTimeout() throws Exception {
        try (Silent silent = Silent.start()) {
            EmailSink sink = new EmailSink(email(silent.port(), Tls.NONE, Optional.empty(), Optional.empty()), Duration.ofSeconds(1));

            long start = System.nanoTime();
            assertThatThrownBy(() -> sink.send(Fixtures.mixed()))
                    .isInstanceOf(AlertException.class)
                    .hasMessage("email: 127.0.0.1:" + silent.port() + " did not answer within 1 s");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void aClosedPortIsSaidPlainly() {
        int dead = Fixtures.deadPort();
        EmailSink sink = new EmailSink(email(dead, Tls.NONE, Optional.empty(), Optional.empty()), Duration.ofSeconds(1));

        assertThatThrownBy(() -> sink.send(Fixtures.mixed()))
                .hasMessage("email: cannot connect to 127.0.0.1:" + dead + " (connection refused)");
    }

    @Test
    void noRecipientsIsAConfigurationMistake() {
        Email nobody = new Email("127.0.0.1", port(), Tls.NONE, Optional.empty(), Optional.empty(), "lifeline@example.com", List.of());

        assertThatThrownBy(() -> new EmailSink(nobody).send(Fixtures.mixed()))
                .hasMessage("email: no recipients (monitor.alerts.email.to is empty)");
    }

    @Test
    void everyWaitIsLimited() {
        var props = new EmailSink(email(587, Tls.STARTTLS, Optional.of("u"), Optional.of("p")), Duration.ofSeconds(10)).properties();

        assertThat(props).containsEntry("mail.smtp.connectiontimeout", "10000")
                .containsEntry("mail.smtp.timeout", "10000")
                .containsEntry("mail.smtp.writetimeout", "10000")
                .containsEntry("mail.smtp.auth", "true")
                .containsEntry("mail.smtp.starttls.enable", "true")
                .containsEntry("mail.smtp.starttls.required", "true");
        assertThat(new EmailSink(email(465, Tls.TLS, Optional.empty(), Optional.empty())).properties())
                .containsEntry("mail.smtp.ssl.enable", "true")
                .containsEntry("mail.smtp.auth", "false")
                .doesNotContainKey("mail.smtp.starttls.enable");
    }
}
