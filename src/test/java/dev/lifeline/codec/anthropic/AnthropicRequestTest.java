package dev.lifeline.codec.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lifeline.chat.ChatRequest;
import dev.lifeline.chat.Message;
import dev.lifeline.chat.Part;
import dev.lifeline.chat.Role;
import dev.lifeline.chat.ToolCall;
import dev.lifeline.chat.ToolChoice;
import dev.lifeline.chat.ToolSpec;
import dev.lifeline.codec.BadRequestException;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.stream.Stream;

import static dev.lifeline.codec.anthropic.AnthropicGoldens.golden;
import static dev.lifeline.codec.anthropic.AnthropicGoldens.tree;
import static dev.lifeline.codec.anthropic.AnthropicGoldens.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Anthropic Messages requests: read into the neutral model for other dialects, and written for Claude backends. */
class AnthropicRequestTest {
    private static final String MODEL = "claude-sonnet-4-5-20250929";
    private static final String PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
    private static final String WEATHER_CALL = "toolu_01A09q90qw90lq917835lq9";
    private static final String TIME_CALL = "toolu_01BkZpE5h8C3nq7Dk1sRvW2x";

    /** What request.json means, field by field. */
    static ChatRequest goldenModel() {
        return new ChatRequest(MODEL,
                List.of(
                        message(Role.SYSTEM, new Part.Text("You are a travel assistant."), new Part.Text("Answer in one short paragraph.")),
                        message(Role.USER, new Part.ImageData("image/png", PNG),
                                new Part.ImageUrl("https://upload.wikimedia.org/wikipedia/commons/a/a8/Tour_Eiffel.jpg"),
                                new Part.Text("Where are these two pictures from, and what's the weather there right now?")),
                        new Message(Role.ASSISTANT, List.of(new Part.Text("Both show Paris. Let me look up the weather and the local time.")),
                                List.of(new ToolCall(WEATHER_CALL, "get_weather", "{\"city\":\"Paris\",\"unit\":\"celsius\"}"),
                                        new ToolCall(TIME_CALL, "get_time", "{\"timezone\":\"Europe/Paris\"}")),
                                Optional.empty(), Optional.empty()),
                        toolResult(WEATHER_CALL, "get_weather", "15°C, light rain"),
                        toolResult(TIME_CALL, "get_time", "Error: time service unavailable"),
                        Message.text(Role.USER, "Thanks! Is it a good evening for a walk along the Seine?")),
                List.of(new ToolSpec("get_weather", "Get the current weather in a given city",
                                "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\",\"description\":\"The city, e.g. Paris\"},"
                                        + "\"unit\":{\"type\":\"string\",\"enum\":[\"celsius\",\"fahrenheit\"]}},\"required\":[\"city\"]}"),
                        new ToolSpec("get_time", "Get the current local time in an IANA time zone",
                                "{\"type\":\"object\",\"properties\":{\"timezone\":{\"type\":\"string\"}},\"required\":[\"timezone\"]}")),
                Optional.of(new ToolChoice(ToolChoice.Mode.AUTO, Optional.empty())),
                OptionalInt.of(1024), OptionalDouble.of(0.7), OptionalDouble.of(0.9), List.of("\n\nUser:"), true);
    }

    static Message message(Role role, Part... parts) {
        return new Message(role, List.of(parts), List.of(), Optional.empty(), Optional.empty());
    }

    static Message toolResult(String id, String name, String text) {
        return new Message(Role.TOOL, List.of(new Part.Text(text)), List.of(), Optional.of(id), Optional.ofNullable(name));
    }

    static ChatRequest request(List<Message> messages) {
        return new ChatRequest(MODEL, messages, List.of(), Optional.empty(), OptionalInt.of(256), OptionalDouble.empty(),
                OptionalDouble.empty(), List.of(), false);
    }

    static ChatRequest parse(String body) throws BadRequestException {
        return AnthropicCodec.parseRequest(utf8(body));
    }

    /** A minimal valid request with {@code extra} fields added at the top level. */
    static String body(String extra) {
        return "{\"model\":\"" + MODEL + "\",\"max_tokens\":256,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]"
                + (extra.isEmpty() ? "" : "," + extra) + "}";
    }

    /** A request whose only message has these content blocks. */
    static String withBlocks(String role, String blocks) {
        return "{\"model\":\"" + MODEL + "\",\"max_tokens\":256,\"messages\":[{\"role\":\"" + role + "\",\"content\":[" + blocks + "]}]}";
    }

    static JsonNode encoded(ChatRequest r) throws BadRequestException {
        return tree(AnthropicCodec.encodeRequest(r));
    }

    static BadRequestException refusal(String body) {
        BadRequestException e = catchThrowableOfType(BadRequestException.class, () -> parse(body));
        assertThat(e).as("refused: %s", body).isNotNull();
        return e;
    }

    // ------------------------------------------------------------------ goldens

    @Nested
    class Goldens {
        @Test
        void theGoldenRequestReadsIntoTheNeutralModel() throws Exception {
            ChatRequest r = AnthropicCodec.parseRequest(golden("request.json"));

            assertThat(r.model()).isEqualTo(MODEL);
            assertThat(r.maxTokens()).hasValue(1024);
            assertThat(r.messages()).containsExactlyElementsOf(goldenModel().messages());
            assertThat(r.tools()).containsExactlyElementsOf(goldenModel().tools());
            assertThat(r.toolChoice()).hasValue(new ToolChoice(ToolChoice.Mode.AUTO, Optional.empty()));
            assertThat(r.temperature()).hasValue(0.7);
            assertThat(r.topP()).hasValue(0.9);
            assertThat(r.stop()).containsExactly("\n\nUser:");
            assertThat(r.stream()).isTrue();
            assertThat(r).isEqualTo(goldenModel());
        }

        @Test
        void theNeutralModelEncodesAsTheGolden() throws Exception {
            assertThat(encoded(goldenModel())).isEqualTo(tree(golden("request-encoded.json")));
        }

        @Test
        void theEncodedGoldenReadsBackIntoTheSameModel() throws Exception {
            assertThat(AnthropicCodec.parseRequest(golden("request-encoded.json"))).isEqualTo(goldenModel());
        }
    }

    // ------------------------------------------------------------------ round trips

    static Stream<ChatRequest> canonicalRequests() {
        ToolSpec tool = new ToolSpec("lookup", "", "{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\",\"minLength\":1}}}");
        ChatRequest plain = request(List.of(Message.text(Role.USER, "Hello")));
        return Stream.of(
                goldenModel(),
                plain,
                request(List.of(Message.text(Role.SYSTEM, "Be brief."), Message.text(Role.USER, "Hello"),
                        Message.text(Role.ASSISTANT, "Hi!"), Message.text(Role.USER, "Bye"))),
                request(List.of(Message.text(Role.USER, "Hello"), Message.text(Role.ASSISTANT, "The answer is"))),
                request(List.of(message(Role.USER, new Part.Text("What is this?"), new Part.ImageData("image/jpeg", "/9j/4AAQ")))),
                request(List.of(Message.text(Role.USER, "Look it up"),
                        new Message(Role.ASSISTANT, List.of(), List.of(new ToolCall("toolu_1", "lookup", "{\"q\":\"x\",\"n\":1.50}")),
                                Optional.empty(), Optional.empty()),
                        new Message(Role.TOOL, List.of(new Part.Text("found"), new Part.ImageUrl("https://example.com/a.png")),
                                List.of(), Optional.of("toolu_1"), Optional.of("lookup")))),
                new ChatRequest(MODEL, plain.messages(), List.of(tool), Optional.of(new ToolChoice(ToolChoice.Mode.REQUIRED, Optional.empty())),
                        OptionalInt.of(1), OptionalDouble.of(0), OptionalDouble.of(1), List.of("END", "STOP"), true),
                new ChatRequest(MODEL, plain.messages(), List.of(tool), Optional.of(new ToolChoice(ToolChoice.Mode.NAMED, Optional.of("lookup"))),
                        OptionalInt.of(8192), OptionalDouble.of(1), OptionalDouble.empty(), List.of(), false),
                new ChatRequest(MODEL, plain.messages(), List.of(tool), Optional.of(new ToolChoice(ToolChoice.Mode.NONE, Optional.empty())),
                        OptionalInt.of(100), OptionalDouble.empty(), OptionalDouble.of(0.25), List.of(), false),
                new ChatRequest(MODEL, plain.messages(), List.of(tool), Optional.of(new ToolChoice(ToolChoice.Mode.AUTO, Optional.empty())),
                        OptionalInt.of(100), OptionalDouble.empty(), OptionalDouble.empty(), List.of(), false));
    }

    @ParameterizedTest
    @MethodSource("canonicalRequests")
    void encodingThenParsingGivesTheRequestBack(ChatRequest r) throws Exception {
        assertThat(AnthropicCodec.parseRequest(AnthropicCodec.encodeRequest(r))).isEqualTo(r);
    }

    @Test
    void parsingThenEncodingTheEncodedGoldenGivesItsBytesMeaningBack() throws Exception {
        byte[] golden = golden("request-encoded.json");

        assertThat(tree(AnthropicCodec.encodeRequest(AnthropicCodec.parseRequest(golden)))).isEqualTo(tree(golden));
    }

    // ------------------------------------------------------------------ parseRequest

    @Nested
    class Parse {
        @Test
        void contentMayBeAString() throws Exception {
            ChatRequest r = parse("{\"model\":\"" + MODEL + "\",\"max_tokens\":5,\"system\":\"Be brief.\",\"messages\":["
                    + "{\"role\":\"user\",\"content\":\"Hi\"},{\"role\":\"assistant\",\"content\":\"Hello\"}]}");

            assertThat(r.messages()).containsExactly(Message.text(Role.SYSTEM, "Be brief."), Message.text(Role.USER, "Hi"),
                    Message.text(Role.ASSISTANT, "Hello"));
            assertThat(r.stream()).isFalse();
            assertThat(r.tools()).isEmpty();
            assertThat(r.toolChoice()).isEmpty();
            assertThat(r.temperature()).isEmpty();
            assertThat(r.topP()).isEmpty();
            assertThat(r.stop()).isEmpty();
        }

        @ParameterizedTest
        @CsvSource({
                "'{\"type\":\"auto\"}', AUTO, ",
                "'{\"type\":\"any\"}', REQUIRED, ",
                "'{\"type\":\"none\"}', NONE, ",
                "'{\"type\":\"tool\",\"name\":\"get_weather\"}', NAMED, get_weather",
                "'{\"type\":\"auto\",\"disable_parallel_tool_use\":false}', AUTO, "})
        void toolChoices(String json, ToolChoice.Mode mode, String name) throws Exception {
            assertThat(parse(body("\"tool_choice\":" + json)).toolChoice())
                    .hasValue(new ToolChoice(mode, Optional.ofNullable(name)));
        }

        @Test
        void toolResultsBecomeToolMessagesInOrderWithTheTextAroundThem() throws Exception {
            ChatRequest r = parse("{\"model\":\"m\",\"max_tokens\":5,\"messages\":["
                    + "{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"f\",\"input\":{}}]},"
                    + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"before\"},"
                    + "{\"type\":\"tool_result\",\"tool_use_id\":\"t1\",\"content\":[{\"type\":\"text\",\"text\":\"a\"},{\"type\":\"text\",\"text\":\"b\"}]},"
                    + "{\"type\":\"tool_result\",\"tool_use_id\":\"t9\"},"
                    + "{\"type\":\"text\",\"text\":\"after\"}]}]}");

            assertThat(r.messages()).containsExactly(
                    new Message(Role.ASSISTANT, List.of(), List.of(new ToolCall("t1", "f", "{}")), Optional.empty(), Optional.empty()),
                    Message.text(Role.USER, "before"),
                    new Message(Role.TOOL, List.of(new Part.Text("a"), new Part.Text("b")), List.of(), Optional.of("t1"), Optional.of("f")),
                    new Message(Role.TOOL, List.of(), List.of(), Optional.of("t9"), Optional.empty()),
                    Message.text(Role.USER, "after"));
        }

        @Test
        void aToolResultMarkedAsAnErrorSaysSoInItsText() throws Exception {
            ChatRequest r = parse(withBlocks("user",
                    "{\"type\":\"tool_result\",\"tool_use_id\":\"t1\",\"is_error\":true,\"content\":\"timeout\"},"
                            + "{\"type\":\"tool_result\",\"tool_use_id\":\"t2\",\"is_error\":true},"
                            + "{\"type\":\"tool_result\",\"tool_use_id\":\"t3\",\"is_error\":false,\"content\":\"ok\"}"));

            assertThat(r.messages()).extracting(Message::text).containsExactly("Error: timeout", "Error:", "ok");
        }

        @Test
        void aToolUseWithoutInputHasNoArguments() throws Exception {
            ChatRequest r = parse(withBlocks("assistant", "{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"now\"}"));

            assertThat(r.messages().getFirst().toolCalls()).containsExactly(new ToolCall("t1", "now", "{}"));
        }

        @Test
        void reasoningOfEarlierTurnsIsLeftOut() throws Exception {
            ChatRequest r = parse(withBlocks("assistant",
                    "{\"type\":\"thinking\",\"thinking\":\"Let me see\",\"signature\":\"EqQB\"},"
                            + "{\"type\":\"redacted_thinking\",\"data\":\"EmwKAhgB\"},{\"type\":\"text\",\"text\":\"42\"}"));

            assertThat(r.messages()).containsExactly(Message.text(Role.ASSISTANT, "42"));
        }

        @Test
        void fieldsThatOnlyTuneSamplingOrBillingAreIgnored() throws Exception {
            ChatRequest r = parse(body("\"top_k\":5,\"metadata\":{\"user_id\":\"u1\"},\"service_tier\":\"auto\","
                    + "\"thinking\":{\"type\":\"disabled\"},\"temperature\":null,\"container\":null"));

            assertThat(r).isEqualTo(parse(body("")));
        }

        @Test
        void anEmptySystemArrayAddsNoMessage() throws Exception {
            assertThat(parse(body("\"system\":[]")).messages()).containsExactly(Message.text(Role.USER, "Hi"));
        }
    }

    // ------------------------------------------------------------------ refusals

    @Nested
    class Refusals {
        private void refused(String body, String message, String param) {
            BadRequestException e = refusal(body);
            assertThat(e.getMessage()).isEqualTo(message);
            assertThat(e.param()).hasValue(param);
        }

        @Test
        void aBlockNoOtherDialectHasNamesItsPath() {
            refused("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"a\"},"
                            + "{\"role\":\"assistant\",\"content\":\"b\"},{\"role\":\"user\",\"content\":["
                            + "{\"type\":\"document\",\"source\":{\"type\":\"text\",\"media_type\":\"text/plain\",\"data\":\"x\"}}]}]}",
                    "messages[2].content[0].type: \"document\" cannot be translated (expected: text, image, tool_result)",
                    "messages[2].content[0].type");
        }

        @Test
        void blocksOutOfPlaceForTheirRole() {
            refused(withBlocks("user", "{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"f\",\"input\":{}}"),
                    "messages[0].content[0].type: \"tool_use\" cannot be translated (expected: text, image, tool_result)",
                    "messages[0].content[0].type");
            refused(withBlocks("assistant", "{\"type\":\"image\",\"source\":{\"type\":\"url\",\"url\":\"https://x/y.png\"}}"),
                    "messages[0].content[0].type: \"image\" cannot be translated (expected: text, tool_use, thinking)",
                    "messages[0].content[0].type");
            refused(withBlocks("assistant", "{\"type\":\"server_tool_use\",\"id\":\"s\",\"name\":\"web_search\",\"input\":{}}"),
                    "messages[0].content[0].type: \"server_tool_use\" cannot be translated (expected: text, tool_use, thinking)",
                    "messages[0].content[0].type");
        }

        @Test
        void insideAToolResult() {
            refused(withBlocks("user", "{\"type\":\"tool_result\",\"tool_use_id\":\"t\",\"content\":[{\"type\":\"search_result\"}]}"),
                    "messages[0].content[0].content[0].type: \"search_result\" cannot be translated (expected: text, image)",
                    "messages[0].content[0].content[0].type");
        }

        @Test
        void anImageFromAnthropicsFilesApi() {
            refused(withBlocks("user", "{\"type\":\"image\",\"source\":{\"type\":\"file\",\"file_id\":\"file_011\"}}"),
                    "messages[0].content[0].source.type: \"file\" cannot be translated (expected: base64, url)",
                    "messages[0].content[0].source.type");
        }

        @Test
        void thinkingWhenEnabled() {
            refused(body("\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":2048}"),
                    "thinking.type: \"enabled\" cannot be translated (expected: disabled, or no thinking)", "thinking.type");
        }

        @Test
        void toolsAnthropicRunsItself() {
            refused(body("\"tools\":[{\"type\":\"web_search_20250305\",\"name\":\"web_search\",\"max_uses\":5}]"),
                    "tools[0].type: \"web_search_20250305\" cannot be translated (expected: custom)", "tools[0].type");
        }

        @Test
        void atMostOneToolCall() {
            refused(body("\"tool_choice\":{\"type\":\"auto\",\"disable_parallel_tool_use\":true}"),
                    "tool_choice.disable_parallel_tool_use: true cannot be translated (expected: false, or absent)",
                    "tool_choice.disable_parallel_tool_use");
        }

        @ParameterizedTest
        @ValueSource(strings = {"container", "mcp_servers", "context_management", "output_format", "some_future_field"})
        void fieldsThatChangeWhatTheModelMayDoOrThatAreUnknown(String field) {
            refused(body("\"" + field + "\":{}"), field + ": the field cannot be translated to another dialect", field);
        }

        @Test
        void maxTokensIsRequiredAsAnthropicRequiresIt() {
            refused("{\"model\":\"m\",\"messages\":[]}", "max_tokens: field required", "max_tokens");
            refused("{\"model\":\"m\",\"max_tokens\":null,\"messages\":[]}", "max_tokens: field required", "max_tokens");
            refused("{\"model\":\"m\",\"max_tokens\":0,\"messages\":[]}", "max_tokens: must be a positive integer", "max_tokens");
            refused("{\"model\":\"m\",\"max_tokens\":1.5,\"messages\":[]}", "max_tokens: must be a positive integer", "max_tokens");
            refused("{\"model\":\"m\",\"max_tokens\":\"9\",\"messages\":[]}", "max_tokens: must be a positive integer", "max_tokens");
        }

        @Test
        void malformedFields() {
            refused("{\"max_tokens\":5,\"messages\":[]}", "model: field required", "model");
            refused("{\"model\":\"a b\",\"max_tokens\":5,\"messages\":[]}",
                    "model: must be a string of 1 to 256 printable characters without spaces", "model");
            refused("{\"model\":\"m\",\"max_tokens\":5}", "messages: field required", "messages");
            refused("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"system\",\"content\":\"x\"}]}",
                    "messages[0].role: \"system\" is not a role (expected: user, assistant)", "messages[0].role");
            refused("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":5}]}",
                    "messages[0].content: must be a string or an array of content blocks", "messages[0].content");
            refused(withBlocks("user", "{\"text\":\"no type\"}"), "messages[0].content[0].type: field required",
                    "messages[0].content[0].type");
            refused(withBlocks("user", "{\"type\":\"text\",\"text\":7}"), "messages[0].content[0].text: must be a string",
                    "messages[0].content[0].text");
            refused(body("\"system\":[{\"type\":\"image\"}]"),
                    "system[0].type: \"image\" cannot be translated (expected: text)", "system[0].type");
            refused(body("\"tools\":[{\"name\":\"f\"}]"), "tools[0].input_schema: must be a JSON Schema object", "tools[0].input_schema");
            refused(body("\"tool_choice\":{\"type\":\"sometimes\"}"),
                    "tool_choice.type: \"sometimes\" is not a tool choice (expected: auto, any, tool, none)", "tool_choice.type");
            refused(body("\"tool_choice\":{\"type\":\"tool\"}"), "tool_choice.name: field required", "tool_choice.name");
            refused(body("\"temperature\":\"hot\""), "temperature: must be a number", "temperature");
            refused(body("\"stream\":\"yes\""), "stream: must be true or false", "stream");
            refused(body("\"stop_sequences\":[\"a\",1]"), "stop_sequences[1]: must be a string", "stop_sequences[1]");
        }

        @Test
        void deeplyNestedJsonIsRefused() {
            String deep = body("\"metadata\":" + "[".repeat(64) + "]".repeat(64)); // 65 levels

            assertThat(refusal(deep).getMessage()).isEqualTo("the request body is not valid JSON");
        }

        @ParameterizedTest
        @ValueSource(strings = {"", "nope", "{\"model\":", "[]", "42", "null", "{\"model\":\"m\"} {}"})
        void notAJsonObject(String body) {
            BadRequestException e = refusal(body);

            assertThat(e.getMessage()).isIn("the request body is not valid JSON", "the request body must be a JSON object");
            assertThat(e.param()).isEmpty();
        }
    }

    // ------------------------------------------------------------------ encodeRequest

    @Nested
    class Encode {
        @Test
        void everySystemMessageGoesIntoTheSystemPrompt() throws Exception {
            JsonNode out = encoded(request(List.of(Message.text(Role.SYSTEM, "Be brief."), Message.text(Role.USER, "Hi"),
                    Message.text(Role.ASSISTANT, "Hello"), Message.text(Role.SYSTEM, "Now answer in French."),
                    Message.text(Role.USER, "Bye"))));

            assertThat(out.path("system")).isEqualTo(tree(utf8(
                    "[{\"type\":\"text\",\"text\":\"Be brief.\"},{\"type\":\"text\",\"text\":\"Now answer in French.\"}]")));
            assertThat(out.path("messages")).isEqualTo(tree(utf8("[{\"role\":\"user\",\"content\":\"Hi\"},"
                    + "{\"role\":\"assistant\",\"content\":\"Hello\"},{\"role\":\"user\",\"content\":\"Bye\"}]")));
        }

        @Test
        void aSingleSystemTextIsAString() throws Exception {
            JsonNode out = encoded(request(List.of(Message.text(Role.SYSTEM, "Be brief."), Message.text(Role.USER, "Hi"))));

            assertThat(out.path("system").asText()).isEqualTo("Be brief.");
            assertThat(encoded(request(List.of(Message.text(Role.USER, "Hi")))).has("system")).isFalse();
        }

        @Test
        void toolResultsAreGroupedIntoOneUserTurnAheadOfItsText() throws Exception {
            // as an OpenAI client sends it: empty content next to the calls, then one tool message per call
            ChatRequest r = request(List.of(
                    Message.text(Role.USER, "Weather and time in Paris?"),
                    new Message(Role.ASSISTANT, List.of(new Part.Text("")),
                            List.of(new ToolCall("call_a", "get_weather", "{\"city\":\"Paris\"}"), new ToolCall("call_b", "get_time", "")),
                            Optional.empty(), Optional.empty()),
                    Message.text(Role.USER, "Quickly, please."),
                    toolResult("call_a", null, "15°C"),
                    toolResult("call_b", null, "21:04"),
                    Message.text(Role.USER, "Thanks")));

            assertThat(encoded(r).path("messages")).isEqualTo(tree(utf8("["
                    + "{\"role\":\"user\",\"content\":\"Weather and time in Paris?\"},"
                    + "{\"role\":\"assistant\",\"content\":["
                    + "{\"type\":\"tool_use\",\"id\":\"call_a\",\"name\":\"get_weather\",\"input\":{\"city\":\"Paris\"}},"
                    + "{\"type\":\"tool_use\",\"id\":\"call_b\",\"name\":\"get_time\",\"input\":{}}]},"
                    + "{\"role\":\"user\",\"content\":["
                    + "{\"type\":\"tool_result\",\"tool_use_id\":\"call_a\",\"content\":\"15°C\"},"
                    + "{\"type\":\"tool_result\",\"tool_use_id\":\"call_b\",\"content\":\"21:04\"},"
                    + "{\"type\":\"text\",\"text\":\"Quickly, please.\"},{\"type\":\"text\",\"text\":\"Thanks\"}]}]")));
        }

        @Test
        void aToolResultWithoutAnIdAnswersTheNextCallOfItsName() throws Exception {
            ChatRequest r = request(List.of(Message.text(Role.USER, "Go"),
                    new Message(Role.ASSISTANT, List.of(), List.of(new ToolCall("c1", "a", "{}"), new ToolCall("c2", "b", "{}"),
                            new ToolCall("c3", "b", "{}")), Optional.empty(), Optional.empty()),
                    new Message(Role.TOOL, List.of(new Part.Text("b1")), List.of(), Optional.empty(), Optional.of("b")),
                    new Message(Role.TOOL, List.of(new Part.Text("any")), List.of(), Optional.empty(), Optional.empty()),
                    new Message(Role.TOOL, List.of(new Part.Text("b2")), List.of(), Optional.empty(), Optional.of("b"))));

            JsonNode results = encoded(r).path("messages").get(2).path("content");

            assertThat(results.findValuesAsText("tool_use_id")).containsExactly("c2", "c1", "c3");
            assertThat(results.findValuesAsText("content")).containsExactly("b1", "any", "b2");
        }

        @Test
        void aToolResultThatAnswersNoCallIsRefused() {
            ChatRequest r = request(List.of(Message.text(Role.USER, "Go"),
                    new Message(Role.TOOL, List.of(new Part.Text("?")), List.of(), Optional.empty(), Optional.of("f"))));

            BadRequestException e = catchThrowableOfType(BadRequestException.class, () -> AnthropicCodec.encodeRequest(r));

            assertThat(e.getMessage()).isEqualTo("messages[1].tool_call_id: Claude needs the id of the tool call a result answers");
            assertThat(e.param()).hasValue("messages[1].tool_call_id");
        }

        @Test
        void whatClaudeCannotTakeIsRefusedWithItsPath() {
            Message call = new Message(Role.ASSISTANT, List.of(), List.of(new ToolCall("c", "f", "{\"broken\":")),
                    Optional.empty(), Optional.empty());
            assertRefused(request(List.of(Message.text(Role.USER, "x"), call)),
                    "messages[1].tool_calls[0].function.arguments: must be a JSON object for Claude");
            assertRefused(request(List.of(message(Role.SYSTEM, new Part.ImageUrl("https://x/y.png")), Message.text(Role.USER, "x"))),
                    "messages[0].content[0]: a system message can only hold text for Claude");
            assertRefused(request(List.of(Message.text(Role.USER, "x"), message(Role.ASSISTANT, new Part.Text("see"), new Part.ImageData("image/png", PNG)))),
                    "messages[1].content[1]: an assistant message can only hold text for Claude");
            assertRefused(new ChatRequest(MODEL, List.of(Message.text(Role.USER, "x")), List.of(new ToolSpec("f", "", "[1]")),
                            Optional.empty(), OptionalInt.empty(), OptionalDouble.empty(), OptionalDouble.empty(), List.of(), false),
                    "tools[0].function.parameters: must be a JSON Schema object for Claude");
        }

        @Test
        void argumentsWithTextAfterTheObjectAreRefused() {
            Message call = new Message(Role.ASSISTANT, List.of(), List.of(new ToolCall("c", "f", "{\"a\":1} {\"b\":2}")),
                    Optional.empty(), Optional.empty());
            assertRefused(request(List.of(Message.text(Role.USER, "x"), call)),
                    "messages[1].tool_calls[0].function.arguments: must be a JSON object for Claude");
        }

        @Test
        void aToolChoiceWithoutToolsIsLeftOut() throws Exception {
            ChatRequest r = new ChatRequest("m", List.of(Message.text(Role.USER, "x")), List.of(),
                    Optional.of(new ToolChoice(ToolChoice.Mode.NONE, Optional.empty())), OptionalInt.empty(),
                    OptionalDouble.empty(), OptionalDouble.empty(), List.of(), false);

            assertThat(encoded(r).has("tool_choice")).isFalse();
        }

        private void assertRefused(ChatRequest r, String message) {
            BadRequestException e = catchThrowableOfType(BadRequestException.class, () -> AnthropicCodec.encodeRequest(r));
            assertThat(e).isNotNull();
            assertThat(e.getMessage()).isEqualTo(message);
            assertThat(e.param()).hasValue(message.substring(0, message.indexOf(':')));
        }

        @Test
        void maxTokensDefaultsAndTemperatureIsCappedAtClaudesMaximum() throws Exception {
            ChatRequest r = new ChatRequest("m", List.of(Message.text(Role.USER, "x")), List.of(), Optional.empty(),
                    OptionalInt.empty(), OptionalDouble.of(1.6), OptionalDouble.empty(), List.of(), false);

            JsonNode out = encoded(r);

            assertThat(out.path("max_tokens").asInt()).isEqualTo(AnthropicCodec.DEFAULT_MAX_TOKENS).isEqualTo(4096);
            assertThat(out.path("temperature").asDouble()).isEqualTo(1.0);
            assertThat(out.has("stream")).isFalse();
            assertThat(out.has("tools")).isFalse();
            assertThat(out.has("tool_choice")).isFalse();
            assertThat(out.has("stop_sequences")).isFalse();
        }

        @Test
        void aToolWithoutParametersGetsAnEmptyObjectSchema() throws Exception {
            ChatRequest r = new ChatRequest("m", List.of(Message.text(Role.USER, "x")),
                    List.of(new ToolSpec("now", "The time", ""), new ToolSpec("today", "", "{}")), Optional.empty(),
                    OptionalInt.empty(), OptionalDouble.empty(), OptionalDouble.empty(), List.of(), false);

            assertThat(encoded(r).path("tools")).isEqualTo(tree(utf8("[{\"name\":\"now\",\"description\":\"The time\","
                    + "\"input_schema\":{\"type\":\"object\"}},{\"name\":\"today\",\"input_schema\":{\"type\":\"object\"}}]")));
        }

        @Test
        void aDataUrlImageIsSentInline() throws Exception {
            JsonNode out = encoded(request(List.of(message(Role.USER, new Part.ImageUrl("data:image/png;base64," + PNG)))));

            assertThat(out.path("messages").get(0).path("content")).isEqualTo(tree(utf8(
                    "[{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"image/png\",\"data\":\"" + PNG + "\"}}]")));
        }

        @Test
        void aPrefillLosesTheTrailingWhitespaceClaudeRefuses() throws Exception {
            JsonNode out = encoded(request(List.of(Message.text(Role.USER, "Count"), Message.text(Role.ASSISTANT, "1, 2, 3,\n "))));
            assertThat(out.path("messages").get(1).path("content").asText()).isEqualTo("1, 2, 3,");

            JsonNode blank = encoded(request(List.of(Message.text(Role.USER, "Count"), Message.text(Role.ASSISTANT, "  \n"))));
            assertThat(blank.path("messages")).hasSize(1);
        }

        @Test
        void emptyMessagesAreLeftOut() throws Exception {
            JsonNode out = encoded(request(List.of(Message.text(Role.USER, "a"), message(Role.ASSISTANT),
                    Message.text(Role.ASSISTANT, ""), Message.text(Role.USER, "b"))));

            assertThat(out.path("messages")).isEqualTo(tree(utf8("[{\"role\":\"user\",\"content\":["
                    + "{\"type\":\"text\",\"text\":\"a\"},{\"type\":\"text\",\"text\":\"b\"}]}]")));
        }
    }
}
