package dev.lifeline.monitor.output;

/** Summaries come partly from backends (error messages, model names), so they are made safe to print on one line. */
final class Text {
    private Text() {
    }

    /**
     * The text on one line with every control character (newline, tab, the ESC that starts a terminal escape
     * sequence) turned into a space, so a hostile or chatty backend can neither break a line-based format nor
     * repaint the user's terminal.
     */
    static String oneLine(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? ' ' : c));
        return b.toString().strip();
    }

    /**
     * How many terminal columns the text takes, counting code points rather than UTF-16 units, so a model name with
     * an accent or an emoji does not shift the columns after it (double-width CJK characters are not measured).
     */
    static int width(String s) {
        return s.codePointCount(0, s.length());
    }

    /** {@code 1 check}, {@code 7 checks}. */
    static String checks(int n) {
        return n == 1 ? "1 check" : n + " checks";
    }
}
