package dev.lifeline.monitor.sink;

import dev.lifeline.config.MonitorConfig.Email;
import dev.lifeline.config.Secret;
import dev.lifeline.monitor.AlertSink;
import dev.lifeline.monitor.Notice;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Date;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Collectors;
import javax.net.ssl.SSLException;

/**
 * Mails a notice over SMTP: the title as subject, one line per check, the host and time, and a hint at what to do.
 * Plain text only, so that it reads the same in every client and on a pager.
 *
 * <p>Jakarta Mail waits forever by default to connect, to read and to write; a half-dead mail server would hang the
 * whole monitor run. Here each of the three has a limit (10 s unless told otherwise).
 */
public final class EmailSink implements AlertSink {
    private final Email config;
    private final Duration timeout;

    /** @param config the server, its protection and login, the sender and the recipients */
    public EmailSink(Email config) {
        this(config, Duration.ofSeconds(10));
    }

    /** @param timeout for connecting, and for each read and write on the connection */
    EmailSink(Email config, Duration timeout) {
        this.config = Objects.requireNonNull(config, "config");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    @Override
    public String name() {
        return "email";
    }

    @Override
    public void send(Notice notice) throws AlertException {
        if (config.to().isEmpty()) {
            throw new AlertException("email: no recipients (monitor.alerts.email.to is empty)");
        }
        try {
            MimeMessage message = message(Session.getInstance(properties()), notice);
            if (config.username().isPresent()) {
                Transport.send(message, config.username().get(), config.password().map(Secret::value).orElse(""));
            } else {
                Transport.send(message);
            }
        } catch (MessagingException e) {
            throw new AlertException("email: " + HttpSender.printable(redact(explain(e)), 300));
        }
    }

    /** The SMTP session's settings: where, how protected, and how long to wait. */
    Properties properties() {
        String millis = Long.toString(timeout.toMillis());
        Properties p = new Properties();
        p.setProperty("mail.smtp.host", config.host());
        p.setProperty("mail.smtp.port", Integer.toString(config.port()));
        p.setProperty("mail.smtp.connectiontimeout", millis);
        p.setProperty("mail.smtp.timeout", millis);
        p.setProperty("mail.smtp.writetimeout", millis);
        p.setProperty("mail.smtp.auth", Boolean.toString(config.username().isPresent()));
        switch (config.tls()) {
            case STARTTLS -> {
                p.setProperty("mail.smtp.starttls.enable", "true");
                p.setProperty("mail.smtp.starttls.required", "true");
                p.setProperty("mail.smtp.ssl.checkserveridentity", "true");
            }
            case TLS -> {
                p.setProperty("mail.smtp.ssl.enable", "true");
                p.setProperty("mail.smtp.ssl.checkserveridentity", "true");
            }
            case NONE -> {
            }
        }
        return p;
    }

    private MimeMessage message(Session session, Notice n) throws MessagingException {
        MimeMessage m = new MimeMessage(session);
        m.setFrom(new InternetAddress(config.from(), true));
        for (String to : config.to()) {
            m.addRecipient(Message.RecipientType.TO, new InternetAddress(to, true));
        }
        m.setSubject(n.title(), StandardCharsets.UTF_8.name());
        m.setSentDate(Date.from(n.at()));
        // RFC 3834: no out-of-office replies to a machine
        m.setHeader("Auto-Submitted", "auto-generated");
        m.setText(body(n), StandardCharsets.UTF_8.name());
        return m;
    }

    /** One line per check, then where and when, then what to do. */
    static String body(Notice n) {
        StringBuilder b = new StringBuilder();
        for (Notice.Item item : n.items()) {
            b.append(item.line()).append('\n');
        }
        b.append('\n')
                .append("Host: ").append(n.host()).append('\n')
                .append("Time: ").append(Texts.utc(n.at())).append('\n')
                .append('\n')
                .append("-- \n");
        if (n.isTest()) {
            b.append("This is a test: nothing is wrong. Sent by lifeline monitor test-alert.\n");
        } else {
            b.append("Sent by lifeline monitor on ").append(n.host()).append(" when a check changes state.\n")
                    .append("Run lifeline monitor there to see every check now.\n");
        }
        return b.toString();
    }

    /** What went wrong, in words that point at the fix; the server and port are named, never the password. */
    private String explain(MessagingException e) {
        String server = config.host() + ":" + config.port();
        if (e instanceof AuthenticationFailedException) {
            return server + " refused the login (check username and password)" + reply(e);
        }
        if (e instanceof AddressException a) {
            return "not a valid address in monitor.alerts.email: " + Optional.ofNullable(a.getRef()).orElse("?");
        }
        if (e instanceof SendFailedException s && s.getInvalidAddresses() != null && s.getInvalidAddresses().length > 0) {
            return server + " refused the recipients " + Arrays.stream(s.getInvalidAddresses()).map(Object::toString)
                    .collect(Collectors.joining(", ")) + reply(s.getNextException() instanceof MessagingException next ? next : e);
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException) {
                return String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT).contains("connect")
                        ? "connecting to " + server + " timed out after " + HttpSender.say(timeout)
                        : server + " did not answer within " + HttpSender.say(timeout);
            }
            if (t instanceof UnknownHostException) {
                return config.host() + " does not resolve";
            }
            if (t instanceof ConnectException) {
                return "cannot connect to " + server + " (connection refused)";
            }
            if (t instanceof SSLException) {
                return "TLS with " + server + " failed: " + t.getMessage();
            }
        }
        return server + ": " + Optional.ofNullable(e.getMessage()).orElse(e.getClass().getSimpleName());
    }

    private static String reply(MessagingException e) {
        return Optional.ofNullable(e.getMessage()).filter(m -> !m.isBlank()).map(m -> ": " + m).orElse("");
    }

    /** A password has no business in a message, should a server have echoed it. */
    private String redact(String text) {
        return config.password().map(Secret::value).filter(p -> p.length() > 2)
                .map(p -> text.replace(p, "(password)")).orElse(text);
    }
}
