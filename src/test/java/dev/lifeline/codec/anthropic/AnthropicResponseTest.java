package dev.lifeline.codec.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lifeline.chat.ChatResponse;
import dev.lifeline.chat.FinishReason;
import dev.lifeline.chat.StreamEvent;
import dev.lifeline.chat.ToolCall;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static dev.lifeline.codec.anthropic.AnthropicGoldens.golden;
import static dev.lifeline.codec.anthropic.AnthropicGoldens.str;
import static dev.lifeline.codec.anthropic.AnthropicGoldens.tree;
import static dev.lifeline.codec.anthropic.AnthropicGoldens.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Non-streamed Messages responses, read from Claude and written for Anthropic clients, and the dialect's errors. */
class AnthropicResponseTest {
    private static final String MODEL = "claude-sonnet-4-5-20250929";

    /** What response.json means. */
    static ChatResponse goldenModel() {
        return new ChatResponse("msg_01XFDUDYJgAACzvnptvVoYEL", MODEL,
                "It's 15°C with light rain in Paris. Let me check the forecast for tonight.", "",
                List.of(new ToolCall("toolu_01T1x1fJ34qAmk2tNTrN7Up6", "get_forecast",
                        "{\"city\":\"Paris\",\"hours\":6,\"details\":{\"precipitation\":true,\"wind\":0.5}}")),
                FinishReason.TOOL_CALLS, Optional.of(new StreamEvent.Usage(472 + 1024, 89)));
    }

    static ChatResponse response(String text, String reasoning, List<ToolCall> calls, String finish) {
        return new ChatResponse("msg_1", MODEL, text, reasoning, calls, finish, Optional.of(new StreamEvent.Usage(10, 20)));
    }

    static ChatResponse withoutContent(String stopReasonJson) throws MalformedResponseException {
        return AnthropicCodec.parseResponse(utf8("{\"id\":\"m\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"x\","
                + "\"content\":[],\"stop_reason\":" + stopReasonJson + "}"));
    }

    @Test
    void theGoldenResponseReadsIntoTheNeutralModel() throws Exception {
        ChatResponse r = AnthropicCodec.parseResponse(golden("response.json"));

        assertThat(r.id()).isEqualTo("msg_01XFDUDYJgAACzvnptvVoYEL");
        assertThat(r.model()).isEqualTo(MODEL);
        assertThat(r.text()).as("text blocks joined").isEqualTo(goldenModel().text());
        assertThat(r.reasoning()).isEmpty();
        assertThat(r.toolCalls()).containsExactlyElementsOf(goldenModel().toolCalls());
        assertThat(r.finishReason()).isEqualTo("tool_calls");
        assertThat(r.usage()).as("cache reads count as prompt tokens").hasValue(new StreamEvent.Usage(1496, 89));
        assertThat(r).isEqualTo(goldenModel());
    }

    @Test
    void theNeutralModelEncodesAsTheGolden() {
        assertThat(tree(AnthropicCodec.encodeResponse(goldenModel()))).isEqualTo(tree(golden("response-encoded.json")));
    }

    static Stream<ChatResponse> responses() {
        return Stream.of(
                goldenModel(),
                response("Hello!", "", List.of(), FinishReason.STOP),
                response("The answer is 42.", "6 times 7 is 42.", List.of(), FinishReason.LENGTH),
                response("", "", List.of(new ToolCall("toolu_a", "f", "{}"), new ToolCall("toolu_b", "g", "{\"x\":[1,2.50]}")),
                        FinishReason.TOOL_CALLS),
                response("", "", List.of(), FinishReason.CONTENT_FILTER),
                response("partial", "", List.of(), "some_future_reason"));
    }

    @ParameterizedTest
    @MethodSource("responses")
    void encodingThenParsingGivesTheResponseBack(ChatResponse r) throws Exception {
        assertThat(AnthropicCodec.parseResponse(AnthropicCodec.encodeResponse(r))).isEqualTo(r);
    }

    @ParameterizedTest
    @CsvSource({"end_turn, stop", "stop_sequence, stop", "pause_turn, stop", "max_tokens, length",
            "model_context_window_exceeded, length", "tool_use, tool_calls", "refusal, content_filter", "novel_reason, novel_reason"})
    void stopReasonsInTheNeutralVocabulary(String stopReason, String finishReason) throws Exception {
        assertThat(withoutContent("\"" + stopReason + "\"").finishReason()).isEqualTo(finishReason);
    }

    @ParameterizedTest
    @CsvSource({"stop, end_turn", "length, max_tokens", "tool_calls, tool_use", "function_call, tool_use",
            "content_filter, refusal", "novel_reason, novel_reason"})
    void finishReasonsInClaudesVocabulary(String finishReason, String stopReason) {
        JsonNode out = tree(AnthropicCodec.encodeResponse(response("x", "", List.of(), finishReason)));

        assertThat(out.path("stop_reason").asText()).isEqualTo(stopReason);
        assertThat(out.path("stop_sequence").isNull()).isTrue();
    }

    @Test
    void aResponseWithoutStopReasonStoppedAndOneWithoutUsageHasNone() throws Exception {
        ChatResponse r = withoutContent("null");

        assertThat(r.finishReason()).isEqualTo(FinishReason.STOP);
        assertThat(r.usage()).isEmpty();
        assertThat(r.text()).isEmpty();
    }

    @Test
    void thinkingIsReasoningAndRedactedThinkingAndServerToolBlocksAreLeftOut() throws Exception {
        ChatResponse r = AnthropicCodec.parseResponse(utf8("{\"id\":\"m\",\"type\":\"message\",\"role\":\"assistant\","
                + "\"model\":\"x\",\"content\":[{\"type\":\"thinking\",\"thinking\":\"First \",\"signature\":\"EqQB\"},"
                + "{\"type\":\"redacted_thinking\",\"data\":\"EmwK\"},{\"type\":\"thinking\",\"thinking\":\"then.\",\"signature\":\"EqQC\"},"
                + "{\"type\":\"server_tool_use\",\"id\":\"srvtoolu_1\",\"name\":\"web_search\",\"input\":{\"query\":\"x\"}},"
                + "{\"type\":\"text\",\"text\":\"Done.\"}],\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":3,\"output_tokens\":4}}"));

        assertThat(r.reasoning()).isEqualTo("First then.");
        assertThat(r.text()).isEqualTo("Done.");
        assertThat(r.toolCalls()).isEmpty();
        assertThat(r.usage()).hasValue(new StreamEvent.Usage(3, 4));
    }

    @Test
    void reasoningIsWrittenAsAThinkingBlockWithoutSignature() {
        JsonNode out = tree(AnthropicCodec.encodeResponse(response("42", "6 times 7", List.of(), FinishReason.STOP)));

        assertThat(out.path("content")).isEqualTo(tree(utf8("[{\"type\":\"thinking\",\"thinking\":\"6 times 7\",\"signature\":\"\"},"
                + "{\"type\":\"text\",\"text\":\"42\"}]")));
    }

    @Test
    void argumentsThatAreNotAnObjectAreKeptRatherThanLost() {
        JsonNode out = tree(AnthropicCodec.encodeResponse(response("", "", List.of(new ToolCall("t", "f", "{\"city\":")),
                FinishReason.TOOL_CALLS)));

        assertThat(out.path("content").get(0).path("input")).isEqualTo(tree(utf8("{\"arguments\":\"{\\\"city\\\":\"}")));
    }

    @Test
    void aResponseWithoutUsageReportsZeroTokens() {
        ChatResponse r = new ChatResponse("id", "m", "x", "", List.of(), FinishReason.STOP, Optional.empty());

        assertThat(tree(AnthropicCodec.encodeResponse(r)).path("usage")).isEqualTo(tree(utf8("{\"input_tokens\":0,\"output_tokens\":0}")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "not json", "[]", "{\"type\":\"message\",\"content\":{}}", "{\"type\":\"completion\",\"content\":[]}",
            "{\"content\":[]}"})
    void whatIsNotAMessagesResponseIsMalformed(String body) {
        assertThatThrownBy(() -> AnthropicCodec.parseResponse(utf8(body))).isInstanceOf(MalformedResponseException.class);
    }

    @Test
    void anErrorBodyIsMalformedAsAResponseAndSaysWhy() {
        assertThatThrownBy(() -> AnthropicCodec.parseResponse(golden("error-overloaded.json")))
                .isInstanceOf(MalformedResponseException.class)
                .hasMessage("the response is an error: overloaded_error: Overloaded");
    }

    // ------------------------------------------------------------------ errors

    @Test
    void errorBodiesHaveAnthropicsShape() {
        assertThat(str(AnthropicCodec.errorBody(529, "Overloaded", "overloaded_error")))
                .isEqualTo("{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}");
        assertThat(tree(AnthropicCodec.errorBody(404, "no route for \"x\"", null)))
                .isEqualTo(tree(utf8("{\"type\":\"error\",\"error\":{\"type\":\"not_found_error\",\"message\":\"no route for \\\"x\\\"\"}}")));
    }

    @ParameterizedTest
    @CsvSource({"400, invalid_request_error", "401, authentication_error", "402, billing_error", "403, permission_error",
            "404, not_found_error", "409, conflict_error", "413, request_too_large", "429, rate_limit_error",
            "500, api_error", "502, api_error", "503, overloaded_error", "504, timeout_error", "529, overloaded_error",
            "422, invalid_request_error"})
    void errorTypesByStatus(int status, String type) {
        assertThat(AnthropicCodec.errorType(status)).isEqualTo(type);
    }

    @Test
    void theErrorTypeOfAClaudeErrorBody() {
        assertThat(AnthropicCodec.errorType(golden("error-overloaded.json"))).hasValue("overloaded_error");
        assertThat(AnthropicCodec.errorType(AnthropicCodec.errorBody(429, "slow down", null))).hasValue("rate_limit_error");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "<html>502 Bad Gateway</html>", "{\"error\":\"overloaded\"}", "{\"type\":\"error\",\"error\":{}}",
            "{\"type\":\"error\",\"error\":{\"type\":\"free text with spaces\"}}", "[1]"})
    void noErrorTypeWhenTheBodyHasNoPlausibleOne(String body) {
        assertThat(AnthropicCodec.errorType(utf8(body))).isEmpty();
    }
}
