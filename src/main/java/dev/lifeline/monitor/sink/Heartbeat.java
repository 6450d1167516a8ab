package dev.lifeline.monitor.sink;

import dev.lifeline.config.Secret;
import dev.lifeline.monitor.AlertSink.AlertException;
import dev.lifeline.probe.Status;

import java.util.Objects;

/**
 * Tells an outside watcher after every run that the monitor is alive, so that a monitor that stopped running (a
 * broken cron entry, a dead machine) gets noticed: alerts alone cannot say that nothing is being checked any more.
 *
 * <p>A plain GET of the configured URL, as dead-man's-switch services expect: a Healthchecks check
 * ({@code https://hc-ping.com/<uuid>}, or a self-hosted {@code .../ping/<uuid>}) or an Uptime Kuma push monitor
 * ({@code https://kuma.example.com/api/push/<token>?status=up&msg=OK&ping=}) both work as they are configured.
 */
public final class Heartbeat {
    private final HttpSender http;

    /**
     * @param url the URL to GET after each run
     * @throws IllegalArgumentException when it is not an http(s) URL (the message does not show it)
     */
    public Heartbeat(Secret url) {
        this(url, HttpSender.Settings.defaults());
    }

    Heartbeat(Secret url, HttpSender.Settings settings) {
        this.http = new HttpSender("heartbeat", url, settings);
    }

    /**
     * Pings once, after a run. The URL is used exactly as configured whatever the run found: the ping says that the
     * monitor ran, and what it found goes to the alert sinks; turning a CRITICAL backend into a failed ping would
     * alert twice for one problem.
     *
     * @param runStatus how the run came out; it does not change the ping
     * @throws AlertException when the ping did not arrive, fit to print (never containing the URL)
     */
    public void ping(Status runStatus) throws AlertException {
        Objects.requireNonNull(runStatus, "runStatus");
        http.get(HttpSender.Explainer.NONE);
    }
}
