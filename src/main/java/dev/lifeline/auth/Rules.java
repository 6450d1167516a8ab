package dev.lifeline.auth;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/** The shapes of names, ids, hashes and model globs, each check returning a problem in the {@code path: value (expected: ...)} style. */
final class Rules {
    static final Pattern ID = Pattern.compile("[a-z2-7]{8}");
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    static final Pattern HASH = Pattern.compile("sha256:[0-9a-f]{64}");
    /** Model names as servers spell them ({@code llama3.1:8b}, {@code hf.co/org/model:Q4_K_M}), plus the glob characters. */
    static final Pattern GLOB = Pattern.compile("[A-Za-z0-9._:/@+*?-]{1,200}");

    private Rules() {
    }

    static Optional<String> name(String path, String name) {
        if (name == null) {
            return Optional.of(path + ": missing (expected: 1 to 64 letters, digits, '.', '_' or '-')");
        }
        return NAME.matcher(name).matches() ? Optional.empty()
                : Optional.of(path + ": " + quote(name) + " (expected: 1 to 64 letters, digits, '.', '_' or '-')");
    }

    static Optional<String> glob(String path, String glob) {
        if (glob == null) {
            return Optional.of(path + ": missing (expected: a model name or a glob with * and ?)");
        }
        return GLOB.matcher(glob).matches() ? Optional.empty()
                : Optional.of(path + ": " + quote(glob)
                        + " (expected: a model name or a glob with * and ?, of letters, digits and . _ : / @ + -)");
    }

    static Optional<String> globs(String path, List<String> globs) {
        if (globs == null) {
            return Optional.of(path + ": missing (expected: a list of model globs; empty for every model)");
        }
        for (int i = 0; i < globs.size(); i++) {
            Optional<String> p = glob(path + "[" + i + "]", globs.get(i));
            if (p.isPresent()) {
                return p;
            }
        }
        return Optional.empty();
    }

    static Optional<String> limit(String path, OptionalInt limit) {
        if (limit == null) {
            return Optional.of(path + ": null (expected: a positive whole number, or absent for unlimited)");
        }
        return limit.isEmpty() || limit.getAsInt() > 0 ? Optional.empty()
                : Optional.of(path + ": " + limit.getAsInt() + " (expected: a positive whole number, or absent for unlimited)");
    }

    static void check(Optional<String> problem) {
        if (problem.isPresent()) {
            throw new IllegalArgumentException(problem.get());
        }
    }

    /**
     * Glob matching with {@code *} (any run of characters, also none) and {@code ?} (one character), everything else
     * literal and case-sensitive, like route globs. Linear backtracking over the last star, so no pattern is slow.
     */
    static boolean globMatches(String glob, String text) {
        int g = 0;
        int t = 0;
        int star = -1;
        int mark = 0;
        while (t < text.length()) {
            if (g < glob.length() && (glob.charAt(g) == '?' || glob.charAt(g) == text.charAt(t)) && glob.charAt(g) != '*') {
                g++;
                t++;
            } else if (g < glob.length() && glob.charAt(g) == '*') {
                star = g++;
                mark = t;
            } else if (star >= 0) {
                g = star + 1;
                t = ++mark;
            } else {
                return false;
            }
        }
        while (g < glob.length() && glob.charAt(g) == '*') {
            g++;
        }
        return g == glob.length();
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
