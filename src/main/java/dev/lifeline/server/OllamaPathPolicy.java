package dev.lifeline.server;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Which of Ollama's native endpoints a caller may reach through the gateway (reference §1.1, §4.1, §4.3).
 *
 * <p>Matching is deliberately strict, because Ollama's router decodes percent-escapes and cleans paths before it
 * routes, so {@code /api/chat/../pull} or {@code /api/%70ull} would reach {@code /api/pull} behind an allowed door.
 * A path is refused unless it is already in the one spelling Ollama uses: only {@code [A-Za-z0-9._~:/-]}, no
 * {@code ..}, {@code //}, {@code /./}, no percent-escapes of any kind, no trailing slash (except {@code /}). Matching
 * is case-sensitive ({@code /API/PULL} is unknown). Unknown paths are denied. The query is split off and forwarded
 * unchanged if it holds no control characters, spaces or {@code #}.
 */
public final class OllamaPathPolicy {
    private OllamaPathPolicy() {
    }

    /** Who may pass. */
    public enum Access {
        /** Any authenticated caller. */
        ALLOW,
        /** Admin keys only: model management and data that leaks prompts or server state. */
        ADMIN,
        /** Nobody, admins included: endpoints that act under the server's ollama.com identity. */
        CLOSED,
        /** Not a route the gateway forwards: unknown path, wrong method or a malformed target. */
        DENY
    }

    /**
     * The outcome for one request.
     *
     * @param access         who may pass
     * @param path           the path to forward ({@link Access#ALLOW} and {@link Access#ADMIN}); empty otherwise
     * @param query          the query to forward without its {@code ?}; empty when there is none or when refused
     * @param allowedMethods for a known path asked with the wrong method (405), the methods it takes; else empty
     * @param status         the status to answer a caller this decision refuses: 400 malformed, 404 unknown,
     *                       405 wrong method, 403 closed or admin-only; 200 for {@link Access#ALLOW}
     * @param reason         why it was refused, for the error message and logs; for ADMIN, why a non-admin is
     *                       refused; empty for ALLOW
     */
    public record Decision(Access access, String path, String query, List<String> allowedMethods, int status,
                           String reason) {
        public Decision {
            Objects.requireNonNull(access, "access");
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(query, "query");
            allowedMethods = List.copyOf(allowedMethods);
            Objects.requireNonNull(reason, "reason");
        }

        /** Whether a caller, admin or not, may pass. */
        public boolean permits(boolean admin) {
            return access == Access.ALLOW || (admin && access == Access.ADMIN);
        }

        /** The request target to send upstream: the path, and the query if there is one. */
        public String target() {
            return query.isEmpty() ? path : path + "?" + query;
        }

        static Decision refuse(Access access, int status, String reason) {
            return new Decision(access, "", "", List.of(), status, reason);
        }
    }

    /** A known route: who may use it and with which methods. */
    private record Route(Access access, List<String> methods) {
    }

    private static final Map<String, Route> ROUTES = Map.ofEntries(
            Map.entry("/", new Route(Access.ALLOW, List.of("GET", "HEAD"))),
            Map.entry("/api/version", new Route(Access.ALLOW, List.of("GET"))),
            Map.entry("/api/tags", new Route(Access.ALLOW, List.of("GET"))),
            Map.entry("/api/chat", new Route(Access.ALLOW, List.of("POST"))),
            Map.entry("/api/generate", new Route(Access.ALLOW, List.of("POST"))),
            Map.entry("/api/embed", new Route(Access.ALLOW, List.of("POST"))),
            Map.entry("/api/embeddings", new Route(Access.ALLOW, List.of("POST"))),
            Map.entry("/api/pull", new Route(Access.ADMIN, List.of("POST"))),
            Map.entry("/api/push", new Route(Access.ADMIN, List.of("POST"))),
            Map.entry("/api/create", new Route(Access.ADMIN, List.of("POST"))),
            Map.entry("/api/copy", new Route(Access.ADMIN, List.of("POST"))),
            Map.entry("/api/show", new Route(Access.ADMIN, List.of("POST"))),
            Map.entry("/api/delete", new Route(Access.ADMIN, List.of("DELETE"))),
            Map.entry("/api/ps", new Route(Access.ADMIN, List.of("GET"))),
            Map.entry("/api/status", new Route(Access.ADMIN, List.of("GET"))));

    private static final String BLOBS = "/api/blobs/";
    private static final Route BLOB = new Route(Access.ADMIN, List.of("POST", "HEAD"));
    private static final Pattern DIGEST = Pattern.compile("sha256[:-][0-9a-f]{64}");
    /** Namespaces that act as the server's ollama.com identity, with or without a sub-path. */
    private static final List<String> CLOSED = List.of("/api/me", "/api/signout", "/api/user", "/api/experimental");
    private static final Pattern PATH_CHARS = Pattern.compile("[A-Za-z0-9._~:/-]*");

    /**
     * Decides a request to Ollama's native API.
     *
     * @param method  the HTTP method, case-sensitive ({@code GET}, {@code POST}, ...)
     * @param rawPath the request target as received (Netty's {@code HttpRequest.uri()}): path and optional query
     */
    public static Decision decide(String method, String rawPath) {
        if (method == null || rawPath == null) {
            return Decision.refuse(Access.DENY, 400, "no method or path");
        }
        int q = rawPath.indexOf('?');
        String path = q < 0 ? rawPath : rawPath.substring(0, q);
        String query = q < 0 ? "" : rawPath.substring(q + 1);
        Optional<String> malformed = malformedPath(path).or(() -> malformedQuery(query));
        if (malformed.isPresent()) {
            return Decision.refuse(Access.DENY, 400, malformed.get());
        }
        for (String c : CLOSED) {
            if (path.equals(c) || path.startsWith(c + "/")) {
                return Decision.refuse(Access.CLOSED, 403, path + " is closed: it acts as the server's ollama.com account");
            }
        }
        Route route = ROUTES.get(path);
        if (route == null && path.startsWith(BLOBS)) {
            if (!DIGEST.matcher(path.substring(BLOBS.length())).matches()) {
                return Decision.refuse(Access.DENY, 400, "not a blob digest (expected: sha256:<64 hex digits>)");
            }
            route = BLOB;
        }
        if (route == null) {
            return Decision.refuse(Access.DENY, 404, "unknown path " + path);
        }
        if (!route.methods().contains(method)) {
            return new Decision(Access.DENY, "", "", route.methods(), 405,
                    "method " + printable(method) + " is not allowed on " + path + " (allowed: "
                            + String.join(", ", route.methods()) + ")");
        }
        return route.access() == Access.ALLOW
                ? new Decision(Access.ALLOW, path, query, List.of(), 200, "")
                : new Decision(Access.ADMIN, path, query, List.of(), 403, path + " needs an admin key");
    }

    private static Optional<String> malformedPath(String path) {
        if (!path.startsWith("/")) {
            return Optional.of("the path must start with /");
        }
        if (!PATH_CHARS.matcher(path).matches()) {
            return Optional.of("the path holds a character Ollama paths never use (percent-escape, backslash, "
                    + "control, space or non-ASCII)");
        }
        if (path.contains("//") || path.contains("/./") || path.endsWith("/.") || path.contains("..")) {
            return Optional.of("the path is not in canonical form (//, /./ or ..)");
        }
        if (path.length() > 1 && path.endsWith("/")) {
            return Optional.of("the path ends with /");
        }
        return Optional.empty();
    }

    private static Optional<String> malformedQuery(String query) {
        for (int i = 0; i < query.length(); i++) {
            char c = query.charAt(i);
            if (c <= 0x20 || c >= 0x7f || c == '#') {
                return Optional.of("the query holds a control character, space, # or non-ASCII character");
            }
        }
        return Optional.empty();
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && i < 32; i++) {
            char c = s.charAt(i);
            b.append(c > 0x20 && c < 0x7f ? c : '?');
        }
        return b.toString();
    }

    /**
     * Why a model name must not be used by this caller, if it must not. Admins may use any name. Others may not name
     * <ul>
     *   <li>a registry host ({@code registry.example.com/ns/model}, {@code localhost:5000/model}, any {@code ://},
     *       or a three-part {@code host/namespace/model}): a pull or a load from a registry the operator did not pick;</li>
     *   <li>a cloud model (tag {@code cloud} or ending in {@code -cloud}): it runs on the server owner's ollama.com
     *       account;</li>
     *   <li>a name with {@code ..}, a backslash, {@code %}, whitespace or control characters.</li>
     * </ul>
     * A null or blank name is not refused here (the request's own validation reports it).
     */
    public static Optional<String> refusedModelName(String model, boolean admin) {
        if (admin || model == null || model.isBlank()) {
            return Optional.empty();
        }
        for (int i = 0; i < model.length(); i++) {
            char c = model.charAt(i);
            if (c <= 0x20 || c == 0x7f || c == '\\' || c == '%') {
                return Optional.of("model name holds a character model names never use");
            }
        }
        if (model.contains("..")) {
            return Optional.of("model name holds \"..\"");
        }
        if (model.contains("://")) {
            return Optional.of("model name names a registry (\"://\"); only admins may");
        }
        String name = model.toLowerCase(Locale.ROOT);
        int at = name.indexOf('@');
        if (at >= 0) {
            name = name.substring(0, at);
        }
        int slash = name.indexOf('/');
        if (slash >= 0) {
            String first = name.substring(0, slash);
            if (first.contains(".") || first.contains(":") || name.indexOf('/', slash + 1) >= 0) {
                return Optional.of("model name names a registry host (\"" + printable(first) + "\"); only admins may");
            }
        }
        int lastSlash = name.lastIndexOf('/');
        int colon = name.indexOf(':', lastSlash + 1);
        if (colon >= 0) {
            String tag = name.substring(colon + 1);
            if (tag.equals("cloud") || tag.endsWith("-cloud")) {
                return Optional.of("cloud models run on the server owner's ollama.com account; only admins may use them");
            }
        }
        return Optional.empty();
    }
}
