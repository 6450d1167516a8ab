package dev.lifeline.codec.ollama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
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

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

import static dev.lifeline.codec.ollama.Goldens.tree;
import static dev.lifeline.codec.ollama.Goldens.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.groups.Tuple.tuple;

/** Ollama clients' requests read into the neutral model, and the neutral model written for Ollama backends. */
class OllamaRequestTest {
    static final String PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
    static final String GIF = "R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7";
    static final String WEBP = "UklGRiQAAABXRUJQVlA4IBgAAAAwAQCdASoBAAEAAwA0JaQAA3AA/vuUAAA=";

    private static ChatRequest chat(String body) throws BadRequestException {
        return OllamaCodec.parseChatRequest(utf8(body));
    }

    private static ChatRequest generate(String body) throws BadRequestException {
        return OllamaCodec.parseGenerateRequest(utf8(body));
    }

    /** A chat body with these messages (JSON array text) and extra top-level fields. */
    private static String body(String messages, String extra) {
        return "{\"model\":\"llama3.2\",\"messages\":" + messages + (extra.isEmpty() ? "" : "," + extra) + "}";
    }

    private static String userSays(String text) {
        return "[{\"role\":\"user\",\"content\":\"" + text + "\"}]";
    }

    private static BadRequestException refusal(ThrowingCall call) {
        BadRequestException e = catchThrowableOfType(BadRequestException.class, call::run);
        assertThat(e).as("refused").isNotNull();
        return e;
    }

    @FunctionalInterface
    private interface ThrowingCall {
        void run() throws Exception;
    }

    private static Message text(Role role, String text) {
        return Message.text(role, text);
    }

    // ------------------------------------------------------------------ /api/chat

    @Nested
    class ParseChat {
        @Test
        void readsEveryFieldOfTheGoldenRequest() throws Exception {
            JsonNode golden = tree(Goldens.bytes("chat-request.json"));
            String jpeg = golden.at("/messages/1/images/1").asText();

            ChatRequest r = OllamaCodec.parseChatRequest(Goldens.bytes("chat-request.json"));

            assertThat(r.model()).isEqualTo("llava:13b");
            assertThat(r.stream()).as("stream is absent: Ollama streams").isTrue();
            assertThat(r.maxTokens()).isEqualTo(OptionalInt.of(256));
            assertThat(r.temperature()).isEqualTo(OptionalDouble.of(0.2));
            assertThat(r.topP()).isEqualTo(OptionalDouble.of(0.9));
            assertThat(r.stop()).containsExactly("\n\nUser:");
            assertThat(r.toolChoice()).isEmpty();
            assertThat(r.messages()).containsExactly(
                    text(Role.SYSTEM, "You are a travel assistant. Answer in one sentence."),
                    new Message(Role.USER, List.of(
                            new Part.Text("Where were these photos taken, and what is the weather there now?"),
                            new Part.ImageData("image/png", PNG),
                            new Part.ImageData("image/jpeg", jpeg)), List.of(), Optional.empty(), Optional.empty()),
                    new Message(Role.ASSISTANT, List.of(), List.of(
                            new ToolCall("call_0", "get_weather", "{\"city\":\"Paris\",\"unit\":\"celsius\",\"hours\":3}"),
                            new ToolCall("call_1", "get_time", "{\"timezone\":\"Europe/Paris\"}")),
                            Optional.empty(), Optional.empty()),
                    new Message(Role.TOOL, List.of(new Part.Text("{\"temperature\": 18.5, \"sky\": \"cloudy\"}")), List.of(),
                            Optional.of("call_0"), Optional.of("get_weather")),
                    new Message(Role.TOOL, List.of(new Part.Text("14:05")), List.of(), Optional.of("call_1"), Optional.of("get_time")),
                    text(Role.ASSISTANT, "That is Paris, where it is 14:05 and 18.5 °C under a cloudy sky."),
                    text(Role.USER, "Thanks! And in London?"));
            assertThat(r.tools()).extracting(ToolSpec::name, ToolSpec::description).containsExactly(
                    tuple("get_weather", "Get the current weather for a city"),
                    tuple("get_time", "Get the local time in a time zone"));
            assertThat(tree(r.tools().get(0).parametersJson())).isEqualTo(golden.at("/tools/0/function/parameters"));
            assertThat(tree(r.tools().get(1).parametersJson())).isEqualTo(golden.at("/tools/1/function/parameters"));
        }

        @Test
        void streamsUnlessToldNotTo() throws Exception {
            assertThat(chat(body(userSays("hi"), "")).stream()).isTrue();
            assertThat(chat(body(userSays("hi"), "\"stream\":null")).stream()).isTrue();
            assertThat(chat(body(userSays("hi"), "\"stream\":true")).stream()).isTrue();
            assertThat(chat(body(userSays("hi"), "\"stream\":false")).stream()).isFalse();
        }

        @Test
        void matchesFieldNamesAsGoDoesButOptionNamesExactly() throws Exception {
            ChatRequest r = chat("{\"Model\":\"llama3.2\",\"MESSAGES\":[{\"Role\":\"USER\",\"Content\":\"hi\"}],\"Stream\":false,"
                    + "\"options\":{\"Temperature\":0.5,\"top_p\":0.5}}");

            assertThat(r.model()).isEqualTo("llama3.2");
            assertThat(r.messages()).containsExactly(text(Role.USER, "hi"));
            assertThat(r.stream()).isFalse();
            assertThat(r.temperature()).as("options is a map: Temperature is not temperature").isEmpty();
            assertThat(r.topP()).isEqualTo(OptionalDouble.of(0.5));
        }

        @Test
        void dropsWhatOnlyAnOllamaServerUses() throws Exception {
            ChatRequest r = chat(body(userSays("hi"), "\"keep_alive\":-1,\"think\":\"high\",\"truncate\":false,\"shift\":true,"
                    + "\"top_logprobs\":3,\"format\":\"\",\"unknown_field\":{\"x\":1},"
                    + "\"options\":{\"num_ctx\":65536,\"seed\":7,\"num_gpu\":99,\"top_k\":1,\"mirostat\":2,\"made_up\":true}"));

            assertThat(r).isEqualTo(new ChatRequest("llama3.2", List.of(text(Role.USER, "hi")), List.of(), Optional.empty(),
                    OptionalInt.empty(), OptionalDouble.empty(), OptionalDouble.empty(), List.of(), true));
        }

        @Test
        void dropsTheReasoningOfEarlierAnswers() throws Exception {
            ChatRequest r = chat(body("[{\"role\":\"user\",\"content\":\"2+2?\"},"
                    + "{\"role\":\"assistant\",\"content\":\"4\",\"thinking\":\"two and two\"}]", ""));

            assertThat(r.messages().get(1)).isEqualTo(text(Role.ASSISTANT, "4"));
        }

        @ParameterizedTest(name = "num_predict {0}")
        @CsvSource({"256, 256", "100.9, 100", "1e12, 2147483647", "0, none", "-1, none", "-2, none"})
        void numPredictIsTheTokenLimitWhenPositive(String numPredict, String expected) throws Exception {
            ChatRequest r = chat(body(userSays("hi"), "\"options\":{\"num_predict\":" + numPredict + "}"));

            assertThat(r.maxTokens()).isEqualTo(expected.equals("none") ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(expected)));
        }

        @Test
        void keepsToolArgumentsExactlyAsWritten() throws Exception {
            ChatRequest r = chat(body("[{\"role\":\"assistant\",\"tool_calls\":["
                    + "{\"function\":{\"name\":\"pay\",\"arguments\":{\"amount\":1.10,\"big\":12345678901234567890,\"note\":\"é\"}}},"
                    + "{\"function\":{\"name\":\"ping\"}}]}]", ""));

            assertThat(r.messages().getFirst().toolCalls()).containsExactly(
                    new ToolCall("call_0", "pay", "{\"amount\":1.10,\"big\":12345678901234567890,\"note\":\"é\"}"),
                    new ToolCall("call_1", "ping", "{}"));
        }

        @Test
        void givesToolResultsTheIdsOfTheirCallsInOrder() throws Exception {
            ChatRequest r = chat(body("[{\"role\":\"user\",\"content\":\"weather in Paris and London?\"},"
                    + "{\"role\":\"assistant\",\"tool_calls\":["
                    + "{\"function\":{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\"}}},"
                    + "{\"function\":{\"name\":\"get_weather\",\"arguments\":{\"city\":\"London\"}}},"
                    + "{\"function\":{\"name\":\"get_time\",\"arguments\":{}}}]},"
                    + "{\"role\":\"tool\",\"tool_name\":\"get_time\",\"content\":\"14:05\"},"
                    + "{\"role\":\"tool\",\"tool_name\":\"get_weather\",\"content\":\"18\"},"
                    + "{\"role\":\"tool\",\"tool_name\":\"get_weather\",\"content\":\"12\"}]", ""));

            assertThat(r.messages().subList(2, 5)).extracting(Message::toolCallId, Message::toolName).containsExactly(
                    tuple(Optional.of("call_2"), Optional.of("get_time")),
                    tuple(Optional.of("call_0"), Optional.of("get_weather")),
                    tuple(Optional.of("call_1"), Optional.of("get_weather")));
        }

        @Test
        void aToolResultWithoutNameAnswersTheNextCallAndOneWithAnIdKeepsIt() throws Exception {
            ChatRequest r = chat(body("[{\"role\":\"assistant\",\"tool_calls\":["
                    + "{\"id\":\"call_a\",\"function\":{\"name\":\"first\",\"arguments\":{}}},"
                    + "{\"id\":\"call_b\",\"function\":{\"name\":\"second\",\"arguments\":{}}}]},"
                    + "{\"role\":\"tool\",\"tool_call_id\":\"call_b\",\"content\":\"2\"},"
                    + "{\"role\":\"tool\",\"content\":\"1\"},"
                    + "{\"role\":\"tool\",\"tool_name\":\"third\",\"content\":\"3\"}]", ""));

            assertThat(r.messages().subList(1, 4)).extracting(Message::toolCallId, Message::toolName).containsExactly(
                    tuple(Optional.of("call_b"), Optional.of("second")),
                    tuple(Optional.of("call_a"), Optional.of("first")),
                    tuple(Optional.empty(), Optional.of("third")));
        }

        @Test
        void aNewAssistantTurnEndsTheUnansweredCallsOfTheLastOne() throws Exception {
            ChatRequest r = chat(body("[{\"role\":\"assistant\",\"tool_calls\":[{\"function\":{\"name\":\"f\",\"arguments\":{}}}]},"
                    + "{\"role\":\"assistant\",\"content\":\"never mind\"},"
                    + "{\"role\":\"tool\",\"tool_name\":\"f\",\"content\":\"late\"}]", ""));

            assertThat(r.messages().get(2).toolCallId()).isEmpty();
            assertThat(r.messages().get(2).toolName()).contains("f");
        }

        @Test
        void generatedIdsNeverRepeatAnIdTheClientGave() throws Exception {
            ChatRequest r = chat(body("[{\"role\":\"assistant\",\"tool_calls\":[{\"function\":{\"name\":\"f\",\"arguments\":{}}}]},"
                    + "{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"call_0\",\"function\":{\"name\":\"g\",\"arguments\":{}}},"
                    + "{\"function\":{\"name\":\"h\",\"arguments\":{}}}]}]", ""));

            assertThat(r.messages()).flatExtracting(Message::toolCalls).extracting(ToolCall::id)
                    .containsExactly("call_1", "call_0", "call_2");
        }

        @ParameterizedTest(name = "{1}")
        @CsvSource({
                "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==, image/png",
                "/9j/4AAQSkZJRgABAgAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwc, image/jpeg",
                "R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7, image/gif",
                "R0lGODdhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7, image/gif",
                "UklGRiQAAABXRUJQVlA4IBgAAAAwAQCdASoBAAEAAwA0JaQAA3AA/vuUAAA=, image/webp"})
        void typesImagesByTheirFirstBytes(String base64, String mediaType) throws Exception {
            ChatRequest r = chat(body("[{\"role\":\"user\",\"images\":[\"" + base64 + "\"]}]", ""));

            assertThat(r.messages().getFirst().parts()).containsExactly(new Part.ImageData(mediaType, base64));
        }

        @Test
        void readsBase64WithLineBreaksAsGoDoes() throws Exception {
            String wrapped = PNG.substring(0, 40) + "\r\n" + PNG.substring(40);

            ChatRequest r = chat(body("[{\"role\":\"user\",\"images\":[" + TextNode.valueOf(wrapped) + "]}]", ""));

            assertThat(r.messages().getFirst().parts()).containsExactly(new Part.ImageData("image/png", PNG));
        }

        @ParameterizedTest(name = "{0}")
        @CsvSource(delimiter = '|', value = {
                "not an image  | aGVsbG8gd29ybGQh | messages[1].images[0]: not a PNG, JPEG, GIF or WebP image",
                "data URL      | data:image/png;base64,iVBORw0KGgo= | messages[1].images[0]: not valid base64",
                "bad padding   | iVBORw0KGgo | messages[1].images[0]: not valid base64",
                "empty         | '' | messages[1].images[0]: not valid base64"})
        void refusesImagesNamingThem(String what, String image, String message) {
            BadRequestException e = refusal(() -> chat(body("[{\"role\":\"system\",\"content\":\"s\"},"
                    + "{\"role\":\"user\",\"content\":\"look\",\"images\":[\"" + image + "\"]}]", "")));

            assertThat(e).hasMessage(message);
            assertThat(e.param()).contains("messages[1].images[0]");
        }

        @ParameterizedTest(name = "{0}")
        @CsvSource(delimiter = '|', value = {
                "format json             | \"format\":\"json\"                         | format",
                "format schema           | \"format\":{\"type\":\"object\"}              | format",
                "logprobs                | \"logprobs\":true                           | logprobs",
                "logprobs not a boolean  | \"logprobs\":\"yes\"                        | logprobs",
                "debug render            | \"_debug_render_only\":true                 | _debug_render_only",
                "stream not a boolean    | \"stream\":\"no\"                           | stream",
                "options not an object   | \"options\":\"fast\"                        | options",
                "num_predict a string    | \"options\":{\"num_predict\":\"10\"}        | options.num_predict",
                "temperature a string    | \"options\":{\"temperature\":\"hot\"}       | options.temperature",
                "top_p a boolean         | \"options\":{\"top_p\":true}                | options.top_p",
                "stop a string           | \"options\":{\"stop\":\"END\"}              | options.stop",
                "stop of numbers         | \"options\":{\"stop\":[\"a\",1]}            | options.stop[1]",
                "tools not an array      | \"tools\":{}                                | tools",
                "tool of another type    | \"tools\":[{\"type\":\"retrieval\"}]        | tools[0].type",
                "tool without function   | \"tools\":[{\"type\":\"function\"}]         | tools[0].function",
                "tool without name       | \"tools\":[{\"function\":{\"description\":\"d\"}}] | tools[0].function.name",
                "tool parameters text    | \"tools\":[{\"function\":{\"name\":\"f\",\"parameters\":\"x\"}}] | tools[0].function.parameters"})
        void refusesTopLevelFieldsNamingThem(String what, String extra, String param) {
            BadRequestException e = refusal(() -> chat(body(userSays("hi"), extra)));

            assertThat(e.param()).contains(param);
            assertThat(e.getMessage()).startsWith(param + ": ");
        }

        @ParameterizedTest(name = "{0}")
        @CsvSource(delimiter = '|', value = {
                "no messages             | {\"model\":\"m\"}                                            | messages",
                "empty messages          | {\"model\":\"m\",\"messages\":[]}                            | messages",
                "messages an object      | {\"model\":\"m\",\"messages\":{}}                            | messages",
                "message not an object   | {\"model\":\"m\",\"messages\":[\"hi\"]}                      | messages[0]",
                "unknown role            | {\"model\":\"m\",\"messages\":[{\"role\":\"robot\"}]}        | messages[0].role",
                "no role                 | {\"model\":\"m\",\"messages\":[{\"content\":\"hi\"}]}        | messages[0].role",
                "content an array        | {\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[]}]} | messages[0].content",
                "user calling tools      | {\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"tool_calls\":[{}]}]} | messages[0].tool_calls",
                "call without function   | {\"model\":\"m\",\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{}]}]} | messages[0].tool_calls[0].function",
                "call without name       | {\"model\":\"m\",\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"function\":{}}]}]} | messages[0].tool_calls[0].function.name",
                "arguments as text       | {\"model\":\"m\",\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]}]} | messages[0].tool_calls[0].function.arguments",
                "images not an array     | {\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"images\":\"abc\"}]} | messages[0].images",
                "image not a string      | {\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"images\":[1]}]} | messages[0].images[0]",
                "no model                | {\"messages\":[{\"role\":\"user\"}]}                           | model",
                "model a number          | {\"model\":7,\"messages\":[{\"role\":\"user\"}]}               | model",
                "model with a space      | {\"model\":\"llama 3\",\"messages\":[{\"role\":\"user\"}]}     | model"})
        void refusesMessagesAndModelNamingThePath(String what, String requestBody, String param) {
            BadRequestException e = refusal(() -> chat(requestBody));

            assertThat(e.param()).contains(param);
            assertThat(e.getMessage()).startsWith(param + ": ");
        }

        @ParameterizedTest(name = "{0}")
        @CsvSource(delimiter = '|', value = {
                "empty   | ''       | missing request body",
                "not JSON| {model:  | the request body is not valid JSON",
                "array   | []       | the request body must be a JSON object"})
        void refusesBodiesThatAreNoRequest(String what, String requestBody, String message) {
            BadRequestException e = refusal(() -> chat(requestBody));

            assertThat(e).hasMessage(message);
            assertThat(e.param()).isEmpty();
        }
    }

    // ------------------------------------------------------------------ /api/generate

    @Nested
    class ParseGenerate {
        @Test
        void readsEveryFieldOfTheGoldenRequest() throws Exception {
            ChatRequest r = OllamaCodec.parseGenerateRequest(Goldens.bytes("generate-request.json"));

            assertThat(r).isEqualTo(new ChatRequest("llama3.2-vision", List.of(
                    text(Role.SYSTEM, "You are a poet who answers in haiku."),
                    new Message(Role.USER, List.of(new Part.Text("Write a haiku about this picture."),
                            new Part.ImageData("image/webp", WEBP)), List.of(), Optional.empty(), Optional.empty())),
                    List.of(), Optional.empty(), OptionalInt.empty(), OptionalDouble.of(0.8), OptionalDouble.empty(),
                    List.of("\n\n\n"), false));
        }

        @Test
        void aPromptAloneIsOneUserMessageStreamedByDefault() throws Exception {
            ChatRequest r = generate("{\"model\":\"llama3.2\",\"prompt\":\"Why is the sky blue?\"}");

            assertThat(r.messages()).containsExactly(text(Role.USER, "Why is the sky blue?"));
            assertThat(r.stream()).isTrue();
        }

        @Test
        void imagesAloneAreAPrompt() throws Exception {
            ChatRequest r = generate("{\"model\":\"llava\",\"images\":[\"" + GIF + "\"]}");

            assertThat(r.messages()).containsExactly(new Message(Role.USER, List.of(new Part.ImageData("image/gif", GIF)),
                    List.of(), Optional.empty(), Optional.empty()));
        }

        @ParameterizedTest(name = "{0}")
        @CsvSource(delimiter = '|', value = {
                "raw               | \"prompt\":\"[INST] hi [/INST]\",\"raw\":true | raw",
                "raw not a boolean | \"prompt\":\"hi\",\"raw\":1                   | raw",
                "suffix            | \"prompt\":\"def f(\",\"suffix\":\"return x\" | suffix",
                "context           | \"prompt\":\"and then?\",\"context\":[1,2,3]  | context",
                "template          | \"prompt\":\"hi\",\"template\":\"{{ .Prompt }}\" | template",
                "format            | \"prompt\":\"hi\",\"format\":\"json\"         | format",
                "empty prompt      | \"keep_alive\":0                              | prompt",
                "prompt a number   | \"prompt\":42                                 | prompt",
                "image not base64  | \"prompt\":\"hi\",\"images\":[\"not base64!\"] | images[0]"})
        void refusesWhatCannotCrossDialectsNamingTheField(String what, String extra, String param) {
            BadRequestException e = refusal(() -> generate("{\"model\":\"llama3.2\"," + extra + "}"));

            assertThat(e.param()).contains(param);
            assertThat(e.getMessage()).startsWith(param + ": ");
        }
    }

    // ------------------------------------------------------------------ to Ollama backends

    @Nested
    class EncodeChat {
        private ChatRequest request(List<Message> messages) {
            return new ChatRequest("llama3.2", messages, List.of(), Optional.empty(), OptionalInt.empty(), OptionalDouble.empty(),
                    OptionalDouble.empty(), List.of(), false);
        }

        @Test
        void writesTheGoldenBackendRequest() throws Exception {
            ChatRequest parsed = OllamaCodec.parseChatRequest(Goldens.bytes("chat-request.json"));

            byte[] body = OllamaCodec.encodeChatRequest(parsed, Optional.of("10m"));

            assertThat(tree(body)).isEqualTo(tree(Goldens.bytes("chat-request-to-backend.json")));
        }

        @Test
        void whatItWritesReadsBackAsTheSameRequest() throws Exception {
            ChatRequest parsed = OllamaCodec.parseChatRequest(Goldens.bytes("chat-request.json"));

            ChatRequest again = OllamaCodec.parseChatRequest(OllamaCodec.encodeChatRequest(parsed, Optional.empty()));

            assertThat(again).isEqualTo(parsed);
        }

        @Test
        void alwaysSaysWhetherToStreamAndLeavesOutEmptyOptions() throws Exception {
            JsonNode body = tree(OllamaCodec.encodeChatRequest(request(List.of(text(Role.USER, "hi"))), Optional.empty()));

            assertThat(body).isEqualTo(tree("{\"model\":\"llama3.2\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                    + "\"stream\":false}"));
        }

        @Test
        void joinsTextPartsAndSendsImagesInline() throws Exception {
            Message m = new Message(Role.USER, List.of(new Part.Text("Look:"), new Part.ImageData("image/png", PNG),
                    new Part.Text("What is it?"), new Part.ImageUrl("data:image/gif;base64," + GIF)), List.of(),
                    Optional.empty(), Optional.empty());

            JsonNode body = tree(OllamaCodec.encodeChatRequest(request(List.of(m)), Optional.empty()));

            assertThat(body.at("/messages/0")).isEqualTo(tree("{\"role\":\"user\",\"content\":\"Look:\\nWhat is it?\","
                    + "\"images\":[\"" + PNG + "\",\"" + GIF + "\"]}"));
        }

        @Test
        void refusesAnImageByUrlNamingThePart() {
            Message m = new Message(Role.USER, List.of(new Part.Text("Look:"), new Part.ImageUrl("https://example.com/cat.png")),
                    List.of(), Optional.empty(), Optional.empty());

            BadRequestException e = refusal(() -> OllamaCodec.encodeChatRequest(
                    request(List.of(text(Role.SYSTEM, "s"), m)), Optional.empty()));

            assertThat(e).hasMessage("messages[1].content[1]: Ollama takes images only as base64 data, not by URL");
            assertThat(e.param()).contains("messages[1].content[1]");
        }

        @Test
        void namesToolResultsAfterTheirCalls() throws Exception {
            List<Message> messages = List.of(
                    new Message(Role.ASSISTANT, List.of(), List.of(new ToolCall("toolu_01", "get_weather", "{\"city\":\"Oslo\"}"),
                            new ToolCall("toolu_02", "get_time", "")), Optional.empty(), Optional.empty()),
                    new Message(Role.TOOL, List.of(new Part.Text("-3")), List.of(), Optional.of("toolu_01"), Optional.empty()),
                    new Message(Role.TOOL, List.of(new Part.Text("09:00")), List.of(), Optional.of("toolu_02"), Optional.of("clock")),
                    new Message(Role.TOOL, List.of(new Part.Text("?")), List.of(), Optional.empty(), Optional.empty()));

            JsonNode body = tree(OllamaCodec.encodeChatRequest(request(messages), Optional.empty()));

            assertThat(body.get("messages")).isEqualTo(tree("[{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":["
                    + "{\"id\":\"toolu_01\",\"function\":{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Oslo\"}}},"
                    + "{\"id\":\"toolu_02\",\"function\":{\"name\":\"get_time\",\"arguments\":{}}}]},"
                    + "{\"role\":\"tool\",\"content\":\"-3\",\"tool_name\":\"get_weather\",\"tool_call_id\":\"toolu_01\"},"
                    + "{\"role\":\"tool\",\"content\":\"09:00\",\"tool_name\":\"clock\",\"tool_call_id\":\"toolu_02\"},"
                    + "{\"role\":\"tool\",\"content\":\"?\"}]"));
        }

        @Test
        void refusesToolArgumentsThatAreNoObject() {
            Message m = new Message(Role.ASSISTANT, List.of(), List.of(new ToolCall("c1", "f", "{\"a\":1}"),
                    new ToolCall("c2", "f", "{\"a\":")), Optional.empty(), Optional.empty());

            BadRequestException e = refusal(() -> OllamaCodec.encodeChatRequest(request(List.of(m)), Optional.empty()));

            assertThat(e.param()).contains("messages[0].tool_calls[1].function.arguments");
        }

        @Test
        void toolChoiceNoneSendsNoToolsAndAForcedCallIsRefused() throws Exception {
            List<ToolSpec> tools = List.of(new ToolSpec("f", "", "{\"type\":\"object\"}"));
            ChatRequest none = new ChatRequest("m", List.of(text(Role.USER, "hi")), tools,
                    Optional.of(new ToolChoice(ToolChoice.Mode.NONE, Optional.empty())), OptionalInt.empty(),
                    OptionalDouble.empty(), OptionalDouble.empty(), List.of(), true);
            ChatRequest auto = new ChatRequest("m", List.of(text(Role.USER, "hi")), tools, Optional.empty(), OptionalInt.empty(),
                    OptionalDouble.empty(), OptionalDouble.empty(), List.of(), true);

            assertThat(tree(OllamaCodec.encodeChatRequest(none, Optional.empty())).has("tools")).isFalse();
            assertThat(tree(OllamaCodec.encodeChatRequest(auto, Optional.empty())).get("tools"))
                    .isEqualTo(tree("[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"description\":\"\","
                            + "\"parameters\":{\"type\":\"object\"}}}]"));
            for (ToolChoice choice : List.of(new ToolChoice(ToolChoice.Mode.REQUIRED, Optional.empty()),
                    new ToolChoice(ToolChoice.Mode.NAMED, Optional.of("f")))) {
                ChatRequest forced = new ChatRequest("m", List.of(text(Role.USER, "hi")), tools, Optional.of(choice),
                        OptionalInt.empty(), OptionalDouble.empty(), OptionalDouble.empty(), List.of(), true);
                assertThat(refusal(() -> OllamaCodec.encodeChatRequest(forced, Optional.empty())).param()).contains("tool_choice");
            }
        }

        @ParameterizedTest(name = "keep_alive {0}")
        @CsvSource(delimiter = '|', value = {"5m | \"5m\"", "1h30m | \"1h30m\"", "300 | 300", "-1 | -1", "0 | 0"})
        void writesKeepAliveAsOllamaReadsIt(String keepAlive, String json) throws Exception {
            JsonNode body = tree(OllamaCodec.encodeChatRequest(request(List.of(text(Role.USER, "hi"))), Optional.of(keepAlive)));

            assertThat(body.get("keep_alive")).isEqualTo(tree(json));
        }
    }

    @Test
    void decodesTheGoldenImagesToWhatTheirTypeSays() {
        // the fixtures themselves: a wrong fixture would make the sniffing tests prove nothing
        assertThat(Base64.getDecoder().decode(PNG)).startsWith(0x89, 'P', 'N', 'G');
        assertThat(new String(Base64.getDecoder().decode(GIF), 0, 6, StandardCharsets.US_ASCII)).isEqualTo("GIF89a");
        assertThat(new String(Base64.getDecoder().decode(WEBP), 8, 4, StandardCharsets.US_ASCII)).isEqualTo("WEBP");
    }
}
