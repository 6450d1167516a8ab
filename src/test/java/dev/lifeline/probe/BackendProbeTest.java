package dev.lifeline.probe;

import dev.lifeline.config.BackendConfig;
import dev.lifeline.config.BackendConfig.Dialect;
import dev.lifeline.config.Secret;
import dev.lifeline.config.Timeouts;
import dev.lifeline.testing.FakeUpstream;
import dev.lifeline.testing.RecordedRequest;
import dev.lifeline.testing.Reply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The health probe asks each dialect for its model list the way that dialect lists models, spending no tokens. */
class BackendProbeTest {
    private final FakeUpstream up = FakeUpstream.start();
    private final BackendProbe probe = new BackendProbe(Duration.ofSeconds(2));

    @AfterEach
    void close() {
        up.close();
    }

    private static BackendConfig backend(Dialect dialect, String url, Optional<String> key) {
        return new BackendConfig("b", dialect, URI.create(url), key.map(Secret::new), false, Map.of(),
                Timeouts.defaultsFor(false), 0, Duration.ofSeconds(5), BackendConfig.Concurrency.UNLIMITED, Optional.empty(), Map.of());
    }

    @Test
    void openAiBackendsAreAskedForModelsWithABearerKey() {
        up.always(Reply.json(200, "{\"object\":\"list\",\"data\":[{\"id\":\"llama3.1:8b\"},{\"id\":\"qwen2.5:7b\"}]}"));

        BackendProbe.Result r = probe.probe(backend(Dialect.OPENAI, up.url("/v1"), Optional.of("sk-1")));

        assertThat(r.reachable()).isTrue();
        assertThat(r.models()).containsExactly("llama3.1:8b", "qwen2.5:7b");
        RecordedRequest seen = up.requests().get(0);
        assertThat(seen.path()).isEqualTo("/v1/models");
        assertThat(seen.header("authorization")).isEqualTo("Bearer sk-1");
    }

    @Test
    void claudeIsAskedWithItsOwnHeaders() {
        up.always(Reply.json(200, "{\"data\":[{\"type\":\"model\",\"id\":\"claude-sonnet-4-5\"}],\"has_more\":false}"));

        BackendProbe.Result r = probe.probe(backend(Dialect.ANTHROPIC, up.url("/v1"), Optional.of("sk-ant-1")));

        assertThat(r.models()).containsExactly("claude-sonnet-4-5");
        RecordedRequest seen = up.requests().get(0);
        assertThat(seen.path()).isEqualTo("/v1/models");
        assertThat(seen.header("x-api-key")).isEqualTo("sk-ant-1");
        assertThat(seen.header("anthropic-version")).isEqualTo("2023-06-01");
        assertThat(seen.header("authorization")).isNull();
    }

    @Test
    void ollamasNativeApiIsAskedForItsTags() {
        up.always(Reply.json(200, "{\"models\":[{\"name\":\"llama3.1:8b\",\"model\":\"llama3.1:8b\",\"size\":4920753328}]}"));

        BackendProbe.Result r = probe.probe(backend(Dialect.OLLAMA, up.url(""), Optional.empty()));

        assertThat(r.models()).containsExactly("llama3.1:8b");
        assertThat(up.requests().get(0).path()).isEqualTo("/api/tags");
    }

    @Test
    void refusedCredentialsAndDeadPortsAreToldApart() {
        up.always(Reply.json(401, "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"invalid x-api-key\"}}"));

        BackendProbe.Result refused = probe.probe(backend(Dialect.ANTHROPIC, up.url("/v1"), Optional.of("bad")));
        BackendProbe.Result dead = probe.probe(backend(Dialect.OLLAMA, "http://127.0.0.1:" + FakeUpstream.deadPort(), Optional.empty()));

        assertThat(refused.reachable()).isTrue();
        assertThat(refused.summary()).contains("credentials refused");
        assertThat(dead.reachable()).isFalse();
        assertThat(dead.summary()).contains("connection refused");
    }
}
