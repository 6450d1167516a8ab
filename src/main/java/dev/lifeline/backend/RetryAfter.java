package dev.lifeline.backend;

import io.netty.handler.codec.http.HttpHeaders;

import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/** Reads a provider's hint of when to come back: {@code retry-after-ms}, {@code x-ms-retry-after-ms}, {@code retry-after}. */
public final class RetryAfter {
    private RetryAfter() {
    }

    public static Optional<Duration> parse(HttpHeaders h, Clock clock) {
        for (String name : new String[] {"retry-after-ms", "x-ms-retry-after-ms"}) {
            String v = h.get(name);
            if (v != null) {
                try {
                    double ms = Double.parseDouble(v.trim());
                    if (ms >= 0 && ms < 1e12) {
                        return Optional.of(Duration.ofMillis(Math.round(ms)));
                    }
                } catch (NumberFormatException e) {
                    // fall through to retry-after
                }
            }
        }
        String v = h.get("retry-after");
        if (v == null) {
            return Optional.empty();
        }
        try {
            double s = Double.parseDouble(v.trim());
            return s >= 0 && s < 1e9 ? Optional.of(Duration.ofMillis(Math.round(s * 1000))) : Optional.empty();
        } catch (NumberFormatException e) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(v.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration d = Duration.between(clock.instant(), at.toInstant());
                return Optional.of(d.isNegative() ? Duration.ZERO : d);
            } catch (DateTimeParseException e2) {
                return Optional.empty();
            }
        }
    }
}
