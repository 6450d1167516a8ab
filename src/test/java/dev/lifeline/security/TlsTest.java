package dev.lifeline.security;

import dev.lifeline.testing.FakeUpstream;
import dev.lifeline.testing.Reply;
import dev.lifeline.testing.TestGateway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;

import static dev.lifeline.testing.OpenAiFixtures.chatCompletion;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** HTTPS with a PEM certificate and key, as an operator would configure it for a non-loopback listener. */
class TlsTest {
    @TempDir
    Path dir;

    @Test
    void servesHttpsWithAPemCertificate() throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        assumeTrue(openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", key.toString(), "-out", cert.toString()),
                "openssl is needed to make a test certificate");
        try (FakeUpstream local = FakeUpstream.start()) {
            local.always(Reply.json(200, chatCompletion("llama3.1:8b", "over tls")));
            try (TestGateway gw = TestGateway.start("""
                    backends:
                      local: { type: openai, url: "%s", cloud: false }
                    routes:
                      - model: "*"
                        targets: [ { backend: local } ]
                    tls: { cert: "%s", key: "%s" }
                    """.formatted(local.url("/v1"), cert, key))) {
                assertThat(gw.running().url()).startsWith("https://127.0.0.1:");

                HttpClient trusting = HttpClient.newBuilder().sslContext(trusting(cert)).connectTimeout(Duration.ofSeconds(5)).build();
                HttpResponse<String> r = trusting.send(HttpRequest.newBuilder(URI.create(gw.url("/v1/chat/completions")))
                        .header("content-type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(TestGateway.chatBody("m", "hi", false))).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).contains("over tls");

                String plain = gw.running().url().replace("https://", "http://");
                assertThatThrownBy(() -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(plain + "/healthz"))
                        .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString()))
                        .as("plain HTTP to a TLS listener gets no answer").isInstanceOf(java.io.IOException.class);
            }
        }
    }

    @Test
    void anUnusableCertificateStopsStartWithItsName() throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Files.writeString(cert, "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n");
        Files.writeString(key, "not a key");

        assertThatThrownBy(() -> TestGateway.start("""
                backends:
                  local: { type: openai, url: "http://127.0.0.1:1/v1", cloud: false }
                routes:
                  - model: "*"
                    targets: [ { backend: local } ]
                tls: { cert: "%s", key: "%s" }
                """.formatted(cert, key)))
                .hasMessageContaining("tls: cannot use certificate " + cert);
    }

    private static SSLContext trusting(Path pem) throws Exception {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        try (InputStream in = Files.newInputStream(pem)) {
            ks.setCertificateEntry("lifeline", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    private static boolean openssl(String... args) throws Exception {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "openssl";
        System.arraycopy(args, 0, cmd, 1, args.length);
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
