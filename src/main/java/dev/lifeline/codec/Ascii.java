package dev.lifeline.codec;

/** Text bound for places that only take printable ASCII: HTTP header values, log fields. */
public final class Ascii {
    private Ascii() {
    }

    /** {@code s} with everything outside printable ASCII (0x20-0x7e) replaced by {@code ?}; {@code s} itself when clean. */
    public static String printable(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (!isPrintable(s.charAt(i))) {
                char[] chars = s.toCharArray();
                for (int k = i; k < chars.length; k++) {
                    if (!isPrintable(chars[k])) {
                        chars[k] = '?';
                    }
                }
                return new String(chars);
            }
        }
        return s;
    }

    private static boolean isPrintable(char c) {
        return c >= 0x20 && c <= 0x7e;
    }
}
