package dev.lifeline.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeline.auth.ApiKey;
import dev.lifeline.config.OllamaConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;

/** What a non-admin's body becomes before it reaches Ollama, one rule at a time. */
class OllamaRequestRulesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final OllamaRequestRules rules = new OllamaRequestRules(
            new OllamaConfig("ollama", URI.create("http://127.0.0.1:11434"), Duration.ofMinutes(30), 8192), OptionalInt.of(512));

    private static ApiKey key(String... models) {
        return new ApiKey("abcdefgh", "k", "sha256:" + "0".repeat(64), List.of(models), false, OptionalInt.empty(),
                OptionalInt.empty(), OptionalInt.empty(), Optional.empty(), Instant.now(), Optional.empty(), false);
    }

    private OllamaRequestRules.Outcome apply(String path, String body) {
        return rules.apply(path, body.getBytes(StandardCharsets.UTF_8), Optional.empty());
    }

    private JsonNode forwarded(String path, String body) throws Exception {
        OllamaRequestRules.Outcome o = apply(path, body);
        assertThat(o).isInstanceOf(OllamaRequestRules.Forward.class);
        return JSON.readTree(((OllamaRequestRules.Forward) o).body());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "-1       | 30m",
            "-5       | 30m",
            "'\"-1s\"' | 30m",
            "'\"24h\"' | 30m",
            "3600     | 30m",
            "'\"10m\"' | 10m",
            "600      | 600",
            "'\"1h\"'  | 30m",
            "'\"30m\"' | 30m"})
    void keepAliveIsCapped(String given, String sent) throws Exception {
        JsonNode out = forwarded("/api/chat", "{\"model\":\"m\",\"keep_alive\":" + given + "}");
        assertThat(out.get("keep_alive").asText()).isEqualTo(sent);
    }

    @Test
    void keepAliveZeroIsDroppedAndNonsenseRefused() throws Exception {
        assertThat(forwarded("/api/chat", "{\"model\":\"m\",\"keep_alive\":0}").has("keep_alive")).isFalse();
        assertThat(forwarded("/api/chat", "{\"model\":\"m\",\"keep_alive\":\"0\"}").has("keep_alive")).isFalse();
        assertThat(forwarded("/api/chat", "{\"model\":\"m\",\"keep_alive\":null}").get("keep_alive").isNull()).isTrue();
        for (String bad : List.of("\"forever\"", "\"-1\"", "\"5\"", "true", "{}", "\"\"")) {
            assertThat(apply("/api/chat", "{\"model\":\"m\",\"keep_alive\":" + bad + "}")).as(bad)
                    .isEqualTo(new OllamaRequestRules.Refuse(400, "keep_alive must be a duration such as \"5m\" or a number of seconds"));
        }
    }

    @Test
    void goDurationsAreReadAsGoReadsThem() {
        assertThat(OllamaRequestRules.goDurationSeconds("1h30m")).isEqualTo(OptionalDouble.of(5400));
        assertThat(OllamaRequestRules.goDurationSeconds("1.5h")).isEqualTo(OptionalDouble.of(5400));
        assertThat(OllamaRequestRules.goDurationSeconds("-2m")).isEqualTo(OptionalDouble.of(-120));
        assertThat(OllamaRequestRules.goDurationSeconds("+.5s")).isEqualTo(OptionalDouble.of(0.5));
        assertThat(OllamaRequestRules.goDurationSeconds("1500ms")).isEqualTo(OptionalDouble.of(1.5));
        assertThat(OllamaRequestRules.goDurationSeconds("0")).isEqualTo(OptionalDouble.of(0));
        for (String bad : List.of("", "-", "5", "1d", "m", "1h 30m", "1h-5m", "0x10s", "1..5s")) {
            assertThat(OllamaRequestRules.goDurationSeconds(bad)).as(bad).isEmpty();
        }
    }

    @Test
    void optionsAreCappedAndRunnerOptionsDropped() throws Exception {
        JsonNode out = forwarded("/api/generate", """
                {"model":"m","options":{"num_ctx":9000,"num_predict":100000,"num_thread":64,"use_mmap":false,"seed":7}}""");

        assertThat(out.at("/options/num_ctx").asInt()).isEqualTo(8192);
        assertThat(out.at("/options/num_predict").asInt()).isEqualTo(512);
        assertThat(out.at("/options/seed").asInt()).isEqualTo(7);
        assertThat(out.get("options").has("num_thread")).isFalse();
        assertThat(out.get("options").has("use_mmap")).isFalse();
        assertThat(forwarded("/api/generate", "{\"model\":\"m\",\"options\":{\"num_predict\":-2}}").at("/options/num_predict").asInt())
                .isEqualTo(512);
        assertThat(forwarded("/api/generate", "{\"model\":\"m\",\"options\":{\"num_predict\":20}}").at("/options/num_predict").asInt())
                .isEqualTo(20);
        assertThat(forwarded("/api/embeddings", "{\"model\":\"m\",\"prompt\":\"x\"}").has("options")).isFalse();
        assertThat(apply("/api/chat", "{\"model\":\"m\",\"options\":{\"num_ctx\":\"1000000\"}}"))
                .isEqualTo(new OllamaRequestRules.Refuse(400, "options.num_ctx must be a number"));
        assertThat(apply("/api/chat", "{\"model\":\"m\",\"options\":[1]}"))
                .isEqualTo(new OllamaRequestRules.Refuse(400, "options must be an object"));
        assertThat(forwarded("/api/chat", "{\"model\":\"m\",\"options\":{\"NUM_CTX\":100000}}").at("/options/num_ctx").asInt())
                .isEqualTo(8192);
    }

    @Test
    void debugFieldsAreDroppedWhateverTheirCase() throws Exception {
        JsonNode out = forwarded("/api/generate", "{\"model\":\"m\",\"_DEBUG_RENDER_ONLY\":true,\"_debug_other\":1,\"prompt\":\"p\"}");

        assertThat(out.fieldNames()).toIterable().containsExactlyInAnyOrder("model", "prompt", "options");
    }

    @Test
    void fieldNamesCannotSmuggleAnything() {
        assertThat(apply("/api/chat", "{\"model\":\"m\",\"\u212Aeep_alive\":-1}")).isInstanceOf(OllamaRequestRules.Refuse.class);
        assertThat(apply("/api/chat", "{\"model\":\"m\",\"model\":\"x:cloud\"}"))
                .isEqualTo(new OllamaRequestRules.Refuse(400, "the request body is not valid JSON"));
        assertThat(apply("/api/chat", "{\"model\":\"m\",\"Model\":\"x:cloud\"}")).isInstanceOf(OllamaRequestRules.Refuse.class);
        assertThat(apply("/api/chat", "{\"model\":\"m\"} {\"model\":\"x:cloud\"}")).isInstanceOf(OllamaRequestRules.Refuse.class);
        assertThat(apply("/api/chat", "{\"MODEL\":\"x:cloud\"}")).extracting(o -> ((OllamaRequestRules.Refuse) o).status()).isEqualTo(403);
    }

    @Test
    void modelsAreCheckedAgainstThePolicyAndTheKey() {
        assertThat(apply("/api/chat", "{\"messages\":[]}")).isEqualTo(new OllamaRequestRules.Refuse(400, "model is required"));
        assertThat(apply("/api/chat", "{\"model\":7}")).isEqualTo(new OllamaRequestRules.Refuse(400, "model must be a string"));
        assertThat(apply("/api/chat", "[]")).isEqualTo(new OllamaRequestRules.Refuse(400, "the request body must be a JSON object"));
        assertThat(apply("/api/embed", "{\"model\":\"localhost:5000/m\"}")).extracting(o -> ((OllamaRequestRules.Refuse) o).status())
                .isEqualTo(403);
        ApiKey llama = key("llama3.1:*", "phi3");
        byte[] body = "{\"model\":\"qwen2.5:7b\"}".getBytes(StandardCharsets.UTF_8);
        assertThat(rules.apply("/api/chat", body, Optional.of(llama)))
                .isEqualTo(new OllamaRequestRules.Refuse(403, "this key may not use model 'qwen2.5:7b'"));
        assertThat(OllamaRequestRules.mayUse(llama, "llama3.1")).isTrue();
        assertThat(OllamaRequestRules.mayUse(llama, "phi3:latest")).isTrue();
        assertThat(OllamaRequestRules.mayUse(llama, "phi3:mini")).isFalse();
        assertThat(OllamaRequestRules.mayUse(llama, "library/llama3.1:8b")).isFalse();
    }

    @Test
    void theModelListKeepsWhatTheCallerMayUse() throws Exception {
        String tags = """
                {"models":[{"name":"llama3.1:8b","model":"llama3.1:8b"},{"name":"phi3:latest","model":"phi3:latest"},
                {"name":"qwen2.5:7b","model":"qwen2.5:7b"},{"name":"x:cloud","model":"x:cloud"},{"size":1}]}""";

        byte[] narrow = OllamaRequestRules.filterTags(tags.getBytes(StandardCharsets.UTF_8), Optional.of(key("llama3.1:*", "phi3")));
        byte[] open = OllamaRequestRules.filterTags(tags.getBytes(StandardCharsets.UTF_8), Optional.empty());

        assertThat(JSON.readTree(narrow).get("models").findValuesAsText("name")).containsExactly("llama3.1:8b", "phi3:latest");
        assertThat(JSON.readTree(open).get("models").findValuesAsText("name")).containsExactly("llama3.1:8b", "phi3:latest", "qwen2.5:7b");
    }

    @Test
    void tokenCountsAreReadFromTheEndOfTheAnswer() {
        OllamaPassthrough.UsageTail tail = new OllamaPassthrough.UsageTail();
        tail.add(io.netty.buffer.Unpooled.copiedBuffer("{\"message\":{\"content\":\"\\\"eval_count\\\": 900\"},\"done\":false}\n"
                + "x".repeat(5000), StandardCharsets.UTF_8));
        tail.add(io.netty.buffer.Unpooled.copiedBuffer("\n{\"done\":true,\"prompt_eval_count\":12,\"eval_count\":4}\n",
                StandardCharsets.UTF_8));

        assertThat(tail.tokens()).isEqualTo(16);
    }
}
