package dev.lifeline.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Reading what a client of each dialect received, and the golden wire files as fake upstream replies: shared by the
 * cross-dialect end-to-end tests.
 */
final class DialectWire {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .proxy(HttpClient.Builder.NO_PROXY).connectTimeout(Duration.ofSeconds(5)).build();

    private DialectWire() {
    }

    static String golden(String name) {
        try {
            return Files.readString(Path.of("src/test/resources/golden", name), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An SSE transcript split into its events, for {@code Reply.sse}. */
    static String[] events(String transcript) {
        return Arrays.stream(transcript.split("\n\n")).filter(e -> !e.isBlank()).toArray(String[]::new);
    }

    /** An NDJSON transcript split into its lines, for {@code Reply.ndjson}. */
    static String[] lines(String ndjson) {
        return ndjson.lines().filter(l -> !l.isBlank()).toArray(String[]::new);
    }

    static JsonNode json(String s) {
        try {
            return JSON.readTree(s);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + s, e);
        }
    }

    /** A POST with the given headers only (no default authorization). */
    static HttpResponse<String> post(String url, String body, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("content-type", "application/json")
                .timeout(Duration.ofSeconds(20)).POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        try {
            return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One SSE event as a client reads it: its {@code event:} name (empty when none) and its {@code data:}. */
    record Sse(String event, String data) {
        JsonNode json() {
            return DialectWire.json(data);
        }
    }

    static List<Sse> sse(String body) {
        List<Sse> out = new ArrayList<>();
        for (String block : body.split("\n\n")) {
            String event = "";
            StringBuilder data = new StringBuilder();
            for (String line : block.split("\n")) {
                if (line.startsWith("event:")) {
                    event = line.substring(6).trim();
                } else if (line.startsWith("data:")) {
                    data.append(line.substring(5).stripLeading());
                }
            }
            if (!event.isEmpty() || !data.isEmpty()) {
                out.add(new Sse(event, data.toString()));
            }
        }
        return out;
    }

    /** An OpenAI stream's {@code data:} payloads, {@code [DONE]} included. */
    static List<String> openAiData(String body) {
        return sse(body).stream().map(Sse::data).toList();
    }

    /** The concatenated {@code delta.content} of an OpenAI stream. */
    static String openAiText(String body) {
        StringBuilder b = new StringBuilder();
        for (String d : openAiData(body)) {
            if (!d.equals("[DONE]")) {
                for (JsonNode c : json(d).path("choices")) {
                    b.append(c.path("delta").path("content").asText(""));
                }
            }
        }
        return b.toString();
    }

    /** The concatenated {@code text_delta}s of a Claude stream. */
    static String anthropicText(List<Sse> events) {
        StringBuilder b = new StringBuilder();
        for (Sse e : events) {
            JsonNode d = e.json();
            if (d.path("delta").path("type").asText().equals("text_delta")) {
                b.append(d.path("delta").path("text").asText());
            }
        }
        return b.toString();
    }

    /** The {@code type} of every event's data, in order. */
    static List<String> anthropicTypes(List<Sse> events) {
        return events.stream().map(e -> e.json().path("type").asText()).toList();
    }

    /** The lines of an NDJSON body, parsed. */
    static List<JsonNode> ndjson(String body) {
        List<JsonNode> out = new ArrayList<>();
        for (String line : body.split("\n")) {
            if (!line.isBlank()) {
                out.add(json(line));
            }
        }
        return out;
    }
}
