package dev.lifeline.probe;

import dev.lifeline.config.BackendConfig;
import dev.lifeline.config.BackendConfig.Dialect;
import dev.lifeline.config.Durations;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Optional;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/**
 * How probes talk to a backend: its base URL, its credentials in its dialect's headers, its extra headers, no proxy
 * (a backend is reached the way the gateway reaches it), and a failure told in words a person can act on.
 * Blocking, for virtual threads.
 */
final class ProbeHttp implements AutoCloseable {
    private final Duration connectTimeout;
    private volatile HttpClient plain;
    private volatile HttpClient tls;

    ProbeHttp(Duration connectTimeout) {
        this.connectTimeout = connectTimeout;
    }

    /**
     * The client for this URI, made on first use. Local servers speak plain HTTP, and a client for them gets a TLS
     * context that trusts nothing: it never makes a TLS connection (no redirects are followed), and building the
     * default one reads the JDK's whole certificate store, a tenth of a second of every one-shot run.
     */
    private HttpClient client(URI uri) {
        boolean https = "https".equalsIgnoreCase(uri.getScheme());
        HttpClient c = https ? tls : plain;
        if (c == null) {
            synchronized (this) {
                c = https ? tls : plain;
                if (c == null) {
                    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(connectTimeout).proxy(HttpClient.Builder.NO_PROXY)
                            .followRedirects(HttpClient.Redirect.NEVER);
                    if (https) {
                        c = tls = b.build();
                    } else {
                        c = plain = b.sslContext(trustingNothing()).build();
                    }
                }
            }
        }
        return c;
    }

    private static SSLContext trustingNothing() {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(new KeyManager[0], new TrustManager[0], null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no TLS in this JDK", e);
        }
    }

    /** Stops the clients made so far; an idle client's selector thread sits in native code, which delays JVM exit. */
    @Override
    public void close() {
        HttpClient p = plain;
        HttpClient t = tls;
        if (p != null) {
            p.close();
        }
        if (t != null) {
            t.close();
        }
    }

    /** The backend's URL with {@code path} appended: {@code http://host:11434} + {@code /api/tags}. */
    static URI under(BackendConfig b, String path) {
        return URI.create(b.url().toString().replaceAll("/+$", "") + path);
    }

    /** The server's root: the URL without a trailing {@code /v1}, where llama.cpp and vLLM answer {@code /health}. */
    static URI root(BackendConfig b, String path) {
        return URI.create(b.url().toString().replaceAll("/+$", "").replaceAll("/v1$", "") + path);
    }

    HttpRequest.Builder request(BackendConfig b, URI uri, Duration timeout) {
        HttpRequest.Builder req = HttpRequest.newBuilder(uri).timeout(timeout).header("accept", "application/json");
        if (b.dialect() == Dialect.ANTHROPIC) {
            b.apiKey().ifPresent(k -> req.header("x-api-key", k.value()));
            req.header("anthropic-version", "2023-06-01");
        } else {
            b.apiKey().ifPresent(k -> req.header("authorization", "Bearer " + k.value()));
        }
        b.headers().forEach(req::setHeader);
        return req;
    }

    HttpResponse<byte[]> get(BackendConfig b, URI uri, Duration timeout) throws IOException, InterruptedException {
        return client(uri).send(request(b, uri, timeout).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    HttpResponse<InputStream> postStreaming(BackendConfig b, URI uri, String json, Duration timeout) throws IOException, InterruptedException {
        HttpRequest req = request(b, uri, timeout).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build();
        return client(uri).send(req, HttpResponse.BodyHandlers.ofInputStream());
    }

    /** Why a request got no answer, in words: {@code connection refused}, {@code host name does not resolve}... */
    static String unreachable(IOException e, Duration timeout) {
        if (e instanceof HttpConnectTimeoutException) {
            return "connect timeout (a firewall dropping packets?)";
        }
        if (e instanceof HttpTimeoutException) {
            return "no answer within " + Durations.words(timeout);
        }
        if (e instanceof ConnectException) {
            return e.getCause() instanceof UnresolvedAddressException ? "host name does not resolve" : "connection refused";
        }
        return Optional.ofNullable(e.getMessage()).orElse(e.getClass().getSimpleName());
    }

    /** A short printable excerpt of a body, for a summary line. */
    static String excerpt(byte[] body) {
        String s = new String(body, 0, Math.min(body.length, 200), java.nio.charset.StandardCharsets.UTF_8)
                .replaceAll("[\\p{Cntrl}]+", " ").strip();
        return s.length() > 120 ? s.substring(0, 120) + "..." : s;
    }
}
