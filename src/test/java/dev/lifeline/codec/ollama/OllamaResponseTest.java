package dev.lifeline.codec.ollama;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lifeline.chat.ChatResponse;
import dev.lifeline.chat.FinishReason;
import dev.lifeline.chat.StreamEvent.Usage;
import dev.lifeline.chat.ToolCall;
import dev.lifeline.codec.BadRequestException;
import dev.lifeline.codec.ollama.OllamaCodec.EmbedRequest;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static dev.lifeline.codec.ollama.Goldens.tree;
import static dev.lifeline.codec.ollama.Goldens.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Complete answers from Ollama backends and to Ollama clients, and the gateway's own Ollama endpoints. */
class OllamaResponseTest {
    private static final Instant CREATED = Instant.parse("2025-06-11T09:41:07.327316Z");

    private static ChatResponse parse(String body) throws MalformedResponseException {
        return OllamaCodec.parseChatResponse(utf8(body));
    }

    private static String answer(String message, String rest) {
        return "{\"model\":\"llama3.2\",\"created_at\":\"2025-06-11T09:41:07Z\",\"message\":" + message + ",\"done\":true" + rest + "}";
    }

    @Nested
    class ParseChatResponse {
        @Test
        void readsEveryFieldOfTheGoldenAnswer() throws Exception {
            ChatResponse r = OllamaCodec.parseChatResponse(Goldens.bytes("chat-response.json"));

            assertThat(r.id()).matches("ollama-[a-z0-9]{24}");
            assertThat(r.model()).isEqualTo("qwen3:8b");
            assertThat(r.text()).isEmpty();
            assertThat(r.reasoning()).isEqualTo("The user wants the weather in London and the local time there. I will call both tools.");
            assertThat(r.toolCalls()).containsExactly(
                    new ToolCall("call_k3x9d0qa", "get_weather", "{\"city\":\"London\",\"unit\":\"celsius\",\"hours\":3}"),
                    new ToolCall("call_7m2bq8ze", "get_time", "{\"timezone\":\"Europe/London\"}"));
            assertThat(r.finishReason()).as("stop after tool calls").isEqualTo(FinishReason.TOOL_CALLS);
            assertThat(r.usage()).contains(new Usage(155, 81));
        }

        @Test
        void readsAPlainAnswer() throws Exception {
            ChatResponse r = parse(answer("{\"role\":\"assistant\",\"content\":\"Hello! How are you?\"}",
                    ",\"done_reason\":\"length\",\"eval_count\":5"));

            assertThat(r.text()).isEqualTo("Hello! How are you?");
            assertThat(r.reasoning()).isEmpty();
            assertThat(r.toolCalls()).isEmpty();
            assertThat(r.finishReason()).isEqualTo(FinishReason.LENGTH);
            assertThat(r.usage()).as("a zero count is left out by Ollama").contains(new Usage(0, 5));
        }

        @ParameterizedTest(name = "done_reason {0}")
        @CsvSource({"'', stop", "stop, stop", "load, stop", "unload, stop", "length, length", "cancelled, cancelled"})
        void mapsDoneReasons(String doneReason, String finish) throws Exception {
            String rest = doneReason.isEmpty() ? "" : ",\"done_reason\":\"" + doneReason + "\"";

            assertThat(parse(answer("{\"role\":\"assistant\",\"content\":\"\"}", rest)).finishReason()).isEqualTo(finish);
        }

        @Test
        void givesCallsWithoutIdsFreshOnes() throws Exception {
            ChatResponse r = parse(answer("{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":["
                    + "{\"function\":{\"name\":\"f\",\"arguments\":{\"a\":1}}},{\"function\":{\"name\":\"f\",\"arguments\":{\"a\":2}}}]}", ""));

            assertThat(r.toolCalls()).extracting(ToolCall::id).allMatch(id -> id.matches("call_[a-z0-9]{16}")).doesNotHaveDuplicates();
            assertThat(r.toolCalls()).extracting(ToolCall::argumentsJson).containsExactly("{\"a\":1}", "{\"a\":2}");
            assertThat(r.finishReason()).isEqualTo(FinishReason.TOOL_CALLS);
            assertThat(r.usage()).isEmpty();
        }

        @ParameterizedTest(name = "{0}")
        @CsvSource(delimiter = '|', value = {
                "not JSON          | {\"model\":                                               | not valid JSON",
                "an array          | []                                                        | not a JSON object",
                "not done          | {\"message\":{\"content\":\"hi\"},\"done\":false}         | not a complete answer",
                "no message        | {\"done\":true}                                           | has no message",
                "an error          | {\"error\":\"model 'x' not found, try pulling it first\"} | model 'x' not found",
                "nameless call     | {\"message\":{\"tool_calls\":[{\"function\":{}}]},\"done\":true} | no function name"})
        void refusesWhatIsNoCompleteAnswer(String what, String body, String message) {
            MalformedResponseException e = catchThrowableOfType(MalformedResponseException.class, () -> parse(body));

            assertThat(e).isNotNull();
            assertThat(e.getMessage()).contains(message);
        }

        @Test
        void readsErrorBodies() {
            assertThat(OllamaCodec.errorMessage(utf8("{\"error\":\"server busy, please try again.\"}")))
                    .contains("server busy, please try again.");
            assertThat(OllamaCodec.errorMessage(utf8("{\"error\":{\"message\":\"rate limited\",\"type\":\"x\"}}"))).contains("rate limited");
            assertThat(OllamaCodec.errorMessage(utf8("404 page not found"))).isEmpty();
            assertThat(OllamaCodec.errorMessage(utf8("{\"status\":\"ok\"}"))).isEmpty();
        }
    }

    @Nested
    class EncodeChatResponse {
        @Test
        void writesTheGoldenAnswer() throws Exception {
            ChatResponse r = OllamaCodec.parseChatResponse(Goldens.bytes("chat-response.json"));
            Timing t = new Timing(CREATED, 2347998750L, 19605625L, 321024542L, 2005950875L);

            byte[] body = OllamaCodec.encodeChatResponse(r, "qwen3:8b", t);

            assertThat(tree(body)).isEqualTo(tree(Goldens.bytes("chat-response.json")));
        }

        @Test
        void whatItWritesReadsBackAsTheSameAnswer() throws Exception {
            ChatResponse r = new ChatResponse("chatcmpl-1", "gpt-4o", "It is 18 °C.", "Looked it up.",
                    List.of(new ToolCall("call_x", "log", "{\"level\":\"info\"}")), FinishReason.TOOL_CALLS,
                    Optional.of(new Usage(12, 7)));

            ChatResponse back = OllamaCodec.parseChatResponse(OllamaCodec.encodeChatResponse(r, "smart", Timing.at(CREATED)));

            assertThat(back).usingRecursiveComparison().ignoringFields("id")
                    .isEqualTo(new ChatResponse("", "smart", r.text(), r.reasoning(), r.toolCalls(), r.finishReason(), r.usage()));
        }

        @Test
        void leavesOutWhatIsEmptyOrZero() {
            ChatResponse r = new ChatResponse("id", "gpt-4o", "Hi.", "", List.of(), FinishReason.STOP, Optional.empty());

            JsonNode body = tree(OllamaCodec.encodeChatResponse(r, "smart", Timing.at(Instant.parse("2025-06-11T09:41:07Z"))));

            assertThat(body).isEqualTo(tree("{\"model\":\"smart\",\"created_at\":\"2025-06-11T09:41:07Z\","
                    + "\"message\":{\"role\":\"assistant\",\"content\":\"Hi.\"},\"done_reason\":\"stop\",\"done\":true}"));
        }

        @Test
        void sendsArgumentsThatAreNoObjectAsAnEmptyOne() {
            ChatResponse r = new ChatResponse("id", "gpt-4o", "", "", List.of(new ToolCall("c", "f", "{\"a\":")),
                    FinishReason.LENGTH, Optional.empty());

            JsonNode body = tree(OllamaCodec.encodeChatResponse(r, "smart", Timing.at(CREATED)));

            assertThat(body.at("/message/tool_calls/0")).isEqualTo(tree("{\"id\":\"c\",\"function\":{\"index\":0,\"name\":\"f\",\"arguments\":{}}}"));
            assertThat(body.get("done_reason").asText()).isEqualTo("length");
        }

        @Test
        void writesTheGoldenGenerateAnswer() {
            ChatResponse r = new ChatResponse("id", "claude-haiku", "Cherry petals drift", "Petals.", List.of(), FinishReason.LENGTH,
                    Optional.of(new Usage(31, 3)));
            Timing t = new Timing(Instant.parse("2025-06-11T09:46:00.123456789Z"), 398201567L, 0, 44361000L, 52094000L);

            byte[] body = OllamaCodec.encodeGenerateResponse(r, "poet", t);

            assertThat(tree(body)).isEqualTo(tree(Goldens.bytes("gateway-generate-response.json")));
        }
    }

    @Nested
    class GatewayEndpoints {
        @Test
        void writesErrorsAsOllamaDoes() {
            assertThat(new String(OllamaCodec.errorBody("model \"smart\" not found"), StandardCharsets.UTF_8))
                    .isEqualTo("{\"error\":\"model \\\"smart\\\" not found\"}");
            assertThat(new String(OllamaStreamEncoder.streamError("cut off"), StandardCharsets.UTF_8))
                    .isEqualTo("{\"error\":\"cut off\"}\n");
        }

        @Test
        void writesTheGoldenModelList() {
            List<ModelEntry> models = List.of(
                    ModelEntry.of("smart", Instant.parse("2025-06-01T00:00:00Z")),
                    new ModelEntry("llama3.2:latest", Instant.parse("2025-05-20T08:31:12.440581Z"), 2019393189L,
                            "a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72",
                            new ModelEntry.Details("", "gguf", "llama", List.of("llama"), "3.2B", "Q4_K_M")));

            assertThat(tree(OllamaCodec.tags(models))).isEqualTo(tree(Goldens.bytes("tags.json")));
            assertThat(tree(OllamaCodec.tags(List.of()))).isEqualTo(tree("{\"models\":[]}"));
        }

        @Test
        void writesTheVersion() {
            assertThat(tree(OllamaCodec.version("0.1.0"))).isEqualTo(tree("{\"version\":\"0.1.0\"}"));
        }
    }

    @Nested
    class Embeddings {
        @Test
        void readsTheGoldenRequest() throws Exception {
            EmbedRequest r = OllamaCodec.parseEmbedRequest(Goldens.bytes("embed-request.json"));

            assertThat(r).isEqualTo(new EmbedRequest("all-minilm", List.of("Why is the sky blue?", "Why is the grass green?"), false,
                    OptionalInt.of(384)));
        }

        @Test
        void takesOneStringAndTruncatesByDefault() throws Exception {
            EmbedRequest r = OllamaCodec.parseEmbedRequest(utf8("{\"model\":\"all-minilm\",\"input\":\"Why is the sky blue?\"}"));

            assertThat(r).isEqualTo(new EmbedRequest("all-minilm", List.of("Why is the sky blue?"), true, OptionalInt.empty()));
        }

        @ParameterizedTest(name = "{0}")
        @CsvSource(delimiter = '|', value = {
                "no input          | {\"model\":\"m\"}                           | input",
                "empty string      | {\"model\":\"m\",\"input\":\"\"}            | input",
                "empty array       | {\"model\":\"m\",\"input\":[]}              | input",
                "input an object   | {\"model\":\"m\",\"input\":{}}              | input",
                "a number inside   | {\"model\":\"m\",\"input\":[\"a\",2]}       | input[1]",
                "no model          | {\"input\":\"a\"}                           | model",
                "truncate a string | {\"model\":\"m\",\"input\":\"a\",\"truncate\":\"no\"} | truncate",
                "dimensions 1.5    | {\"model\":\"m\",\"input\":\"a\",\"dimensions\":1.5} | dimensions"})
        void refusesRequestsNamingTheField(String what, String body, String param) {
            BadRequestException e = catchThrowableOfType(BadRequestException.class, () -> OllamaCodec.parseEmbedRequest(utf8(body)));

            assertThat(e).isNotNull();
            assertThat(e.param()).contains(param);
            assertThat(e.getMessage()).startsWith(param + ": ");
        }

        @Test
        void writesRequestsForOllamaBackends() {
            assertThat(tree(OllamaCodec.encodeEmbedRequest(new EmbedRequest("all-minilm", List.of("a", "b"), false, OptionalInt.of(384)))))
                    .isEqualTo(tree("{\"model\":\"all-minilm\",\"input\":[\"a\",\"b\"],\"truncate\":false,\"dimensions\":384}"));
            assertThat(tree(OllamaCodec.encodeEmbedRequest(new EmbedRequest("all-minilm", List.of("a"), true, OptionalInt.empty()))))
                    .isEqualTo(tree("{\"model\":\"all-minilm\",\"input\":[\"a\"]}"));
        }

        @Test
        void readsAndWritesTheGoldenAnswer() throws Exception {
            dev.lifeline.chat.Embeddings.Response r = OllamaCodec.parseEmbedResponse(Goldens.bytes("embed-response.json"));

            assertThat(r.model()).isEqualTo("all-minilm");
            assertThat(r.promptTokens()).isEqualTo(8);
            assertThat(r.vectors()).hasSize(2);
            assertThat(r.vectors().get(0)).containsExactly(0.010071029f, -0.0017594862f, 0.05007221f, 0.04692972f, 0.054916814f);
            assertThat(r.vectors().get(1)).containsExactly(-0.0098027075f, 0.06042469f, 0.025257962f, -0.006364387f, 0.07272725f);
            assertThat(tree(OllamaCodec.encodeEmbedResponse(r, new Timing(CREATED, 14143917L, 1019500L, 0, 0))))
                    .isEqualTo(tree(Goldens.bytes("embed-response.json")));
        }

        @Test
        void refusesAnswersWithoutVectors() {
            assertThatThrownBy(() -> OllamaCodec.parseEmbedResponse(utf8("{\"model\":\"m\"}")))
                    .isInstanceOf(MalformedResponseException.class);
            assertThatThrownBy(() -> OllamaCodec.parseEmbedResponse(utf8("{\"embeddings\":[[0.1,\"x\"]]}")))
                    .isInstanceOf(MalformedResponseException.class);
            assertThatThrownBy(() -> OllamaCodec.parseEmbedResponse(utf8("{\"error\":\"this model does not support embeddings\"}")))
                    .hasMessageContaining("does not support embeddings");
        }
    }

    @Nested
    class Timestamps {
        @ParameterizedTest(name = "{0}")
        @CsvSource({
                "2025-06-11T09:41:07Z, 2025-06-11T09:41:07Z",
                "2025-06-11T09:41:07.500Z, 2025-06-11T09:41:07.5Z",
                "2025-06-11T09:41:07.327316Z, 2025-06-11T09:41:07.327316Z",
                "2025-06-11T09:41:07.000000001Z, 2025-06-11T09:41:07.000000001Z",
                "2023-08-04T08:52:19.385406455-07:00, 2023-08-04T15:52:19.385406455Z"})
        void writeTimesAsGoDoesInUtc(String instant, String expected) {
            Instant t = OffsetDateTime.parse(instant).toInstant();

            assertThat(Timing.rfc3339(t)).isEqualTo(expected);
        }

        @Test
        void refusesNegativeDurations() {
            assertThatThrownBy(() -> new Timing(CREATED, -1, 0, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
