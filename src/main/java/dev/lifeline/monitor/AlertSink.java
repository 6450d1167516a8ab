package dev.lifeline.monitor;

/**
 * Somewhere an alert goes: Slack, Microsoft Teams, a JSON webhook, email. A send either reaches the receiver
 * (it answered with success) or throws, and then the monitor tries the same notice again on its next run.
 */
public interface AlertSink {
    /** {@code slack}, {@code teams}, {@code webhook}, {@code email}: also the key of this sink's alert state */
    String name();

    /**
     * Delivers the notice, with short timeouts and at most a brief retry on 429 or 5xx.
     *
     * @throws AlertException why it did not arrive, fit to print (never containing the webhook URL or a password)
     */
    void send(Notice notice) throws AlertException;

    /** A notice that did not arrive, and why, fit to print. */
    final class AlertException extends Exception {
        public AlertException(String message) {
            super(message);
        }
    }
}
