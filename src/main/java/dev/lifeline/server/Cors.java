package dev.lifeline.server;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The gateway's CORS policy: which web origins may call it from a browser. Pure and immutable; the server turns the
 * answers into headers.
 *
 * <ul>
 *   <li>Only exact origins ({@code scheme://host[:port]}) are accepted; never {@code *}, never {@code null}.</li>
 *   <li>Scheme and host compare case-insensitively, the port exactly ({@code https://a.example} and
 *       {@code https://a.example:443} are different origins, as in browsers).</li>
 *   <li>Allowed origins get back their configured (lower-case) spelling; an unlisted origin is never reflected.</li>
 *   <li>{@code Access-Control-Allow-Credentials} is never sent: API keys travel in headers, not cookies.</li>
 * </ul>
 */
public final class Cors {
    /** The methods a preflight may ask for. */
    public static final List<String> METHODS = List.of("GET", "POST");
    /** The request headers a preflight may ask for, besides any {@code x-stainless-*}. */
    public static final List<String> HEADERS = List.of("authorization", "content-type", "x-api-key",
            "anthropic-version", "x-request-id", "openai-organization", "openai-project");
    /** Response headers a page may read. */
    public static final String EXPOSE = "x-request-id, retry-after";
    static final String MAX_AGE = "600";

    private static final Pattern ORIGIN = Pattern.compile(
            "([A-Za-z][A-Za-z0-9+.-]*)://([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\\[[0-9A-Fa-f:.]+\\])(?::([0-9]{1,5}))?");
    private static final Pattern STAINLESS = Pattern.compile("x-stainless-[a-z0-9-]{1,64}");

    private final Set<String> origins;

    /**
     * @param allowedOrigins exact origins such as {@code https://app.example.com}; may be empty (no browser access)
     * @throws IllegalArgumentException naming the first entry that is not an exact origin
     */
    public Cors(List<String> allowedOrigins) {
        Set<String> set = new LinkedHashSet<>();
        for (String o : allowedOrigins) {
            set.add(validate(o));
        }
        this.origins = Collections.unmodifiableSet(set);
    }

    /** The allowed origins, canonical spelling. */
    public Set<String> origins() {
        return origins;
    }

    /** Whether a request carrying this {@code Origin} header may read the gateway's answers. */
    public boolean allows(String origin) {
        return canonical(origin).filter(origins::contains).isPresent();
    }

    /**
     * The headers for a {@code 204} answer to a preflight ({@code OPTIONS} with {@code Access-Control-Request-Method}),
     * or empty when the origin, the method or one of the requested headers is not allowed (answer without CORS headers
     * then; the browser blocks the request).
     *
     * @param requestMethod  the {@code Access-Control-Request-Method} header
     * @param requestHeaders the {@code Access-Control-Request-Headers} header; may be null or blank
     */
    public Optional<Map<String, String>> preflight(String origin, String requestMethod, String requestHeaders) {
        Optional<String> allowed = canonical(origin).filter(origins::contains);
        if (allowed.isEmpty() || requestMethod == null || !METHODS.contains(requestMethod.strip())) {
            return Optional.empty();
        }
        List<String> extra = new ArrayList<>();
        if (requestHeaders != null && !requestHeaders.isBlank()) {
            for (String h : requestHeaders.split(",", -1)) {
                String name = h.strip().toLowerCase(Locale.ROOT);
                if (HEADERS.contains(name)) {
                    continue;
                }
                if (!STAINLESS.matcher(name).matches()) {
                    return Optional.empty();
                }
                if (!extra.contains(name)) {
                    extra.add(name);
                }
            }
        }
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Access-Control-Allow-Origin", allowed.get());
        h.put("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
        h.put("Access-Control-Allow-Methods", String.join(", ", METHODS));
        List<String> names = new ArrayList<>(HEADERS);
        names.addAll(extra);
        h.put("Access-Control-Allow-Headers", String.join(", ", names));
        h.put("Access-Control-Max-Age", MAX_AGE);
        return Optional.of(Collections.unmodifiableMap(h));
    }

    /** The CORS headers for an actual (non-preflight) response; empty when the origin is missing or not allowed. */
    public Map<String, String> responseHeaders(String origin) {
        Optional<String> allowed = canonical(origin).filter(origins::contains);
        if (allowed.isEmpty()) {
            return Map.of();
        }
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Access-Control-Allow-Origin", allowed.get());
        h.put("Vary", "Origin");
        h.put("Access-Control-Expose-Headers", EXPOSE);
        return Collections.unmodifiableMap(h);
    }

    /** The canonical form of a well-formed origin: scheme and host in lower case, the port as given. */
    private static Optional<String> canonical(String origin) {
        if (origin == null) {
            return Optional.empty();
        }
        Matcher m = ORIGIN.matcher(origin);
        if (!m.matches() || !validPort(m.group(3))) {
            return Optional.empty();
        }
        String s = m.group(1).toLowerCase(Locale.ROOT) + "://" + m.group(2).toLowerCase(Locale.ROOT);
        return Optional.of(m.group(3) == null ? s : s + ":" + m.group(3));
    }

    private static boolean validPort(String port) {
        if (port == null) {
            return true;
        }
        int p = Integer.parseInt(port);
        return p >= 1 && p <= 65535 && !port.startsWith("0");
    }

    private static String validate(String o) {
        if (o == null) {
            throw new IllegalArgumentException("cors.origins: null (expected: exact origins such as https://app.example.com)");
        }
        if (o.contains("*")) {
            throw new IllegalArgumentException("cors.origins: \"" + o + "\" (expected: exact origins such as "
                    + "https://app.example.com; a wildcard would let any web page use your models)");
        }
        if (o.strip().equalsIgnoreCase("null")) {
            throw new IllegalArgumentException("cors.origins: \"" + o + "\" (expected: exact origins such as "
                    + "https://app.example.com; the \"null\" origin is shared by sandboxed pages and local files)");
        }
        return canonical(o).orElseThrow(() -> new IllegalArgumentException("cors.origins: \"" + o
                + "\" (expected: scheme://host[:port] with no path, query or trailing slash, such as https://app.example.com)"));
    }
}
