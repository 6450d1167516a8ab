package dev.lifeline.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One HTTP request as received by a {@link FakeUpstream}.
 *
 * @param method           request method, e.g. {@code POST}
 * @param path             the raw request target, including any query string, e.g. {@code /v1/chat/completions}
 * @param headers          all request headers; lookups are case-insensitive, values keep arrival order
 * @param body             the decoded body (de-chunked if it was sent with chunked transfer encoding)
 * @param receivedAtNanos  {@link System#nanoTime()} when the request line had been read
 * @param connectionIndex  0-based index of the accepted connection that carried this request
 */
public record RecordedRequest(
        String method,
        String path,
        Map<String, List<String>> headers,
        byte[] body,
        long receivedAtNanos,
        int connectionIndex) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public RecordedRequest {
        TreeMap<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((name, values) ->
                copy.merge(name, List.copyOf(values), RecordedRequest::concat));
        headers = Collections.unmodifiableMap(copy);
        body = body == null ? new byte[0] : body;
    }

    /** First value of the named header (case-insensitive), or {@code null}. */
    public String header(String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? null : values.getFirst();
    }

    /** The body decoded as UTF-8. */
    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** The body parsed as JSON (fails the test if it is not JSON). */
    public JsonNode bodyJson() {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new AssertionError("request body is not JSON: " + bodyText(), e);
        }
    }

    @Override
    public String toString() {
        return "RecordedRequest[" + method + " " + path + " conn=" + connectionIndex
                + " headers=" + headers + " body=" + bodyText() + "]";
    }

    private static List<String> concat(List<String> a, List<String> b) {
        var all = new ArrayList<String>(a);
        all.addAll(b);
        return List.copyOf(all);
    }
}
