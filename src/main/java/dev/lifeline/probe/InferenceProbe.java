package dev.lifeline.probe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeline.chat.ChatRequest;
import dev.lifeline.chat.Message;
import dev.lifeline.chat.Role;
import dev.lifeline.codec.BadRequestException;
import dev.lifeline.codec.anthropic.AnthropicCodec;
import dev.lifeline.codec.ollama.OllamaCodec;
import dev.lifeline.codec.openai.OpenAiTranslation;
import dev.lifeline.config.BackendConfig;
import dev.lifeline.config.Durations;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A tiny streamed test inference in the backend's own dialect (a few tokens at most), timed the way a user feels it:
 * time to the first token (a cold load included), tokens per second, and Ollama's own load time. Ollama reports
 * {@code eval_count / eval_duration}; llama.cpp {@code timings.predicted_per_second}; other servers are timed
 * between their first and last token.
 */
final class InferenceProbe {
    static final String PROMPT = "Count from 1 to 20, separated by spaces.";
    static final int MAX_TOKENS = 16;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the test inference found. */
    sealed interface Outcome {
    }

    record Answered(Duration ttft, OptionalDouble tokensPerSecond, Optional<Duration> loadTime, int tokens) implements Outcome {
    }

    record Failed(String why) implements Outcome {
    }

    private final ProbeHttp http;

    InferenceProbe(ProbeHttp http) {
        this.http = http;
    }

    /**
     * @param timeout for the whole answer, a cold load included
     * @param stall   once tokens flow, the longest wait for the next line: a runner that hangs mid-answer is reported
     *                in seconds, not at the end of a timeout sized for a cold load
     */
    Outcome run(BackendConfig b, String model, Duration timeout, Duration stall) {
        Reading reading = switch (b.dialect()) {
            case OLLAMA -> new OllamaReading();
            case OPENAI -> new OpenAiReading();
            case ANTHROPIC -> new AnthropicReading();
        };
        URI uri = ProbeHttp.under(b, reading.path());
        long start = System.nanoTime();
        try {
            HttpResponse<InputStream> r = http.postStreaming(b, uri, body(b, model), timeout);
            try (InputStream in = r.body()) {
                if (r.statusCode() != 200) {
                    return new Failed("HTTP " + r.statusCode() + " from " + uri.getPath() + ": " + errorMessage(in.readNBytes(4096)));
                }
                // the request timeout covers the headers only: a stream that stalls later is cut here
                try (Watchdog watchdog = new Watchdog(in, start + timeout.toNanos(), stall)) {
                    return read(reading, in, start, timeout, watchdog);
                }
            }
        } catch (IOException e) {
            return new Failed(ProbeHttp.unreachable(e, timeout));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Failed("interrupted");
        }
    }

    /**
     * The test request, written by the backend's own codec, so it carries what a real one would: for Ollama the
     * operator's {@code keep_alive} and {@code options} (a test must not unload or reload the model the gateway
     * keeps warm), for OpenAI-compatible servers a request for the usage chunk.
     */
    static String body(BackendConfig b, String model) {
        ChatRequest r = new ChatRequest(model, List.of(Message.text(Role.USER, PROMPT)), List.of(), Optional.empty(),
                OptionalInt.of(MAX_TOKENS), OptionalDouble.empty(), OptionalDouble.empty(), List.of(), true);
        try {
            byte[] json = switch (b.dialect()) {
                case OLLAMA -> OllamaCodec.encodeChatRequest(r, b.keepAlive(), b.options());
                case OPENAI -> OpenAiTranslation.encodeRequest(r, true);
                case ANTHROPIC -> AnthropicCodec.encodeRequest(r);
            };
            return new String(json, StandardCharsets.UTF_8);
        } catch (BadRequestException e) {
            throw new IllegalStateException("a one-message text request is carried by every dialect", e);
        }
    }

    private static Outcome read(Reading reading, InputStream in, long start, Duration timeout, Watchdog watchdog) {
        BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        try {
            String line;
            while ((line = lines.readLine()) != null) {
                Optional<String> error = reading.line(line, System.nanoTime());
                if (reading.firstTokenAt != 0) {
                    watchdog.progress();
                }
                if (error.isPresent()) {
                    return new Failed("the server reported an error: " + error.get());
                }
                if (reading.done) {
                    break;
                }
            }
        } catch (MalformedStream e) {
            return new Failed("the answer is not in the configured dialect, " + e.getMessage());
        } catch (IOException e) {
            if (watchdog.stalled()) {
                return new Failed("the answer stalled after " + reading.tokens() + " token" + (reading.tokens() == 1 ? "" : "s")
                        + ": nothing for " + Durations.words(watchdog.stall));
            }
            if (watchdog.expired()) {
                return new Failed(reading.firstTokenAt == 0 ? "no token within " + Durations.words(timeout)
                        : "not complete within " + Durations.words(timeout));
            }
            return new Failed("the stream broke off: " + ProbeHttp.unreachable(e, timeout));
        }
        if (reading.firstTokenAt == 0) {
            return new Failed(reading.done ? "answered without a single token" : "the stream ended before any token");
        }
        if (!reading.done) {
            return new Failed("the stream ended before the answer was complete (no final " + reading.finalMark() + ")");
        }
        // Ollama reports its load on its own: the first token is timed from when the model was ready
        Duration ttft = Duration.ofNanos(reading.firstTokenAt - start).minus(reading.loadTime.orElse(Duration.ZERO));
        return new Answered(ttft.isNegative() ? Duration.ZERO : ttft, reading.tokensPerSecond(), reading.loadTime, reading.tokens());
    }

    /**
     * Closes the stream when the whole answer is late, or when tokens stopped coming for {@code stall}: the
     * client's own timeout ends with the headers.
     */
    private static final class Watchdog implements AutoCloseable {
        private final InputStream in;
        private final long deadline;
        final Duration stall;
        private volatile long lastProgress;
        private volatile boolean progressing;
        private volatile String cause = "";
        private final ScheduledFuture<?> tick;

        Watchdog(InputStream in, long deadline, Duration stall) {
            this.in = in;
            this.deadline = deadline;
            this.stall = stall;
            this.tick = TICKER.scheduleWithFixedDelay(this::check, 50, 50, TimeUnit.MILLISECONDS);
        }

        void progress() {
            lastProgress = System.nanoTime();
            progressing = true;
        }

        private void check() {
            long now = System.nanoTime();
            if (now - deadline >= 0) {
                cause = "expired";
            } else if (progressing && now - lastProgress >= stall.toNanos()) {
                cause = "stalled";
            } else {
                return;
            }
            tick.cancel(false);
            closeQuietly(in);
        }

        boolean stalled() {
            return cause.equals("stalled");
        }

        boolean expired() {
            return cause.equals("expired");
        }

        @Override
        public void close() {
            tick.cancel(false);
        }
    }

    private static final ScheduledExecutorService TICKER = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("lifeline-probe-watchdog").factory());

    /** One dialect's request and the reading of its stream, a line at a time. */
    private abstract static class Reading {
        long firstTokenAt;
        long lastTokenAt;
        int tokenEvents;
        boolean done;
        Optional<Duration> loadTime = Optional.empty();
        OptionalDouble reportedRate = OptionalDouble.empty();
        int reportedTokens = -1;

        abstract String path();

        /** Reads one line; returns the server's error message if the line is one. */
        abstract Optional<String> line(String line, long now);

        abstract String finalMark();

        void token(long now) {
            if (firstTokenAt == 0) {
                firstTokenAt = now;
            }
            lastTokenAt = now;
            tokenEvents++;
        }

        int tokens() {
            return reportedTokens >= 0 ? reportedTokens : tokenEvents;
        }

        OptionalDouble tokensPerSecond() {
            if (reportedRate.isPresent()) {
                return reportedRate;
            }
            // timed between the first and the last token: the first one's wait is the TTFT, not the rate
            if (tokens() < 2 || lastTokenAt <= firstTokenAt) {
                return OptionalDouble.empty();
            }
            return OptionalDouble.of((tokens() - 1) / ((lastTokenAt - firstTokenAt) / 1e9));
        }
    }

    /** Ollama's native chat: NDJSON, the last line {@code done: true} with its own timings in nanoseconds. */
    private static final class OllamaReading extends Reading {
        @Override
        String path() {
            return "/api/chat";
        }

        @Override
        Optional<String> line(String line, long now) {
            if (line.isBlank()) {
                return Optional.empty();
            }
            JsonNode n = parse(line);
            if (n.hasNonNull("error")) {
                return Optional.of(n.get("error").asText());
            }
            JsonNode msg = n.path("message");
            if (!msg.path("content").asText("").isEmpty() || !msg.path("thinking").asText("").isEmpty()) {
                token(now);
            }
            if (n.path("done").asBoolean(false)) {
                done = true;
                if (n.has("load_duration")) {
                    loadTime = Optional.of(Duration.ofNanos(n.path("load_duration").asLong()));
                }
                long evalCount = n.path("eval_count").asLong(0);
                long evalNanos = n.path("eval_duration").asLong(0);
                if (evalCount > 0) {
                    reportedTokens = (int) evalCount;
                }
                if (evalCount > 0 && evalNanos > 0) {
                    reportedRate = OptionalDouble.of(evalCount / (evalNanos / 1e9));
                }
            }
            return Optional.empty();
        }

        @Override
        String finalMark() {
            return "\"done\": true line";
        }
    }

    /** OpenAI's chat completions as SSE, ending in {@code [DONE]}; llama.cpp adds its own timings. */
    private static final class OpenAiReading extends Reading {
        @Override
        String path() {
            return "/chat/completions";
        }

        @Override
        Optional<String> line(String line, long now) {
            if (!line.startsWith("data:")) {
                return Optional.empty();
            }
            String data = line.substring(5).strip();
            if (data.equals("[DONE]")) {
                done = true;
                return Optional.empty();
            }
            JsonNode n = parse(data);
            if (n.has("error")) {
                return Optional.of(n.path("error").path("message").asText(n.path("error").asText()));
            }
            JsonNode delta = n.path("choices").path(0).path("delta");
            if (!delta.path("content").asText("").isEmpty() || !delta.path("reasoning_content").asText("").isEmpty()
                    || !delta.path("reasoning").asText("").isEmpty()) {
                token(now);
            }
            if (n.path("usage").has("completion_tokens")) {
                reportedTokens = n.path("usage").path("completion_tokens").asInt();
            }
            double rate = n.path("timings").path("predicted_per_second").asDouble(0);
            if (rate > 0) {
                reportedRate = OptionalDouble.of(rate);
            }
            return Optional.empty();
        }

        @Override
        String finalMark() {
            return "[DONE]";
        }
    }

    /** Anthropic's Messages as named SSE events, ending in {@code message_stop}. */
    private static final class AnthropicReading extends Reading {
        @Override
        String path() {
            return "/messages";
        }

        @Override
        Optional<String> line(String line, long now) {
            if (!line.startsWith("data:")) {
                return Optional.empty();
            }
            JsonNode n = parse(line.substring(5).strip());
            switch (n.path("type").asText()) {
                case "error" -> {
                    return Optional.of(n.path("error").path("message").asText("error event"));
                }
                case "content_block_delta" -> {
                    JsonNode d = n.path("delta");
                    if (!d.path("text").asText("").isEmpty() || !d.path("thinking").asText("").isEmpty()) {
                        token(now);
                    }
                }
                case "message_delta" -> {
                    if (n.path("usage").has("output_tokens")) {
                        reportedTokens = n.path("usage").path("output_tokens").asInt();
                    }
                }
                case "message_stop" -> done = true;
                default -> {
                }
            }
            return Optional.empty();
        }

        @Override
        String finalMark() {
            return "message_stop event";
        }
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new MalformedStream(json);
        }
    }

    /** A line that is not JSON: the server does not speak the dialect it is configured with. */
    static final class MalformedStream extends RuntimeException {
        MalformedStream(String line) {
            super("not JSON: " + ProbeHttp.excerpt(line.getBytes(StandardCharsets.UTF_8)));
        }
    }

    /** The message of a JSON error body in any dialect, or an excerpt of the body. */
    static String errorMessage(byte[] body) {
        try {
            JsonNode n = JSON.readTree(body);
            JsonNode e = n.path("error");
            if (e.isTextual()) {
                return e.asText();
            }
            if (e.has("message")) {
                return e.path("message").asText();
            }
        } catch (IOException | RuntimeException ignored) {
            // not JSON: the excerpt below says what it was
        }
        String text = ProbeHttp.excerpt(body);
        return text.isEmpty() ? "(empty body)" : text;
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // closing to cut a stalled stream; nothing else to do
        }
    }
}
