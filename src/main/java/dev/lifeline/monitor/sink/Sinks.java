package dev.lifeline.monitor.sink;

import dev.lifeline.config.MonitorConfig.Alerts;
import dev.lifeline.monitor.AlertSink;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Turns the {@code alerts:} configuration into the sinks to send to, always in the same order. */
public final class Sinks {
    private Sinks() {
    }

    /**
     * The configured sinks, in the order slack, teams, webhook, email; empty when none is configured.
     *
     * @throws IllegalArgumentException when a URL is empty or not an http(s) URL; the message names the sink, not the URL
     */
    public static List<AlertSink> from(Alerts alerts) {
        List<AlertSink> sinks = new ArrayList<>();
        alerts.slack().ifPresent(url -> sinks.add(new SlackSink(url)));
        alerts.teams().ifPresent(url -> sinks.add(new TeamsSink(url)));
        alerts.webhook().ifPresent(url -> sinks.add(new WebhookSink(url)));
        alerts.email().ifPresent(email -> sinks.add(new EmailSink(email)));
        return List.copyOf(sinks);
    }

    /**
     * The heartbeat to ping after each run, when one is configured.
     *
     * @throws IllegalArgumentException when its URL is empty or not an http(s) URL (the message does not show it)
     */
    public static Optional<Heartbeat> heartbeat(Alerts alerts) {
        return alerts.heartbeat().map(Heartbeat::new);
    }
}
