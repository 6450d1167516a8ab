package dev.lifeline.monitor.output;

import dev.lifeline.probe.Check;
import dev.lifeline.probe.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Prometheus scraping {@code lifeline monitor --watch} over real HTTP. */
class MetricsServerTest {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final MonitorMetrics metrics = new MonitorMetrics();
    private MetricsServer server;

    @AfterEach
    void close() {
        if (server != null) {
            server.close();
        }
        http.close();
    }

    private MetricsServer start() throws IOException {
        server = MetricsServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), metrics);
        return server;
    }

    private HttpResponse<String> send(String method, String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(5)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void getMetricsAnswersWithTheLatestReport() throws Exception {
        start();
        metrics.update(SampleReports.warning());

        HttpResponse<String> first = send("GET", "/metrics");

        assertThat(server.port()).isPositive();
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("content-type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        assertThat(first.body().lines()).contains(
                "lifeline_monitor_check_status{backend=\"ollama\",check=\"gpu\"} 1.0",
                "lifeline_monitor_tokens_per_second{backend=\"ollama\",model=\"llama3.1:8b\"} 6.2");

        metrics.update(SampleReports.of(Check.of("ollama", "service", Status.CRITICAL, "connection refused")));
        HttpResponse<String> second = send("GET", "/metrics?ignored=1");

        assertThat(second.body().lines()).contains("lifeline_monitor_check_status{backend=\"ollama\",check=\"service\"} 2.0")
                .noneMatch(l -> l.contains("check=\"gpu\""));
    }

    @Test
    void headGivesTheHeadersWithoutTheBody() throws Exception {
        start();

        HttpResponse<String> head = send("HEAD", "/metrics");

        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(head.headers().firstValue("content-type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
    }

    @Test
    void otherPathsAre404AndOtherMethods405() throws Exception {
        start();

        HttpResponse<String> elsewhere = send("GET", "/");
        HttpResponse<String> below = send("GET", "/metrics/extra");
        HttpResponse<String> post = send("POST", "/metrics");
        HttpResponse<String> delete = send("DELETE", "/metrics");

        assertThat(elsewhere.statusCode()).isEqualTo(404);
        assertThat(elsewhere.body()).contains("/metrics");
        assertThat(below.statusCode()).isEqualTo(404);
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("allow")).hasValue("GET, HEAD");
        assertThat(delete.statusCode()).isEqualTo(405);
    }

    @Test
    void afterCloseNothingListens() throws Exception {
        start();
        int port = server.port();
        server.close();
        server = null;

        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(5)).build();
        assertThatThrownBy(() -> http.send(request, HttpResponse.BodyHandlers.ofString())).isInstanceOf(ConnectException.class);
    }

    @Test
    void aPortInUseSaysWhichAndWhatToDo() throws Exception {
        start();

        assertThatThrownBy(() -> MetricsServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()), metrics))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(":" + server.port())
                .hasMessageContaining("in use")
                .hasMessageContaining("Choose another address or port");
    }
}
