package dev.lifeline.systemd;

import java.time.Duration;

/**
 * Text that lands in a systemd unit file, quoted the way systemd reads it: {@code %} starts a specifier everywhere,
 * {@code $} starts a variable in {@code ExecStart=} arguments, and quotes and backslashes follow C rules. Shared by
 * every unit Lifeline writes (the monitor's timer, the hardened units).
 */
public final class UnitText {
    private UnitText() {
    }

    /** The program of an ExecStart: {@code $} is literal there, and systemd refuses quotes and backslashes. */
    public static String program(String path) {
        String s = specifiers(path);
        return needsQuotes(s, "%$") ? "\"" + s + "\"" : s;
    }

    /** An argument of an ExecStart: {@code $} starts a variable, so {@code $$} is a literal one. */
    public static String word(String arg) {
        String s = specifiers(arg).replace("$", "$$");
        return needsQuotes(s, "%$") ? quoted(arg, true) : s;
    }

    /** An item of Environment= or ReadWritePaths=, where {@code $} has no special meaning. */
    public static String item(String value) {
        String s = specifiers(value);
        return needsQuotes(s, "%") ? quoted(value, false) : s;
    }

    /** A double-quoted item: C-style escapes for backslash and quote, {@code %%} for a literal percent sign. */
    private static String quoted(String value, boolean dollars) {
        String s = specifiers(value).replace("\\", "\\\\").replace("\"", "\\\"");
        return "\"" + (dollars ? s.replace("$", "$$") : s) + "\"";
    }

    /** {@code %} starts a specifier ({@code %h}, {@code %S}...) in unit files. */
    public static String specifiers(String s) {
        return s.replace("%", "%%");
    }

    /** {@code 5min}, {@code 2h}, {@code 90s}: a systemd time span. */
    public static String span(Duration d) {
        long s = d.toSeconds();
        return s % 3600 == 0 ? s / 3600 + "h" : s % 60 == 0 ? s / 60 + "min" : s + "s";
    }

    /** True unless the word is non-empty and only letters, digits, {@code _@+=:,./-} and the given extra characters. */
    public static boolean needsQuotes(String word, String extra) {
        if (word.isEmpty()) {
            return true;
        }
        for (char c : word.toCharArray()) {
            boolean plain = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "_@+=:,./-".indexOf(c) >= 0
                    || extra.indexOf(c) >= 0;
            if (!plain) {
                return true;
            }
        }
        return false;
    }
}
