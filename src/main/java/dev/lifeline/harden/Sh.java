package dev.lifeline.harden;

import dev.lifeline.systemd.UnitText;

/** Words for a POSIX shell, in the printed steps. */
final class Sh {
    private Sh() {
    }

    /** As it is when it is plain, else in single quotes (a quote inside becomes {@code '\''}). */
    static String word(String word) {
        return UnitText.needsQuotes(word, "%") ? "'" + word.replace("'", "'\\''") + "'" : word;
    }

    /** Refuses line breaks and other control characters, which no printed step or unit line can carry. */
    static boolean plain(String value) {
        return value.chars().noneMatch(c -> c < 0x20 || c == 0x7f);
    }
}
