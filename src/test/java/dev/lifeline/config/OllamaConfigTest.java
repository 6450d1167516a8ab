package dev.lifeline.config;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The {@code ollama:} section: Ollama's native API, on only when asked for, and every mistake named. */
class OllamaConfigTest {
    private static final String BACKENDS = """
            backends:
              ollama: { type: openai, url: "http://127.0.0.1:11434/v1", cloud: false }
              openai: { type: openai, url: "https://api.openai.com/v1", api_key: sk-test }
            routes:
              - model: "*"
                targets: [ { backend: ollama } ]
            """;

    private static Config parse(String yaml) throws ConfigException {
        return ConfigLoader.parse(yaml, "lifeline.yaml", Map.of());
    }

    private static List<String> problems(String yaml) {
        return catchThrowableOfType(ConfigException.class, () -> parse(yaml)).problems();
    }

    @Test
    void offUnlessConfigured() throws Exception {
        assertThat(parse(BACKENDS).ollama()).isEmpty();
    }

    @Test
    void theNativeRootIsTheBackendsUrlWithoutV1() throws Exception {
        OllamaConfig c = parse(BACKENDS + "ollama: { backend: ollama, max_keep_alive: 1h, max_num_ctx: 16384 }\n").ollama().orElseThrow();

        assertThat(c.backend()).isEqualTo("ollama");
        assertThat(c.root()).isEqualTo(URI.create("http://127.0.0.1:11434"));
        assertThat(c.maxKeepAlive()).isEqualTo(Duration.ofHours(1));
        assertThat(c.maxNumCtx()).isEqualTo(16384);
    }

    @Test
    void defaultsAreThirtyMinutesAnd32kContext() throws Exception {
        OllamaConfig c = parse(BACKENDS + "ollama: { backend: ollama }\n").ollama().orElseThrow();

        assertThat(c.maxKeepAlive()).isEqualTo(Duration.ofMinutes(30));
        assertThat(c.maxNumCtx()).isEqualTo(32768);
    }

    @Test
    void nativeRoots() {
        assertThat(OllamaConfig.nativeRoot(URI.create("http://127.0.0.1:11434/v1/"))).isEqualTo(URI.create("http://127.0.0.1:11434"));
        assertThat(OllamaConfig.nativeRoot(URI.create("http://gpu.local:11434"))).isEqualTo(URI.create("http://gpu.local:11434"));
        assertThat(OllamaConfig.nativeRoot(URI.create("https://[::1]:8443/ollama/v1"))).isEqualTo(URI.create("https://[::1]:8443/ollama"));
    }

    @Test
    void everyMistakeIsNamed() {
        assertThat(problems(BACKENDS + "ollama: { max_num_ctx: 0, max_keep_alive: forever, keep_alive: 5m }\n")).containsExactly(
                "ollama.keep_alive: unknown key (expected one of: backend, max_keep_alive, max_num_ctx)",
                "ollama.backend: missing (expected: the backend of the Ollama server, one of ollama, openai)",
                "ollama.max_keep_alive: \"forever\" (expected: a positive duration such as 500ms, 15s, 2m)",
                "ollama.max_num_ctx: 0 (expected: at least 1)");
        assertThat(problems(BACKENDS + "ollama: { backend: olama }\n"))
                .containsExactly("ollama.backend: \"olama\" (expected: one of ollama, openai)");
        assertThat(problems(BACKENDS + "ollama: { backend: openai }\n")).containsExactly("ollama.backend: \"openai\" is a cloud backend"
                + " (expected: the Ollama server on this machine or network; if openai is one, set cloud: false on backends.openai)");
        assertThat(problems(BACKENDS + "ollama: ollama\n"))
                .containsExactly("ollama: \"ollama\" (expected: a mapping with backend, max_keep_alive and max_num_ctx)");
    }
}
