package dev.lifeline.doctor;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The doctor's HTTP requests: no proxy (the doctor asks the server itself, and reports a proxy in the way separately),
 * no redirects, and a failure sorted into what it says about the server. Blocking, for virtual threads.
 */
final class Http implements AutoCloseable {
    private final HttpClient plain;
    private final Duration timeout;
    private volatile HttpClient verified;

    Http(Duration timeout) {
        this.timeout = timeout;
        // plain HTTP never uses the TLS context; the JDK's default one would read the whole certificate store
        this.plain = builder().sslContext(lookingOnly()).build();
    }

    private HttpClient.Builder builder() {
        return HttpClient.newBuilder().connectTimeout(timeout).proxy(HttpClient.Builder.NO_PROXY)
                .followRedirects(HttpClient.Redirect.NEVER).version(HttpClient.Version.HTTP_1_1);
    }

    /** For {@code https}: certificates verified as any client verifies them, since requests may carry a key. */
    private HttpClient client(URI uri) {
        if (!"https".equalsIgnoreCase(uri.getScheme())) {
            return plain;
        }
        HttpClient c = verified;
        if (c == null) {
            synchronized (this) {
                c = verified == null ? (verified = builder().build()) : verified;
            }
        }
        return c;
    }

    sealed interface Result permits Answer, Failure {
    }

    record Answer(int status, Map<String, String> headers, byte[] body) implements Result {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        Optional<String> header(String name) {
            return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
        }

        /** A short printable excerpt of the body, for evidence. */
        String excerpt() {
            String s = new String(body, 0, Math.min(body.length, 300), StandardCharsets.UTF_8).replaceAll("\\p{Cntrl}+", " ").strip();
            return s.isEmpty() ? "(empty body)" : s.length() > 120 ? s.substring(0, 120) + "..." : s;
        }
    }

    enum Problem {
        /** Connected, but no answer came in time: a hung server, or one still loading a model with no headers sent. */
        NO_ANSWER,
        REFUSED,
        CONNECT_TIMEOUT,
        /** The connection was reset or closed before an answer: a crash, a proxy, or a TLS server hearing plain HTTP. */
        RESET,
        /** An {@code https} URL, but the server does not speak TLS. */
        NOT_TLS,
        /** TLS works, but the certificate is one clients will refuse (self-signed, expired, another name). */
        UNTRUSTED,
        /** Bytes came back that are not HTTP. */
        NOT_HTTP,
        OTHER
    }

    record Failure(Problem problem, String message) implements Result {
    }

    Result get(URI uri, Map<String, String> headers) {
        HttpRequest.Builder req = HttpRequest.newBuilder(uri).timeout(timeout).GET();
        headers.forEach(req::setHeader);
        try {
            HttpResponse<byte[]> r = client(uri).send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
            Map<String, String> hs = new java.util.TreeMap<>();
            r.headers().map().forEach((k, v) -> hs.put(k.toLowerCase(Locale.ROOT), String.join(", ", v)));
            return new Answer(r.statusCode(), hs, r.body());
        } catch (HttpConnectTimeoutException e) {
            return new Failure(Problem.CONNECT_TIMEOUT, "connect timed out");
        } catch (HttpTimeoutException e) {
            return new Failure(Problem.NO_ANSWER, "no answer within " + dev.lifeline.config.Durations.words(timeout));
        } catch (ConnectException e) {
            return new Failure(Problem.REFUSED, "connection refused");
        } catch (javax.net.ssl.SSLHandshakeException e) {
            return speaksTls(uri.getHost(), uri.getPort() > 0 ? uri.getPort() : 443)
                    ? new Failure(Problem.UNTRUSTED, "the certificate is not trusted: " + message(e))
                    : new Failure(Problem.NOT_TLS, "TLS handshake failed: " + message(e));
        } catch (SSLException e) {
            return new Failure(Problem.NOT_TLS, "TLS handshake failed: " + message(e));
        } catch (IOException e) {
            String m = message(e);
            String lower = m.toLowerCase(Locale.ROOT);
            if (lower.contains("reset") || lower.contains("received no bytes") || lower.contains("closed")) {
                return new Failure(Problem.RESET, m);
            }
            if (lower.contains("status line") || lower.contains("header")) {
                return new Failure(Problem.NOT_HTTP, m);
            }
            return new Failure(Problem.OTHER, m);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Failure(Problem.OTHER, "interrupted");
        }
    }

    /**
     * Stops the clients' selector threads. A one-shot run must: the JVM waits up to 300 ms at exit for threads still in
     * native code, and an idle client's selector sits in {@code epoll_wait}.
     */
    @Override
    public void close() {
        plain.close();
        HttpClient v = verified;
        if (v != null) {
            v.close();
        }
    }

    /** Whether the server at {@code host:port} completes a TLS handshake: the reason plain HTTP got nowhere. */
    boolean speaksTls(String host, int port) {
        try (var socket = (javax.net.ssl.SSLSocket) lookingOnly().getSocketFactory().createSocket()) {
            socket.connect(new java.net.InetSocketAddress(host, port), (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            socket.startHandshake();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * A TLS context that accepts any certificate, for looking only: no request is sent over it. It tells "speaks TLS
     * with a certificate clients refuse" from "does not speak TLS".
     */
    private static SSLContext lookingOnly() {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[]{new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no TLS in this JDK", e);
        }
    }

    private static String message(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
