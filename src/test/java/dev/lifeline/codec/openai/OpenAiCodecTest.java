package dev.lifeline.codec.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeline.chat.StreamEvent;
import dev.lifeline.chat.StreamEvent.Done;
import dev.lifeline.chat.StreamEvent.Error;
import dev.lifeline.chat.StreamEvent.Finish;
import dev.lifeline.chat.StreamEvent.TextDelta;
import dev.lifeline.chat.StreamEvent.ToolCallDelta;
import dev.lifeline.chat.StreamEvent.Usage;
import dev.lifeline.codec.BadRequestException;
import dev.lifeline.codec.SseDecoder;
import dev.lifeline.codec.openai.OpenAiCodec.MalformedChunkException;
import dev.lifeline.codec.openai.OpenAiCodec.Request;
import dev.lifeline.config.TargetConfig.SystemPromptMode;
import dev.lifeline.testing.OpenAiFixtures;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The OpenAI wire dialect: what the gateway accepts, what it forwards byte for byte, and how it reads streams. */
class OpenAiCodecTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String str(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static byte[] golden(String name) {
        try (InputStream in = OpenAiCodecTest.class.getResourceAsStream("/golden/openai/" + name)) {
            assertThat(in).as("golden file %s", name).isNotNull();
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode tree(byte[] body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + str(body), e);
        }
    }

    private static Request parse(String body) throws BadRequestException {
        return OpenAiCodec.parseRequest(utf8(body));
    }

    private static byte[] retarget(Request r, String model) {
        return OpenAiCodec.forTarget(r, model, Optional.empty(), SystemPromptMode.PREPEND, Optional.empty());
    }

    // ------------------------------------------------------------------ parseRequest

    @Nested
    class ParseRequest {
        @Test
        void readsModelAndStreamFlag() throws Exception {
            Request r = parse("{\"model\":\"gpt-4o\",\"messages\":[],\"stream\":true}");

            assertThat(r.model()).isEqualTo("gpt-4o");
            assertThat(r.stream()).isTrue();
            assertThat(parse("{\"model\":\"gpt-4o\"}").stream()).isFalse();
            assertThat(parse("{\"model\":\"gpt-4o\",\"stream\":null}").stream()).isFalse();
        }

        @ParameterizedTest
        @ValueSource(strings = {"", "hello", "{\"model\":\"gpt-4o\"", "{\"model\":\"gpt-4o\",}", "\u0000\u0001"})
        void notJson(String body) {
            BadRequestException e = catchThrowableOfType(BadRequestException.class, () -> parse(body));

            assertThat(e).isNotNull();
            assertThat(e.getMessage()).satisfiesAnyOf(
                    m -> assertThat(m).isEqualTo("the request body is not valid JSON"),
                    m -> assertThat(m).isEqualTo("the request body must be a JSON object"));
        }

        @ParameterizedTest
        @ValueSource(strings = {"[]", "[{\"model\":\"gpt-4o\"}]", "\"gpt-4o\"", "42", "null", "true"})
        void notAnObject(String body) {
            assertThatThrownBy(() -> parse(body))
                    .isInstanceOf(BadRequestException.class)
                    .hasMessage("the request body must be a JSON object");
        }

        @Test
        void missingModelNamesTheParam() {
            BadRequestException e = catchThrowableOfType(BadRequestException.class, () -> parse("{\"messages\":[]}"));

            assertThat(e.getMessage()).isEqualTo("you must provide a model parameter");
            assertThat(e.param()).hasValue("model");
            assertThat(catchThrowableOfType(BadRequestException.class, () -> parse("{\"model\":null}")).param()).hasValue("model");
        }

        @ParameterizedTest
        @ValueSource(strings = {"42", "true", "[\"gpt-4o\"]", "{\"name\":\"gpt-4o\"}", "\"\"", "\"   \""})
        void modelMustBeANonEmptyString(String model) {
            BadRequestException e = catchThrowableOfType(BadRequestException.class, () -> parse("{\"model\":" + model + "}"));

            assertThat(e).isNotNull();
            assertThat(e.getMessage()).isEqualTo("model must be a non-empty string");
            assertThat(e.param()).hasValue("model");
        }

        @ParameterizedTest
        @ValueSource(strings = {"\"true\"", "1", "0", "{}", "[]"})
        void streamMustBeABoolean(String stream) {
            BadRequestException e = catchThrowableOfType(BadRequestException.class,
                    () -> parse("{\"model\":\"gpt-4o\",\"stream\":" + stream + "}"));

            assertThat(e).isNotNull();
            assertThat(e.getMessage()).isEqualTo("stream must be true or false");
            assertThat(e.param()).hasValue("stream");
        }

        @Test
        void deeplyNestedJsonIsRefused() {
            String deep = "{\"model\":\"gpt-4o\",\"x\":" + "[".repeat(64) + "]".repeat(64) + "}"; // 65 levels

            assertThatThrownBy(() -> parse(deep))
                    .isInstanceOf(BadRequestException.class)
                    .hasMessage("the request body is not valid JSON");
        }

        @Test
        void hugelyNestedJsonIsRefusedWithoutBlowingTheStack() {
            String deep = "{\"model\":\"gpt-4o\",\"x\":" + "[".repeat(200_000) + "]".repeat(200_000) + "}";

            assertThatThrownBy(() -> parse(deep)).isInstanceOf(BadRequestException.class);
        }

        @Test
        void nestingUpToTheLimitIsAccepted() throws Exception {
            String ok = "{\"model\":\"gpt-4o\",\"x\":" + "[".repeat(63) + "]".repeat(63) + "}"; // 64 levels

            assertThat(parse(ok).model()).isEqualTo("gpt-4o");
        }
    }

    // ------------------------------------------------------------------ forTarget

    @Nested
    class ForTarget {
        @Test
        void sameModelForwardsTheClientsOwnBytes() throws Exception {
            byte[] raw = golden("chat-request.json");
            Request r = OpenAiCodec.parseRequest(raw);

            assertThat(retarget(r, "gpt-4o")).isSameAs(raw);
        }

        @Test
        void otherModelChangesOnlyTheTopLevelModelValue() throws Exception {
            byte[] raw = golden("chat-request.json");
            Request r = OpenAiCodec.parseRequest(raw);
            String original = str(raw);
            String topLevel = "\"model\"\t:   \"gpt-4o\" ,";
            assertThat(original).containsOnlyOnce(topLevel);

            byte[] out = retarget(r, "llama3.1:8b");

            assertThat(str(out)).isEqualTo(original.replace(topLevel, "\"model\"\t:   \"llama3.1:8b\" ,"));
            JsonNode sent = tree(out);
            assertThat(sent.path("model").asText()).isEqualTo("llama3.1:8b");
            assertThat(sent.path("messages").get(1).path("model").asText()).as("a nested model key").isEqualTo("gpt-4o");
            assertThat(sent.path("metadata").path("model").asText()).isEqualTo("gpt-4o");
            assertThat(str(out)).contains("\\u00e9\\u2713 \\ud83d\\ude00", "0.70", "-0.0", "1e400", "123456789012345678901234567890");
        }

        @Test
        void modelWrittenWithUnicodeEscapesIsRecognisedAndReplaced() throws Exception {
            byte[] raw = utf8("{\"model\":\"gpt\\u002d4o\",\"messages\":[]}");
            Request r = OpenAiCodec.parseRequest(raw);

            assertThat(r.model()).isEqualTo("gpt-4o");
            assertThat(retarget(r, "gpt-4o")).isSameAs(raw);
            assertThat(str(retarget(r, "qwen2.5"))).isEqualTo("{\"model\":\"qwen2.5\",\"messages\":[]}");
        }

        @Test
        void modelWithEscapedQuotesIsReplacedWhole() throws Exception {
            Request r = parse("{\"model\":\"we\\\"ird\\\\\",\"n\":1}");

            assertThat(r.model()).isEqualTo("we\"ird\\");
            assertThat(str(retarget(r, "m"))).isEqualTo("{\"model\":\"m\",\"n\":1}");
        }

        @Test
        void targetModelIsEscapedAsJson() throws Exception {
            Request r = parse("{\"model\":\"a\",\"n\":1}");

            byte[] out = retarget(r, "odd \"name\" é");

            assertThat(tree(out).path("model").asText()).isEqualTo("odd \"name\" é");
            assertThat(tree(out).path("n").asInt()).isEqualTo(1);
        }

        @Test
        void modelKeyAfterNestedObjectsStillFound() throws Exception {
            Request r = parse("{\"a\":{\"model\":\"x\",\"b\":[{\"model\":\"y\"}]},\"model\":\"z\"}");

            assertThat(str(retarget(r, "t"))).isEqualTo("{\"a\":{\"model\":\"x\",\"b\":[{\"model\":\"y\"}]},\"model\":\"t\"}");
        }

        /**
         * JSON with a repeated key means the last one to the gateway's parser (and to most upstreams); the upstream
         * must be asked for the target's model, not whatever the client put in the other copy.
         */
        @Test
        void duplicatedModelKeyNeverLetsTheClientsModelThrough() throws Exception {
            Request r;
            try {
                r = parse("{\"model\":\"llama3.1:8b\",\"messages\":[],\"model\":\"gpt-4o\"}");
            } catch (BadRequestException refused) {
                return; // refusing an ambiguous request is a correct answer too
            }
            assertThat(r.model()).isEqualTo("gpt-4o");

            byte[] out = retarget(r, "qwen2.5:7b");

            assertThat(tree(out).path("model").asText()).as("what the upstream reads: %s", str(out)).isEqualTo("qwen2.5:7b");
        }

        @Test
        void systemPromptIsPrependedBeforeTheClientsOwn() throws Exception {
            Request r = parse("{\"model\":\"gpt-4o\",\"temperature\":0.70,\"messages\":["
                    + "{\"role\":\"system\",\"content\":\"client system\"},{\"role\":\"user\",\"content\":\"hi\"}]}");

            byte[] out = OpenAiCodec.forTarget(r, "llama3.1:8b", Optional.of("Be brief."), SystemPromptMode.PREPEND, Optional.empty());

            JsonNode sent = tree(out);
            assertThat(sent.path("model").asText()).isEqualTo("llama3.1:8b");
            assertThat(roles(sent)).containsExactly("system", "system", "user");
            assertThat(sent.path("messages").get(0).path("content").asText()).isEqualTo("Be brief.");
            assertThat(sent.path("messages").get(1).path("content").asText()).isEqualTo("client system");
            assertThat(new BigDecimal(sent.path("temperature").asText())).isEqualByComparingTo("0.70");
            assertThat(tree(r.raw()).path("messages")).as("the client's request is not changed").hasSize(2);
        }

        @Test
        void systemPromptReplaceRemovesSystemAndDeveloperMessages() throws Exception {
            Request r = parse("{\"model\":\"gpt-4o\",\"messages\":["
                    + "{\"role\":\"developer\",\"content\":\"dev\"},"
                    + "{\"role\":\"user\",\"content\":\"q1\"},"
                    + "{\"role\":\"system\",\"content\":\"sys\"},"
                    + "{\"role\":\"assistant\",\"content\":\"a1\"},"
                    + "{\"role\":\"user\",\"content\":\"q2\"}]}");

            byte[] out = OpenAiCodec.forTarget(r, "gpt-4o", Optional.of("Local rules."), SystemPromptMode.REPLACE, Optional.empty());

            JsonNode sent = tree(out);
            assertThat(roles(sent)).containsExactly("system", "user", "assistant", "user");
            assertThat(sent.path("messages").get(0).path("content").asText()).isEqualTo("Local rules.");
            assertThat(str(out)).doesNotContain("\"dev\"", "\"sys\"");
        }

        @Test
        void prefillAppendsAnAssistantMessage() throws Exception {
            Request r = parse("{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"count\"}]}");

            byte[] out = OpenAiCodec.forTarget(r, "llama3.1:8b", Optional.empty(), SystemPromptMode.PREPEND, Optional.of("1, 2, 3,"));

            JsonNode sent = tree(out);
            assertThat(roles(sent)).containsExactly("user", "assistant");
            assertThat(sent.path("messages").get(1).path("content").asText()).isEqualTo("1, 2, 3,");
            assertThat(sent.path("model").asText()).isEqualTo("llama3.1:8b");
            assertThat(sent.path("stream").asBoolean()).isTrue();
        }

        private List<String> roles(JsonNode body) {
            List<String> roles = new ArrayList<>();
            body.path("messages").forEach(m -> roles.add(m.path("role").asText()));
            return roles;
        }
    }

    // ------------------------------------------------------------------ decodeChunk

    @Nested
    class DecodeChunk {
        private List<StreamEvent> decode(String sseEvent) throws MalformedChunkException {
            assertThat(sseEvent).startsWith("data: ");
            return OpenAiCodec.decodeChunk(sseEvent.substring(6));
        }

        @Test
        void contentDelta() throws Exception {
            assertThat(decode(OpenAiFixtures.chunk("m", "Hel"))).containsExactly(new TextDelta("Hel"));
        }

        @Test
        void roleOnlyChunkCarriesNoEvents() throws Exception {
            assertThat(decode(OpenAiFixtures.roleChunk("m"))).isEmpty();
        }

        @Test
        void toolCallDeltas() throws Exception {
            String chunk = "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":["
                    + "{\"index\":0,\"function\":{\"arguments\":\"{\\\"a\\\"\"}},{\"index\":2,\"id\":\"call_2\"}]},\"finish_reason\":null}]}";

            assertThat(OpenAiCodec.decodeChunk(chunk)).containsExactly(
                    new ToolCallDelta(0, "", "", "{\"a\""), new ToolCallDelta(2, "call_2", "", ""));
        }

        @Test
        void finishReason() throws Exception {
            assertThat(decode(OpenAiFixtures.finishChunk("m", "length"))).containsExactly(new Finish("length"));
        }

        @Test
        void lastTextAndFinishInOneChunk() throws Exception {
            String chunk = "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"end.\"},\"finish_reason\":\"stop\"}]}";

            assertThat(OpenAiCodec.decodeChunk(chunk)).containsExactly(new TextDelta("end."), new Finish("stop"));
        }

        @Test
        void usageChunk() throws Exception {
            assertThat(decode(OpenAiFixtures.usageChunk("m", 12, 34))).containsExactly(new Usage(12, 34));
        }

        @Test
        void errorPayload() throws Exception {
            assertThat(decode(OpenAiFixtures.errorEvent("Network connection lost.", "server_error")))
                    .containsExactly(new Error("server_error", "Network connection lost."));
            assertThat(OpenAiCodec.decodeChunk("{\"error\":\"model is loading\"}"))
                    .containsExactly(new Error("error", "model is loading"));
        }

        @Test
        void done() throws Exception {
            assertThat(OpenAiCodec.decodeChunk("[DONE]")).containsExactly(new Done());
        }

        @ParameterizedTest
        @ValueSource(strings = {"{\"choices\":", "not json", "[1,2]", "\"text\"", ""})
        void malformed(String data) {
            assertThatThrownBy(() -> OpenAiCodec.decodeChunk(data)).isInstanceOf(MalformedChunkException.class);
        }

        @Test
        void goldenTextStreamTranscript() throws Exception {
            assertThat(decodeTranscript("stream-transcript.sse")).containsExactly(
                    new TextDelta("Hello"),
                    new TextDelta(", wörld"),
                    new TextDelta("!"),
                    new Finish("stop"),
                    new Usage(12, 4),
                    new Done());
        }

        @Test
        void goldenToolCallTranscript() throws Exception {
            assertThat(decodeTranscript("tool-call-transcript.sse")).containsExactly(
                    new ToolCallDelta(0, "call_abc", "get_weather", ""),
                    new ToolCallDelta(0, "", "", "{\"city\":"),
                    new ToolCallDelta(0, "", "", "\"Paris\"}"),
                    new ToolCallDelta(1, "call_def", "get_time", "{}"),
                    new Finish("tool_calls"),
                    new Done());
        }

        private List<StreamEvent> decodeTranscript(String name) throws Exception {
            byte[] wire = golden(name);
            SseDecoder sse = new SseDecoder();
            List<StreamEvent> events = new ArrayList<>();
            for (int i = 0; i < wire.length; i += 7) { // as odd network reads would deliver it
                for (SseDecoder.Event e : sse.feed(wire, i, Math.min(7, wire.length - i))) {
                    events.addAll(OpenAiCodec.decodeChunk(e.data()));
                }
            }
            assertThat(sse.hasPartialEvent()).isFalse();
            return events;
        }
    }

    // ------------------------------------------------------------------ errors

    @Nested
    class Errors {
        @Test
        void errorCodeFromTheCodeField() {
            assertThat(OpenAiCodec.errorCode(utf8(OpenAiFixtures.errorBody("quota", "insufficient_quota", "insufficient_quota"))))
                    .hasValue("insufficient_quota");
            assertThat(OpenAiCodec.errorCode(golden("error-body-context-length.json"))).hasValue("context_length_exceeded");
        }

        @ParameterizedTest
        @ValueSource(strings = {
                "{\"error\":{\"message\":\"This model's maximum context length is 8192 tokens\",\"type\":\"invalid_request_error\",\"code\":null}}",
                "{\"error\":{\"message\":\"prompt exceeds the context window\",\"type\":\"invalid_request_error\"}}",
                "{\"error\":\"the input exceeds the context length of 4096\"}",
                "{\"error\":{\"message\":\"Too many tokens: 9000 > 8192\",\"code\":\"\"}}"})
        void contextLengthDerivedFromTheMessage(String body) {
            assertThat(OpenAiCodec.errorCode(utf8(body))).hasValue("context_length_exceeded");
        }

        @Test
        void typeIsTheFallback() {
            assertThat(OpenAiCodec.errorCode(utf8(OpenAiFixtures.errorBody("overloaded", "server_error", null)))).hasValue("server_error");
        }

        @Test
        void nothingToReport() {
            assertThat(OpenAiCodec.errorCode(utf8("{\"error\":{\"message\":\"boom\"}}"))).isEmpty();
            assertThat(OpenAiCodec.errorCode(utf8("<html>502 Bad Gateway</html>"))).isEmpty();
            assertThat(OpenAiCodec.errorCode(utf8("{\"error\":\"model 'x' not found\"}"))).isEmpty();
        }

        @Test
        void streamErrorIsOneDataEventWithTheErrorObject() throws Exception {
            byte[] wire = OpenAiCodec.streamError("all targets failed", "server_error", "upstream_unavailable");
            String text = str(wire);

            assertThat(text).startsWith("data: {").endsWith("}\n\n");
            assertThat(text.indexOf('\n')).isEqualTo(text.length() - 2);
            JsonNode error = tree(utf8(text.substring(6).trim())).path("error");
            assertThat(error.path("message").asText()).isEqualTo("all targets failed");
            assertThat(error.path("type").asText()).isEqualTo("server_error");
            assertThat(error.path("code").asText()).isEqualTo("upstream_unavailable");
            assertThat(error.has("param")).isTrue();

            List<SseDecoder.Event> events = new SseDecoder().feed(wire);
            assertThat(events).hasSize(1);
            assertThat(OpenAiCodec.decodeChunk(events.get(0).data())).containsExactly(new Error("server_error", "all targets failed"));
        }

        @Test
        void errorBodyHasTheOpenAiShape() {
            JsonNode e = tree(OpenAiCodec.errorBody("bad", "invalid_request_error", Optional.of("model"), "invalid_request")).path("error");

            assertThat(e.path("message").asText()).isEqualTo("bad");
            assertThat(e.path("type").asText()).isEqualTo("invalid_request_error");
            assertThat(e.path("param").asText()).isEqualTo("model");
            assertThat(e.path("code").asText()).isEqualTo("invalid_request");
        }
    }
}
