package dev.lifeline.monitor.sink;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeline.config.Secret;
import dev.lifeline.monitor.AlertSink.AlertException;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ProxySelector;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;

/**
 * The one way the JSON sinks and the heartbeat speak HTTP, so that they all keep the same rules: short timeouts, any
 * 2xx is success, 429 and 5xx are tried again briefly (honouring {@code Retry-After}), other 4xx never, and no message
 * ever contains the URL, which is a secret: whoever has it can post to the channel.
 *
 * <p>Unlike the gateway's traffic to its backends, alerts often have to leave a server room through a corporate proxy,
 * so requests go through the JVM's default {@link ProxySelector} ({@code -Dhttps.proxyHost=...}, or
 * {@code -Djava.net.useSystemProxies=true}; the JVM does not read {@code HTTPS_PROXY}).
 *
 * <p>Each exchange uses a fresh client, shut down afterwards: alerts are rare, and a pooled connection that a proxy
 * dropped silently in the hours between two alerts would fail the next one.
 */
final class HttpSender {
    static final ObjectMapper JSON = new ObjectMapper();

    /** How much of a response body is kept to explain a refusal; the rest is read and dropped. */
    private static final int KEPT_BYTES = 4096;
    private static final int EXCERPT_CHARS = 100;
    private static final String USER_AGENT = "lifeline-monitor";
    private static final Pattern NOT_PRINTABLE = Pattern.compile("[\\p{Cntrl}\\p{Cf}\\p{Zl}\\p{Zp}\\s]+");

    /**
     * How patient one sink is.
     *
     * @param connectTimeout to open a connection
     * @param requestTimeout for the whole answer, body included, of one attempt
     * @param retries        further attempts after a 429, a 5xx or a failed connection (never after a timeout or a
     *                       TLS failure)
     * @param backoff        the first wait between attempts when the receiver names none; doubles each time
     * @param maxRetryWait   the longest wait honoured from {@code Retry-After}
     * @param proxy          the proxies to use; empty: connect directly
     */
    record Settings(Duration connectTimeout, Duration requestTimeout, int retries, Duration backoff, Duration maxRetryWait,
                    Optional<ProxySelector> proxy) {
        Settings {
            Objects.requireNonNull(connectTimeout, "connectTimeout");
            Objects.requireNonNull(requestTimeout, "requestTimeout");
            Objects.requireNonNull(backoff, "backoff");
            Objects.requireNonNull(maxRetryWait, "maxRetryWait");
            Objects.requireNonNull(proxy, "proxy");
            if (retries < 0) {
                throw new IllegalArgumentException("retries must not be negative");
            }
        }

        /** 5 s to connect, 10 s for an answer, 2 retries, through the JVM's default proxy selector. */
        static Settings defaults() {
            return new Settings(Duration.ofSeconds(5), Duration.ofSeconds(10), 2, Duration.ofSeconds(1),
                    Duration.ofSeconds(10), Optional.ofNullable(ProxySelector.getDefault()));
        }
    }

    /** Explains a refusal in the receiver's own terms: Slack's {@code channel_not_found} means the channel is gone. */
    @FunctionalInterface
    interface Explainer {
        Explainer NONE = (status, body) -> Optional.empty();

        /** @param body the start of the response body, trimmed */
        Optional<String> explain(int status, String body);
    }

    /** A 2xx answer: its status and the start of its body. */
    record Answer(int status, String body) {
    }

    private final String sink;
    private final URI url;
    private final Settings settings;

    /**
     * @throws IllegalArgumentException when {@code url} is not an absolute http(s) URL; the message names the sink,
     *                                  never the URL
     */
    HttpSender(String sink, Secret url, Settings settings) {
        this.sink = Objects.requireNonNull(sink, "sink");
        this.url = parse(sink, url);
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    URI url() {
        return url;
    }

    /** POSTs {@code payload} as JSON; returns the 2xx answer or throws why there was none. */
    Answer post(JsonNode payload, Explainer explainer) throws AlertException {
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(payload);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the " + sink + " payload", e);
        }
        return exchange(request().header("Content-Type", "application/json; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), explainer);
    }

    /** GETs the URL; returns the 2xx answer or throws why there was none. */
    Answer get(Explainer explainer) throws AlertException {
        return exchange(request().GET().build(), explainer);
    }

    private HttpRequest.Builder request() {
        return HttpRequest.newBuilder(url).timeout(settings.requestTimeout()).header("User-Agent", USER_AGENT);
    }

    private Answer exchange(HttpRequest request, Explainer explainer) throws AlertException {
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER);
        settings.proxy().ifPresent(builder::proxy);
        HttpClient http = builder.build();
        try {
            for (int attempt = 1; ; attempt++) {
                boolean last = attempt > settings.retries();
                Duration wait;
                try {
                    HttpResponse<String> r = once(http, request);
                    int status = r.statusCode();
                    if (status >= 200 && status < 300) {
                        return new Answer(status, r.body());
                    }
                    if (last || !(status == 429 || status >= 500)) {
                        throw failure(refusal(status, r.body(), explainer), attempt);
                    }
                    wait = retryAfter(r).orElse(backoff(attempt));
                } catch (HttpTimeoutException e) {
                    // not retried: the time is spent already, and a receiver that got the request may have posted it
                    throw failure(e instanceof HttpConnectTimeoutException
                            ? "connect timed out after " + say(settings.connectTimeout())
                            : "no answer within " + say(settings.requestTimeout()), attempt);
                } catch (IOException e) {
                    if (last || tls(e).isPresent()) { // a certificate does not mend itself in a second
                        throw failure(problem(e), attempt);
                    }
                    wait = backoff(attempt);
                }
                Thread.sleep(wait);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AlertException(sink + ": interrupted");
        } finally {
            http.shutdownNow();
        }
    }

    /** One attempt, with a deadline on the whole answer: the JDK's request timeout stops at the headers. */
    private HttpResponse<String> once(HttpClient http, HttpRequest request) throws IOException, InterruptedException {
        CompletableFuture<HttpResponse<String>> answer = http.sendAsync(request, info -> new Excerpt());
        try {
            return answer.get(settings.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            answer.cancel(true);
            throw new HttpTimeoutException("no answer");
        } catch (InterruptedException e) {
            answer.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(e.getCause());
        }
    }

    private Duration backoff(int attempt) {
        return min(settings.backoff().multipliedBy(1L << Math.min(attempt - 1, 16)), settings.maxRetryWait());
    }

    /** {@code Retry-After}: seconds, or an HTTP date; capped, so that a receiver cannot stall the run. */
    private Optional<Duration> retryAfter(HttpResponse<?> r) {
        return r.headers().firstValue("Retry-After").map(String::strip).flatMap(v -> {
            try {
                return Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(v))));
            } catch (NumberFormatException notSeconds) {
                try {
                    Instant when = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                    Duration d = Duration.between(Instant.now(), when);
                    return Optional.of(d.isNegative() ? Duration.ZERO : d);
                } catch (DateTimeParseException neither) {
                    return Optional.empty();
                }
            }
        }).map(d -> min(d, settings.maxRetryWait()));
    }

    /** {@code HTTP 404 channel_not_found (the webhook's channel is gone)} */
    private static String refusal(int status, String body, Explainer explainer) {
        String excerpt = excerpt(body);
        Optional<String> why = explainer.explain(status, body.strip()).or(() -> common(status));
        return "HTTP " + status + (excerpt.isEmpty() ? "" : " " + excerpt) + why.map(w -> " (" + w + ")").orElse("");
    }

    private static Optional<String> common(int status) {
        return Optional.ofNullable(switch (status) {
            case 301, 302, 303, 307, 308 -> "the URL redirects elsewhere: configure the URL it redirects to";
            case 401, 403 -> "the receiver refused the request: is the URL still valid?";
            case 404, 410 -> "no such webhook: was it deleted?";
            case 407 -> "the proxy wants credentials";
            case 413 -> "the message is too large";
            case 429 -> "rate limited";
            default -> null;
        });
    }

    private static String problem(IOException e) {
        if (e instanceof ConnectException) {
            Throwable cause = e.getCause();
            if (cause instanceof UnresolvedAddressException || cause instanceof UnknownHostException) {
                return "the host name does not resolve";
            }
            return "connection refused";
        }
        if (e instanceof UnknownHostException) {
            return "the host name does not resolve";
        }
        Optional<SSLException> tls = tls(e);
        if (tls.isPresent()) {
            return "TLS failed: " + Optional.ofNullable(tls.get().getMessage()).orElse(tls.get().getClass().getSimpleName());
        }
        if (e instanceof EOFException || String.valueOf(e.getMessage()).contains("no bytes")) {
            return "the connection closed without an answer";
        }
        return Optional.ofNullable(e.getMessage()).filter(m -> !m.isBlank()).orElse(e.getClass().getSimpleName());
    }

    /** The TLS failure behind an I/O error: the JDK client reports a failed handshake wrapped or bare, by timing. */
    private static Optional<SSLException> tls(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SSLException ssl) {
                return Optional.of(ssl);
            }
        }
        return Optional.empty();
    }

    private AlertException failure(String what, int attempts) {
        String message = sink + ": " + printable(redact(what), 300) + (attempts > 1 ? " after " + attempts + " attempts" : "");
        return new AlertException(message);
    }

    /** Takes out the URL and its path and query, should a receiver or the JDK have echoed them. */
    private String redact(String text) {
        String out = text.replace(url.toString(), "(the URL)");
        for (String secretPart : new String[]{url.getRawPath(), url.getRawQuery()}) {
            if (secretPart != null && secretPart.length() > 1) {
                out = out.replace(secretPart, "(the URL)");
            }
        }
        return out;
    }

    /** The start of a response body, fit for a one-line message; empty for HTML error pages, which say nothing useful. */
    static String excerpt(String body) {
        String b = body.strip();
        if (b.startsWith("<")) {
            return "";
        }
        return printable(b, EXCERPT_CHARS);
    }

    /** One line of printable characters, at most {@code max} of them (control and bidi characters become spaces). */
    static String printable(String text, int max) {
        String line = NOT_PRINTABLE.matcher(text).replaceAll(" ").strip();
        if (line.length() <= max) {
            return line;
        }
        int cut = Character.isHighSurrogate(line.charAt(max - 1)) ? max - 1 : max;
        return line.substring(0, cut) + "…";
    }

    /** {@code 5 s}, {@code 250 ms} */
    static String say(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static URI parse(String sink, Secret url) {
        try {
            URI u = new URI(url.value().strip());
            String scheme = Optional.ofNullable(u.getScheme()).orElse("").toLowerCase(Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && u.getHost() != null) {
                return u;
            }
        } catch (URISyntaxException e) {
            // said below, without the URL
        }
        throw new IllegalArgumentException(sink + ": " + (url.isEmpty() ? "the URL is empty"
                : "the URL is not a valid http:// or https:// URL (not shown: it is a secret)"));
    }

    /** Keeps the first {@value #KEPT_BYTES} bytes of a body, enough to explain a refusal, and reads past the rest. */
    private static final class Excerpt implements HttpResponse.BodySubscriber<String> {
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private final CompletableFuture<String> body = new CompletableFuture<>();

        @Override
        public CompletionStage<String> getBody() {
            return body;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            for (ByteBuffer b : buffers) {
                int n = Math.min(b.remaining(), KEPT_BYTES - kept.size());
                byte[] bytes = new byte[n];
                b.get(bytes);
                kept.write(bytes, 0, n);
            }
        }

        @Override
        public void onError(Throwable failure) {
            body.completeExceptionally(failure);
        }

        @Override
        public void onComplete() {
            body.complete(kept.toString(StandardCharsets.UTF_8));
        }
    }
}
