package dev.lifeline.probe;

import dev.lifeline.config.MonitorConfig.Level;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/** Judges a measured number against a warning and a critical level, and writes the levels as Nagios ranges. */
final class Judge {
    private Judge() {
    }

    /** A rate that is a problem when it falls below a level (tokens per second). */
    static Judged atLeast(Measure m, Level<Double> level) {
        Status s = level.critical().filter(c -> m.value() < c).map(c -> Status.CRITICAL)
                .or(() -> level.warning().filter(w -> m.value() < w).map(w -> Status.WARNING)).orElse(Status.OK);
        String limit = s == Status.CRITICAL ? number(level.critical().get()) : s == Status.WARNING ? number(level.warning().get()) : "";
        return new Judged(m.judgedBy(level.warning().map(w -> number(w) + ":").orElse(""), level.critical().map(c -> number(c) + ":").orElse("")),
                s, s.isOk() ? Optional.empty() : Optional.of("below " + limit));
    }

    /** A time that is a problem when it rises above a level (first token, load). The measure is in seconds. */
    static Judged atMost(Measure m, Level<Duration> level) {
        Optional<Double> warn = level.warning().map(Judge::seconds);
        Optional<Double> crit = level.critical().map(Judge::seconds);
        Status s = crit.filter(c -> m.value() > c).map(c -> Status.CRITICAL)
                .or(() -> warn.filter(w -> m.value() > w).map(w -> Status.WARNING)).orElse(Status.OK);
        String limit = s == Status.CRITICAL ? number(crit.get()) : s == Status.WARNING ? number(warn.get()) : "";
        return new Judged(m.judgedBy(warn.map(Judge::number).orElse(""), crit.map(Judge::number).orElse("")),
                s, s.isOk() ? Optional.empty() : Optional.of("over " + limit + " s"));
    }

    record Judged(Measure measure, Status status, Optional<String> why) {
    }

    static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }

    /** 6.2, 0.31, 100: as few digits as say it. */
    static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return String.valueOf((long) v);
        }
        String s = String.format(Locale.ROOT, Math.abs(v) >= 10 ? "%.1f" : "%.2f", v);
        return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
    }
}
