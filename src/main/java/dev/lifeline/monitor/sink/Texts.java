package dev.lifeline.monitor.sink;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** Small text helpers the sinks share, so that every channel shows times the same way. */
final class Texts {
    private static final DateTimeFormatter UTC = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

    private Texts() {
    }

    /** {@code 2026-01-02 03:04:05 UTC}: for people, who may sit in another time zone than the monitor. */
    static String utc(Instant at) {
        return UTC.format(at);
    }

    /** {@code 2026-01-02T03:04:05Z}: ISO-8601 to the second. */
    static String iso(Instant at) {
        return at.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** At most {@code max} characters, ending in {@code …} when cut. */
    static String cap(String text, int max) {
        if (text.length() <= max) {
            return text;
        }
        int cut = Character.isHighSurrogate(text.charAt(max - 2)) ? max - 2 : max - 1;
        return text.substring(0, cut) + "…";
    }
}
