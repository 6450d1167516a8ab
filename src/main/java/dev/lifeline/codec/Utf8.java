package dev.lifeline.codec;

import java.nio.charset.StandardCharsets;

/** UTF-8 checks for bytes that are passed through without being decoded to text. */
public final class Utf8 {
    private Utf8() {
    }

    /**
     * The bytes themselves when they are valid UTF-8 (the usual case, checked without allocating), otherwise a copy
     * with every invalid sequence replaced by U+FFFD, exactly as decoding them to a {@code String} would.
     */
    public static byte[] sanitized(byte[] bytes) {
        return isValid(bytes, 0, bytes.length) ? bytes : new String(bytes, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8);
    }

    /** True if {@code bytes[from, to)} is well-formed UTF-8 (RFC 3629: no overlong forms, surrogates or values past U+10FFFF). */
    public static boolean isValid(byte[] bytes, int from, int to) {
        int i = from;
        while (i < to) {
            int b = bytes[i] & 0xFF;
            if (b < 0x80) {
                i++;
                continue;
            }
            int n;
            int lo = 0x80;
            int hi = 0xBF;
            if (b >= 0xC2 && b <= 0xDF) {
                n = 1;
            } else if (b >= 0xE0 && b <= 0xEF) {
                n = 2;
                if (b == 0xE0) {
                    lo = 0xA0; // overlong
                } else if (b == 0xED) {
                    hi = 0x9F; // surrogates
                }
            } else if (b >= 0xF0 && b <= 0xF4) {
                n = 3;
                if (b == 0xF0) {
                    lo = 0x90; // overlong
                } else if (b == 0xF4) {
                    hi = 0x8F; // past U+10FFFF
                }
            } else {
                return false; // a continuation byte without a lead, 0xC0, 0xC1 or 0xF5..0xFF
            }
            if (i + n >= to) {
                return false; // cut short
            }
            int second = bytes[i + 1] & 0xFF;
            if (second < lo || second > hi) {
                return false;
            }
            for (int k = 2; k <= n; k++) {
                int c = bytes[i + k] & 0xFF;
                if (c < 0x80 || c > 0xBF) {
                    return false;
                }
            }
            i += n + 1;
        }
        return true;
    }
}
