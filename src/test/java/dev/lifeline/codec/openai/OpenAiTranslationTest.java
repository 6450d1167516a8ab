package dev.lifeline.codec.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.core.JsonValue;
import com.openai.core.ObjectMappers;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionAssistantMessageParam;
import com.openai.models.chat.completions.ChatCompletionContentPart;
import com.openai.models.chat.completions.ChatCompletionContentPartImage;
import com.openai.models.chat.completions.ChatCompletionContentPartText;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionNamedToolChoice;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import dev.lifeline.chat.ChatRequest;
import dev.lifeline.chat.ChatResponse;
import dev.lifeline.chat.Message;
import dev.lifeline.chat.Part;
import dev.lifeline.chat.Role;
import dev.lifeline.chat.StreamEvent.Usage;
import dev.lifeline.chat.ToolCall;
import dev.lifeline.chat.ToolChoice;
import dev.lifeline.chat.ToolSpec;
import dev.lifeline.codec.BadRequestException;
import dev.lifeline.codec.openai.OpenAiCodec.MalformedChunkException;
import dev.lifeline.codec.openai.OpenAiTranslation.TokenLimitField;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;

/** The OpenAI dialect to and from the neutral model, for routes whose client and target speak different dialects. */
class OpenAiTranslationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
    private static final String NO_PARAMETERS = "{\"type\":\"object\",\"properties\":{}}";

    private static byte[] golden(String name) {
        try (InputStream in = OpenAiTranslationTest.class.getResourceAsStream("/golden/openai/" + name)) {
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
            throw new AssertionError("not JSON: " + new String(body, StandardCharsets.UTF_8), e);
        }
    }

    private static JsonNode tree(String body) {
        return tree(body.getBytes(StandardCharsets.UTF_8));
    }

    /** A request with the given fields after {@code model} (a JSON object's inside, without braces). */
    private static ChatRequest neutral(String fields) throws BadRequestException {
        return OpenAiTranslation.toNeutral(("{\"model\":\"gpt-4o\"," + fields + "}").getBytes(StandardCharsets.UTF_8));
    }

    private static ChatRequest withMessages(String messages) throws BadRequestException {
        return neutral("\"messages\":" + messages);
    }

    private static BadRequestException refusal(String fields) {
        BadRequestException e = catchThrowableOfType(BadRequestException.class, () -> neutral(fields));
        assertThat(e).as("refused: %s", fields).isNotNull();
        return e;
    }

    private static Message text(Role role, String text) {
        return Message.text(role, text);
    }

    private static Message assistantCalls(ToolCall... calls) {
        return new Message(Role.ASSISTANT, List.of(), List.of(calls), Optional.empty(), Optional.empty());
    }

    private static Message toolResult(String id, String name, String text) {
        return new Message(Role.TOOL, List.of(new Part.Text(text)), List.of(), Optional.ofNullable(id), Optional.ofNullable(name));
    }

    // ------------------------------------------------------------------ toNeutral

    @Nested
    class ToNeutral {
        @Test
        void goldenRequestEveryField() throws Exception {
            ChatRequest r = OpenAiTranslation.toNeutral(golden("translation-request.json"));

            assertThat(r.model()).isEqualTo("gpt-4o");
            assertThat(r.messages()).containsExactly(
                    text(Role.SYSTEM, "You are a travel assistant."),
                    new Message(Role.SYSTEM, List.of(new Part.Text("Answer in French. "), new Part.Text("Be brief.")),
                            List.of(), Optional.empty(), Optional.empty()),
                    new Message(Role.USER, List.of(
                            new Part.Text("What is the weather where this photo was taken, and what time is it there?"),
                            new Part.ImageData("image/png", PNG),
                            new Part.ImageUrl("https://example.com/photos/eiffel.jpg")), List.of(), Optional.empty(), Optional.empty()),
                    assistantCalls(
                            new ToolCall("call_weather_1", "get_weather", "{\"city\":\"Paris\",\"unit\":\"celsius\"}"),
                            new ToolCall("call_time_1", "get_time", "{\"timezone\":\"Europe/Paris\"}")),
                    toolResult("call_weather_1", "get_weather", "{\"temperature\":21,\"sky\":\"clear\"}"),
                    toolResult("call_time_1", "get_time", "14:05"),
                    text(Role.ASSISTANT, "Il fait 21 °C et beau à Paris ; il est 14 h 05."),
                    text(Role.USER, "Merci ! Et demain ?"));
            assertThat(r.tools()).hasSize(2);
            assertThat(r.tools().get(0).name()).isEqualTo("get_weather");
            assertThat(r.tools().get(0).description()).isEqualTo("Current weather for a city");
            assertThat(tree(r.tools().get(0).parametersJson())).isEqualTo(tree("""
                    {"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["celsius","fahrenheit"]}},
                     "required":["city"],"additionalProperties":false}"""));
            assertThat(r.tools().get(1)).isEqualTo(new ToolSpec("get_time", "", NO_PARAMETERS));
            assertThat(r.toolChoice()).hasValue(new ToolChoice(ToolChoice.Mode.NAMED, Optional.of("get_weather")));
            assertThat(r.maxTokens()).hasValue(512); // max_completion_tokens wins over max_tokens
            assertThat(r.temperature()).hasValue(0.2);
            assertThat(r.topP()).hasValue(0.95);
            assertThat(r.stop()).containsExactly("\n\nUser:");
            assertThat(r.stream()).isTrue();
        }

        @Test
        void aMinimalRequestHasNoOptions() throws Exception {
            ChatRequest r = withMessages("[{\"role\":\"user\",\"content\":\"Hi\"}]");

            assertThat(r).isEqualTo(new ChatRequest("gpt-4o", List.of(text(Role.USER, "Hi")), List.of(), Optional.empty(),
                    OptionalInt.empty(), OptionalDouble.empty(), OptionalDouble.empty(), List.of(), false));
        }

        @Test
        void contentAsStringOrParts() throws Exception {
            ChatRequest r = withMessages("""
                    [{"role":"user","content":""},
                     {"role":"user","content":[]},
                     {"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]},
                     {"role":"assistant","content":[{"type":"text","text":"I "},{"type":"refusal","refusal":"can't."}]},
                     {"role":"assistant","content":null,"refusal":"No."}]""");

            assertThat(r.messages()).extracting(Message::parts).containsExactly(
                    List.of(),
                    List.of(),
                    List.of(new Part.Text("a"), new Part.Text("b")),
                    List.of(new Part.Text("I "), new Part.Text("can't.")),
                    List.of(new Part.Text("No.")));
        }

        @Test
        void imagesByDataUrlOrByUrl() throws Exception {
            ChatRequest r = withMessages("""
                    [{"role":"user","content":[
                      {"type":"image_url","image_url":{"url":"data:image/jpeg;base64,/9j/4AAQ","detail":"high"}},
                      {"type":"image_url","image_url":{"url":"DATA:Image/WebP;charset=x;BASE64,UklGR"}},
                      {"type":"image_url","image_url":{"url":"https://example.com/a.png?x=1"}},
                      {"type":"image_url","image_url":"https://example.com/b.png"}]}]""");

            assertThat(r.messages().getFirst().parts()).containsExactly(
                    new Part.ImageData("image/jpeg", "/9j/4AAQ"),
                    new Part.ImageData("image/webp", "UklGR"),
                    new Part.ImageUrl("https://example.com/a.png?x=1"),
                    new Part.ImageUrl("https://example.com/b.png"));
        }

        @ParameterizedTest
        @ValueSource(strings = {"data:image/png,iVBOR", "data:;base64,iVBOR", "data:image/png;base64", "data:"})
        void aDataUrlNeedsAMediaTypeAndBase64(String url) {
            BadRequestException e = refusal("\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"x\"},"
                    + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"" + url + "\"}}]}]");

            assertThat(e.param()).hasValue("messages[0].content[1].image_url.url");
            assertThat(e.getMessage()).startsWith("messages[0].content[1].image_url.url: \"" + url + "\" (expected: a data: URL");
        }

        @Test
        void aHugeValueIsCutShortInTheMessage() {
            String url = "data:image/png," + "A".repeat(1_000_000);

            BadRequestException e = refusal("\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"" + url + "\"}}]}]");

            assertThat(e.getMessage()).startsWith("messages[0].content[0].image_url.url: \"data:image/png,AAAA").hasSizeLessThan(220);
        }

        @Test
        void toolResultsAreNamedAfterTheirCall() throws Exception {
            ChatRequest r = withMessages("""
                    [{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"lookup","arguments":"{}"}}]},
                     {"role":"tool","tool_call_id":"c1","content":"found"},
                     {"role":"tool","tool_call_id":"c9","content":"orphan"}]""");

            assertThat(r.messages().get(1)).isEqualTo(toolResult("c1", "lookup", "found"));
            assertThat(r.messages().get(2)).isEqualTo(toolResult("c9", null, "orphan"));
        }

        @Test
        void toolCallArgumentsAreKeptAsSent() throws Exception {
            ChatRequest r = withMessages("""
                    [{"role":"assistant","content":"Let me look.","tool_calls":[
                      {"id":"a","type":"function","function":{"name":"f","arguments":"{\\"q\\": \\"unterminated"}},
                      {"id":"b","function":{"name":"g","arguments":{"n":1.50}}},
                      {"id":"c","type":"function","function":{"name":"h"}}]}]""");

            Message m = r.messages().getFirst();
            assertThat(m.parts()).containsExactly(new Part.Text("Let me look."));
            assertThat(m.toolCalls()).containsExactly(
                    new ToolCall("a", "f", "{\"q\": \"unterminated"), // not JSON: the target judges its own input
                    new ToolCall("b", "g", "{\"n\":1.50}"),            // an object, written as JSON text
                    new ToolCall("c", "h", "{}"));
        }

        @Test
        void maxTokensAndMaxCompletionTokens() throws Exception {
            assertThat(neutral("\"messages\":[],\"max_tokens\":100").maxTokens()).hasValue(100);
            assertThat(neutral("\"messages\":[],\"max_completion_tokens\":200").maxTokens()).hasValue(200);
            assertThat(neutral("\"messages\":[],\"max_tokens\":100,\"max_completion_tokens\":200").maxTokens()).hasValue(200);
            assertThat(neutral("\"messages\":[],\"max_tokens\":null,\"max_completion_tokens\":null").maxTokens()).isEmpty();
            assertThat(neutral("\"messages\":[],\"max_tokens\":99999999999999999999").maxTokens()).hasValue(Integer.MAX_VALUE);
        }

        @ParameterizedTest
        @CsvSource(delimiter = '|', value = {
                "max_tokens|0", "max_tokens|-5", "max_tokens|1.5", "max_tokens|\"100\"",
                "max_completion_tokens|0", "max_completion_tokens|true"})
        void maxTokensMustBePositiveIntegers(String field, String value) {
            BadRequestException e = refusal("\"messages\":[],\"" + field + "\":" + value);

            assertThat(e.getMessage()).isEqualTo(field + ": " + value + " (expected: a positive integer)");
            assertThat(e.param()).hasValue(field);
        }

        @Test
        void anInvalidMaxTokensIsRefusedEvenBesideMaxCompletionTokens() {
            assertThat(refusal("\"messages\":[],\"max_completion_tokens\":10,\"max_tokens\":-1").param()).hasValue("max_tokens");
        }

        @Test
        void sampling() throws Exception {
            ChatRequest r = neutral("\"messages\":[],\"temperature\":0,\"top_p\":1,\"stop\":[\"END\",\"\\n\"]");

            assertThat(r.temperature()).hasValue(0.0);
            assertThat(r.topP()).hasValue(1.0);
            assertThat(r.stop()).containsExactly("END", "\n");
            assertThat(neutral("\"messages\":[],\"stop\":null").stop()).isEmpty();
        }

        @ParameterizedTest
        @CsvSource(delimiter = '|', value = {
                "\"temperature\":\"hot\"|temperature|temperature: \"hot\" (expected: a number)",
                "\"top_p\":[1]|top_p|top_p: [1] (expected: a number)",
                "\"stop\":5|stop|stop: 5 (expected: a string or an array of strings)",
                "\"stop\":[\"a\",7]|stop[1]|stop[1]: 7 (expected: a string)"})
        void samplingMustBeWellTyped(String field, String param, String message) {
            BadRequestException e = refusal("\"messages\":[]," + field);

            assertThat(e.getMessage()).isEqualTo(message);
            assertThat(e.param()).hasValue(param);
        }

        @Test
        void toolChoices() throws Exception {
            String tools = "\"messages\":[],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],\"tool_choice\":";

            assertThat(neutral(tools + "\"auto\"").toolChoice()).hasValue(new ToolChoice(ToolChoice.Mode.AUTO, Optional.empty()));
            assertThat(neutral(tools + "\"none\"").toolChoice()).hasValue(new ToolChoice(ToolChoice.Mode.NONE, Optional.empty()));
            assertThat(neutral(tools + "\"required\"").toolChoice()).hasValue(new ToolChoice(ToolChoice.Mode.REQUIRED, Optional.empty()));
            assertThat(neutral(tools + "{\"type\":\"function\",\"function\":{\"name\":\"f\"}}").toolChoice())
                    .hasValue(new ToolChoice(ToolChoice.Mode.NAMED, Optional.of("f")));
            assertThat(neutral(tools + "null").toolChoice()).isEmpty();
        }

        @ParameterizedTest
        @CsvSource(delimiter = '|', value = {
                "\"any\"|tool_choice|tool_choice: \"any\" (expected: auto, none, required or a function)",
                "{\"type\":\"function\"}|tool_choice.function|tool_choice.function: missing (expected: an object with a name)",
                "{\"type\":\"function\",\"function\":{}}|tool_choice.function.name|tool_choice.function.name: missing (expected: a non-empty string)",
                "{\"type\":\"allowed_tools\",\"allowed_tools\":{}}|tool_choice.type|tool_choice.type: \"allowed_tools\" cannot be translated (expected: function)",
                "{\"type\":\"custom\",\"custom\":{\"name\":\"x\"}}|tool_choice.type|tool_choice.type: \"custom\" cannot be translated (expected: function)"})
        void toolChoiceRefusals(String choice, String param, String message) {
            BadRequestException e = refusal("\"messages\":[],\"tool_choice\":" + choice);

            assertThat(e.getMessage()).isEqualTo(message);
            assertThat(e.param()).hasValue(param);
        }

        /** Fields whose answer the neutral model could not carry back: each refused, naming itself. */
        @ParameterizedTest
        @CsvSource(delimiter = '|', value = {
                "\"n\":2|n|n: 2 cannot be translated (expected: 1)",
                "\"logprobs\":true|logprobs|logprobs: true cannot be translated (expected: false)",
                "\"top_logprobs\":3|top_logprobs|top_logprobs: 3 cannot be translated (expected: 0)",
                "\"response_format\":{\"type\":\"json_object\"}|response_format.type|response_format.type: \"json_object\" cannot be translated (expected: text)",
                "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\",\"schema\":{}}}|response_format.type|response_format.type: \"json_schema\" cannot be translated (expected: text)",
                "\"response_format\":\"json\"|response_format.type|response_format.type: missing (expected: text, json_object or json_schema)",
                "\"functions\":[{\"name\":\"f\"}]|functions|functions: [{\"name\":\"f\"}] cannot be translated (expected: tools)",
                "\"function_call\":\"auto\"|function_call|function_call: \"auto\" cannot be translated (expected: tool_choice)",
                "\"audio\":{\"voice\":\"alloy\",\"format\":\"wav\"}|audio|audio: {\"voice\":\"alloy\",\"format\":\"wav\"} cannot be translated (expected: text output only)",
                "\"modalities\":[\"text\",\"audio\"]|modalities|modalities: [\"text\",\"audio\"] cannot be translated (expected: [\"text\"])",
                "\"prediction\":{\"type\":\"content\",\"content\":\"x\"}|prediction|prediction: {\"type\":\"content\",\"content\":\"x\"} cannot be translated (expected: no predicted output)",
                "\"web_search_options\":{}|web_search_options|web_search_options: {} cannot be translated (expected: no web search)",
                "\"tools\":[{\"type\":\"custom\",\"custom\":{\"name\":\"x\"}}]|tools[0].type|tools[0].type: \"custom\" cannot be translated (expected: function)"})
        void untranslatableFieldsAreRefusedByName(String field, String param, String message) {
            BadRequestException e = refusal("\"messages\":[]," + field);

            assertThat(e.getMessage()).isEqualTo(message);
            assertThat(e.param()).hasValue(param);
        }

        @Test
        void theirHarmlessValuesAreAccepted() throws Exception {
            ChatRequest plain = neutral("\"messages\":[]");

            assertThat(neutral("\"messages\":[],\"n\":1,\"logprobs\":false,\"top_logprobs\":0,\"response_format\":{\"type\":\"text\"},"
                    + "\"modalities\":[\"text\"],\"functions\":null,\"audio\":null,\"prediction\":null")).isEqualTo(plain);
        }

        @Test
        void hintsAndBookkeepingAreIgnored() throws Exception {
            ChatRequest plain = neutral("\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"stream\":true");

            assertThat(neutral("""
                    "messages":[{"role":"user","name":"bob","content":"Hi"}],"stream":true,"stream_options":{"include_usage":true},
                    "user":"u1","safety_identifier":"s","prompt_cache_key":"k","metadata":{"a":"b"},"store":true,
                    "service_tier":"flex","seed":7,"parallel_tool_calls":false,"frequency_penalty":0.5,"presence_penalty":-0.5,
                    "logit_bias":{"50256":-100},"reasoning_effort":"low","verbosity":"high","top_k":40""")).isEqualTo(plain);
        }

        /** The example of the brief: audio and file parts have no neutral form. */
        @ParameterizedTest
        @ValueSource(strings = {"{\"type\":\"input_audio\",\"input_audio\":{\"data\":\"UklGR\",\"format\":\"wav\"}}",
                "{\"type\":\"file\",\"file\":{\"file_id\":\"file-1\"}}"})
        void audioAndFilePartsAreRefusedByPath(String part) {
            BadRequestException e = refusal("""
                    "messages":[{"role":"system","content":"s"},{"role":"user","content":"a"},{"role":"assistant","content":"b"},
                                {"role":"user","content":[{"type":"text","text":"Listen:"},%s]}]""".formatted(part));

            String type = tree(part).get("type").asText();
            assertThat(e.getMessage()).isEqualTo("messages[3].content[1].type: \"" + type + "\" cannot be translated (expected: text, image_url)");
            assertThat(e.param()).hasValue("messages[3].content[1].type");
        }

        @ParameterizedTest
        @CsvSource(delimiter = '|', value = {
                // roles and content types
                "{\"role\":\"function\",\"name\":\"f\",\"content\":\"x\"}|messages[0].role|messages[0].role: \"function\" cannot be translated (expected: tool)",
                "{\"role\":\"bot\",\"content\":\"x\"}|messages[0].role|messages[0].role: \"bot\" (expected: system, developer, user, assistant or tool)",
                "{\"content\":\"x\"}|messages[0].role|messages[0].role: missing (expected: system, developer, user, assistant or tool)",
                "{\"role\":\"system\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x\"}}]}|messages[0].content[0].type|messages[0].content[0].type: \"image_url\" cannot be translated (expected: text)",
                "{\"role\":\"tool\",\"tool_call_id\":\"c\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x\"}}]}|messages[0].content[0].type|messages[0].content[0].type: \"image_url\" cannot be translated (expected: text)",
                "{\"role\":\"assistant\",\"function_call\":{\"name\":\"f\",\"arguments\":\"{}\"}}|messages[0].function_call|messages[0].function_call: {\"name\":\"f\",\"arguments\":\"{}\"} cannot be translated (expected: tool_calls)",
                "{\"role\":\"assistant\",\"audio\":{\"id\":\"audio_1\"}}|messages[0].audio|messages[0].audio: {\"id\":\"audio_1\"} cannot be translated (expected: text only)",
                "{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\",\"type\":\"custom\",\"custom\":{\"name\":\"x\",\"input\":\"y\"}}]}|messages[0].tool_calls[0].type|messages[0].tool_calls[0].type: \"custom\" cannot be translated (expected: function)",
                // malformed
                "\"hello\"|messages[0]|messages[0]: \"hello\" (expected: a message object)",
                "{\"role\":\"user\"}|messages[0].content|messages[0].content: missing (expected: a string or an array of content parts)",
                "{\"role\":\"user\",\"content\":42}|messages[0].content|messages[0].content: 42 (expected: a string or an array of content parts)",
                "{\"role\":\"user\",\"content\":[\"hi\"]}|messages[0].content[0]|messages[0].content[0]: \"hi\" (expected: a content part object)",
                "{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}|messages[0].content[0].type|messages[0].content[0].type: missing (expected: text, image_url)",
                "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":1}]}|messages[0].content[0].text|messages[0].content[0].text: 1 (expected: a string)",
                "{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{}}]}|messages[0].content[0].image_url.url|messages[0].content[0].image_url.url: missing (expected: an http(s) or data: URL)",
                "{\"role\":\"tool\",\"content\":\"x\"}|messages[0].tool_call_id|messages[0].tool_call_id: missing (expected: a non-empty string)",
                "{\"role\":\"assistant\",\"tool_calls\":{}}|messages[0].tool_calls|messages[0].tool_calls: {} (expected: an array of tool calls)",
                "{\"role\":\"assistant\",\"tool_calls\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]}|messages[0].tool_calls[0].id|messages[0].tool_calls[0].id: missing (expected: a non-empty string)",
                "{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\",\"type\":\"function\"}]}|messages[0].tool_calls[0].function|messages[0].tool_calls[0].function: missing (expected: an object with name and arguments)",
                "{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\",\"function\":{\"name\":\"\"}}]}|messages[0].tool_calls[0].function.name|messages[0].tool_calls[0].function.name: \"\" (expected: a non-empty string)"})
        void messageRefusalsNameThePath(String message, String param, String expected) {
            BadRequestException e = refusal("\"messages\":[" + message + "]");

            assertThat(e.getMessage()).isEqualTo(expected);
            assertThat(e.param()).hasValue(param);
        }

        @Test
        void messagesAreRequired() {
            assertThat(refusal("\"stream\":false").getMessage()).isEqualTo("messages: missing (expected: an array of messages)");
            assertThat(refusal("\"messages\":{}").param()).hasValue("messages");
        }

        @ParameterizedTest
        @CsvSource(delimiter = '|', value = {
                "{\"type\":\"function\"}|tools[0].function|tools[0].function: missing (expected: an object with name, description and parameters)",
                "{\"type\":\"function\",\"function\":{\"description\":\"d\"}}|tools[0].function.name|tools[0].function.name: missing (expected: a non-empty string)",
                "{\"type\":\"function\",\"function\":{\"name\":\"f\",\"description\":7}}|tools[0].function.description|tools[0].function.description: 7 (expected: a string)",
                "{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":\"{}\"}}|tools[0].function.parameters|tools[0].function.parameters: \"{}\" (expected: a JSON Schema object)"})
        void toolRefusalsNameThePath(String tool, String param, String expected) {
            BadRequestException e = refusal("\"messages\":[],\"tools\":[" + tool + "]");

            assertThat(e.getMessage()).isEqualTo(expected);
            assertThat(e.param()).hasValue(param);
        }

        @Test
        void toolParametersAreCarriedExactly() throws Exception {
            ChatRequest r = neutral("""
                    "messages":[],"tools":[{"type":"function","function":{"name":"f","strict":true,
                      "parameters":{"type":"object","properties":{"x":{"type":"number","minimum":0.10,"maximum":1e3}}}}}]""");

            assertThat(r.tools().getFirst().parametersJson())
                    .isEqualTo("{\"type\":\"object\",\"properties\":{\"x\":{\"type\":\"number\",\"minimum\":0.10,\"maximum\":1E+3}}}");
        }

        @Test
        void theRequestCodecsOwnChecksComeFirst() {
            assertThatThrownBy(() -> OpenAiTranslation.toNeutral("{\"messages\":[]}".getBytes(StandardCharsets.UTF_8)))
                    .isInstanceOf(BadRequestException.class).hasMessage("you must provide a model parameter");
            assertThatThrownBy(() -> OpenAiTranslation.toNeutral("not json".getBytes(StandardCharsets.UTF_8)))
                    .isInstanceOf(BadRequestException.class).hasMessage("the request body is not valid JSON");
        }

        /** What the official OpenAI Java SDK sends, serialized by the SDK itself, is read in full. */
        @Test
        void whatTheOfficialSdkSends() throws Exception {
            ChatCompletionCreateParams params = ChatCompletionCreateParams.builder()
                    .model("gpt-4o")
                    .addDeveloperMessage("Be brief.")
                    .addUserMessageOfArrayOfContentParts(List.of(
                            ChatCompletionContentPart.ofText(ChatCompletionContentPartText.builder().text("What is this?").build()),
                            ChatCompletionContentPart.ofImageUrl(ChatCompletionContentPartImage.builder()
                                    .imageUrl(ChatCompletionContentPartImage.ImageUrl.builder().url("data:image/png;base64," + PNG).build())
                                    .build())))
                    .addMessage(ChatCompletionAssistantMessageParam.builder()
                            .addToolCall(ChatCompletionMessageToolCall.ofFunction(ChatCompletionMessageFunctionToolCall.builder()
                                    .id("call_1")
                                    .function(ChatCompletionMessageFunctionToolCall.Function.builder()
                                            .name("identify").arguments("{\"detail\":\"high\"}").build())
                                    .build()))
                            .build())
                    .addMessage(ChatCompletionToolMessageParam.builder().toolCallId("call_1").content("a red pixel").build())
                    .addTool(ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder()
                            .name("identify").description("Identify an image")
                            .parameters(FunctionParameters.builder()
                                    .putAdditionalProperty("type", JsonValue.from("object"))
                                    .putAdditionalProperty("properties", JsonValue.from(Map.of()))
                                    .build())
                            .build()).build())
                    .toolChoice(ChatCompletionNamedToolChoice.builder()
                            .function(ChatCompletionNamedToolChoice.Function.builder().name("identify").build()).build())
                    .maxCompletionTokens(300)
                    .temperature(0.5)
                    .topP(0.9)
                    .stop("STOP")
                    .build();
            byte[] body = ObjectMappers.jsonMapper().writeValueAsBytes(params._body());

            ChatRequest r = OpenAiTranslation.toNeutral(body);

            assertThat(r.messages()).containsExactly(
                    text(Role.SYSTEM, "Be brief."),
                    new Message(Role.USER, List.of(new Part.Text("What is this?"), new Part.ImageData("image/png", PNG)),
                            List.of(), Optional.empty(), Optional.empty()),
                    assistantCalls(new ToolCall("call_1", "identify", "{\"detail\":\"high\"}")),
                    toolResult("call_1", "identify", "a red pixel"));
            assertThat(r.tools()).containsExactly(new ToolSpec("identify", "Identify an image", NO_PARAMETERS));
            assertThat(r.toolChoice()).hasValue(new ToolChoice(ToolChoice.Mode.NAMED, Optional.of("identify")));
            assertThat(r.maxTokens()).hasValue(300);
            assertThat(r.temperature()).hasValue(0.5);
            assertThat(r.topP()).hasValue(0.9);
            assertThat(r.stop()).containsExactly("STOP");
        }
    }

    // ------------------------------------------------------------------ encodeRequest

    @Nested
    class EncodeRequest {
        /** Every feature once, in a shape {@link OpenAiTranslation#toNeutral} gives back unchanged. */
        private final ChatRequest full = new ChatRequest("llama3.1:8b",
                List.of(text(Role.SYSTEM, "Be terse."),
                        new Message(Role.USER, List.of(new Part.Text("Compare "), new Part.ImageData("image/png", PNG),
                                new Part.Text(" and "), new Part.ImageUrl("https://example.com/b.jpg")), List.of(), Optional.empty(), Optional.empty()),
                        new Message(Role.ASSISTANT, List.of(new Part.Text("Measuring.")),
                                List.of(new ToolCall("c1", "measure", "{\"img\":0}"), new ToolCall("c2", "measure", "{\"img\":1}")),
                                Optional.empty(), Optional.empty()),
                        toolResult("c2", "measure", "{\"w\":64}"),
                        toolResult("c1", "measure", "{\"w\":32}"),
                        text(Role.ASSISTANT, "The second is twice as wide."),
                        text(Role.USER, "\"Thanks\" \u2014 \ud83d\ude00")),
                List.of(new ToolSpec("measure", "Measure an image", "{\"type\":\"object\",\"properties\":{\"img\":{\"type\":\"integer\"}}}"),
                        new ToolSpec("noop", "", NO_PARAMETERS)),
                Optional.of(new ToolChoice(ToolChoice.Mode.REQUIRED, Optional.empty())),
                OptionalInt.of(256), OptionalDouble.of(0.3), OptionalDouble.of(0.8), List.of("###", "\n\n"), true);

        @Test
        void goldenRequest() throws Exception {
            ChatRequest r = OpenAiTranslation.toNeutral(golden("translation-request.json"));

            assertThat(tree(OpenAiTranslation.encodeRequest(r, true))).isEqualTo(tree(golden("translation-request-encoded.json")));
        }

        @Test
        void roundTrip() throws Exception {
            assertThat(OpenAiTranslation.toNeutral(OpenAiTranslation.encodeRequest(full, false))).isEqualTo(full);
            ChatRequest plain = new ChatRequest("m", List.of(text(Role.USER, "hi")), List.of(), Optional.empty(),
                    OptionalInt.empty(), OptionalDouble.empty(), OptionalDouble.empty(), List.of(), false);
            assertThat(OpenAiTranslation.toNeutral(OpenAiTranslation.encodeRequest(plain, true))).isEqualTo(plain);
        }

        @Test
        void contentShapes() {
            JsonNode body = tree(OpenAiTranslation.encodeRequest(full.withMessages(List.of(
                    text(Role.USER, "one"),
                    new Message(Role.USER, List.of(new Part.Text("a"), new Part.Text("b")), List.of(), Optional.empty(), Optional.empty()),
                    new Message(Role.USER, List.of(), List.of(), Optional.empty(), Optional.empty()),
                    assistantCalls(new ToolCall("c", "f", "{}")),
                    new Message(Role.ASSISTANT, List.of(), List.of(), Optional.empty(), Optional.empty()))), false));

            JsonNode m = body.get("messages");
            assertThat(m.get(0)).isEqualTo(tree("{\"role\":\"user\",\"content\":\"one\"}"));
            assertThat(m.get(1)).isEqualTo(tree("{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"a\"},{\"type\":\"text\",\"text\":\"b\"}]}"));
            assertThat(m.get(2)).isEqualTo(tree("{\"role\":\"user\",\"content\":\"\"}"));
            assertThat(m.get(3)).isEqualTo(tree("""
                    {"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]}"""));
            assertThat(m.get(4)).isEqualTo(tree("{\"role\":\"assistant\",\"content\":\"\"}"));
        }

        @Test
        void theLengthLimitField() {
            assertThat(tree(OpenAiTranslation.encodeRequest(full, false)).get("max_tokens").asInt()).isEqualTo(256);
            assertThat(tree(OpenAiTranslation.encodeRequest(full, false)).has("max_completion_tokens")).isFalse();

            JsonNode openAi = tree(OpenAiTranslation.encodeRequest(full, false, TokenLimitField.MAX_COMPLETION_TOKENS));
            assertThat(openAi.get("max_completion_tokens").asInt()).isEqualTo(256);
            assertThat(openAi.has("max_tokens")).isFalse();
        }

        @Test
        void usageIsAskedForOnlyForStreams() {
            assertThat(tree(OpenAiTranslation.encodeRequest(full, true)).get("stream_options"))
                    .isEqualTo(tree("{\"include_usage\":true}"));
            assertThat(tree(OpenAiTranslation.encodeRequest(full, false)).has("stream_options")).isFalse();
            ChatRequest unstreamed = new ChatRequest("m", List.of(), List.of(), Optional.empty(), OptionalInt.empty(),
                    OptionalDouble.empty(), OptionalDouble.empty(), List.of(), false);
            assertThat(tree(OpenAiTranslation.encodeRequest(unstreamed, true))).isEqualTo(tree("{\"model\":\"m\",\"messages\":[],\"stream\":false}"));
        }

        @Test
        void toolChoiceGoesOnlyWithTools() {
            ChatRequest noTools = new ChatRequest("m", List.of(), List.of(), Optional.of(new ToolChoice(ToolChoice.Mode.NONE, Optional.empty())),
                    OptionalInt.empty(), OptionalDouble.empty(), OptionalDouble.empty(), List.of(), false);

            assertThat(tree(OpenAiTranslation.encodeRequest(noTools, false)).has("tool_choice")).isFalse();
            for (ToolChoice.Mode mode : List.of(ToolChoice.Mode.AUTO, ToolChoice.Mode.NONE, ToolChoice.Mode.REQUIRED)) {
                ChatRequest r = new ChatRequest("m", List.of(), full.tools(), Optional.of(new ToolChoice(mode, Optional.empty())),
                        OptionalInt.empty(), OptionalDouble.empty(), OptionalDouble.empty(), List.of(), false);
                assertThat(tree(OpenAiTranslation.encodeRequest(r, false)).get("tool_choice").asText()).isEqualTo(mode.name().toLowerCase());
            }
        }

        @Test
        void toolParametersAreWrittenAsTheyCame() {
            ChatRequest r = new ChatRequest("m", List.of(), List.of(new ToolSpec("f", "", "{\"type\":\"object\",\"properties\":{\"x\":{\"minimum\":0.10}}}")),
                    Optional.empty(), OptionalInt.empty(), OptionalDouble.empty(), OptionalDouble.empty(), List.of(), false);

            assertThat(new String(OpenAiTranslation.encodeRequest(r, false), StandardCharsets.UTF_8))
                    .contains("\"parameters\":{\"type\":\"object\",\"properties\":{\"x\":{\"minimum\":0.10}}}");
        }

        /** A dialect that matches results to calls by name (Ollama) leaves the ids out: each gets its call's. */
        @Test
        void toolResultsWithoutIdsGetTheirCallsIds() {
            ChatRequest r = full.withMessages(List.of(
                    assistantCalls(new ToolCall("id_a", "weather", "{\"city\":\"Oslo\"}"), new ToolCall("id_b", "time", "{}"),
                            new ToolCall("id_c", "weather", "{\"city\":\"Rome\"}")),
                    toolResult(null, "time", "12:00"),
                    toolResult(null, "weather", "cold"),
                    toolResult(null, "weather", "warm"),
                    assistantCalls(new ToolCall("id_d", "time", "{}")),
                    toolResult(null, null, "13:00"),
                    toolResult(null, "time", "no call left")));

            JsonNode m = tree(OpenAiTranslation.encodeRequest(r, false)).get("messages");

            assertThat(List.of(m.get(1), m.get(2), m.get(3), m.get(5))).extracting(n -> n.get("tool_call_id").asText())
                    .containsExactly("id_b", "id_a", "id_c", "id_d");
            assertThat(m.get(6).has("tool_call_id")).isFalse();
            assertThat(m.get(6).get("content").asText()).isEqualTo("no call left");
        }

        @Test
        void aToolResultKeepsItsOwnIdEvenWithoutAMatchingCall() {
            ChatRequest r = full.withMessages(List.of(text(Role.USER, "hi"), toolResult("call_elsewhere", "f", "ok")));

            assertThat(tree(OpenAiTranslation.encodeRequest(r, false)).at("/messages/1/tool_call_id").asText()).isEqualTo("call_elsewhere");
        }
    }

    // ------------------------------------------------------------------ responses

    @Nested
    class Responses {
        private final ChatResponse golden = new ChatResponse("chatcmpl-lifeline-7f3a", "claude-sonnet-4-5", "Let me check both.",
                "Two questions: weather and local time. Two calls.",
                List.of(new ToolCall("call_weather_1", "get_weather", "{\"city\":\"Paris\",\"unit\":\"celsius\"}"),
                        new ToolCall("call_time_1", "get_time", "{}")),
                "tool_calls", Optional.of(new Usage(412, 58)));

        @Test
        void parseGoldenResponseEveryField() throws Exception {
            assertThat(OpenAiTranslation.parseResponse(golden("translation-response.json"))).isEqualTo(golden);
        }

        @Test
        void encodeGoldenResponse() {
            assertThat(tree(OpenAiTranslation.encodeResponse(golden, 1741570283L))).isEqualTo(tree(golden("translation-response.json")));
        }

        @Test
        void roundTrip() throws Exception {
            ChatResponse plain = new ChatResponse("chatcmpl-1", "m", "Hello \"wörld\" \ud83d\ude00\n", "", List.of(), "length", Optional.empty());

            assertThat(OpenAiTranslation.parseResponse(OpenAiTranslation.encodeResponse(plain, 0))).isEqualTo(plain);
            assertThat(OpenAiTranslation.parseResponse(OpenAiTranslation.encodeResponse(golden, 0))).isEqualTo(golden);
        }

        @Test
        void contentIsNullOnlyForAnAnswerOfToolCalls() {
            ChatResponse calls = new ChatResponse("i", "m", "", "", golden.toolCalls(), "tool_calls", Optional.empty());
            ChatResponse empty = new ChatResponse("i", "m", "", "", List.of(), "stop", Optional.empty());

            JsonNode message = tree(OpenAiTranslation.encodeResponse(calls, 1)).at("/choices/0/message");
            assertThat(message.get("content").isNull()).isTrue();
            assertThat(message.has("reasoning_content")).isFalse();
            JsonNode body = tree(OpenAiTranslation.encodeResponse(empty, 1));
            assertThat(body.at("/choices/0/message/content").asText("null")).isEmpty();
            assertThat(body.at("/choices/0/message").has("tool_calls")).isFalse();
            assertThat(body.has("usage")).isFalse();
        }

        /** What the official OpenAI Java SDK makes of an encoded answer. */
        @Test
        void theOfficialSdkReadsTheEncodedResponse() throws Exception {
            ChatCompletion c = ObjectMappers.jsonMapper()
                    .readValue(OpenAiTranslation.encodeResponse(golden, 1741570283L), ChatCompletion.class).validate();

            assertThat(c.id()).isEqualTo("chatcmpl-lifeline-7f3a");
            assertThat(c.created()).isEqualTo(1741570283L);
            assertThat(c.model()).isEqualTo("claude-sonnet-4-5");
            ChatCompletion.Choice choice = c.choices().getFirst();
            assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
            assertThat(choice.message().content()).hasValue("Let me check both.");
            assertThat(choice.message().toolCalls().orElseThrow()).extracting(t -> t.asFunction().id(),
                            t -> t.asFunction().function().name(), t -> t.asFunction().function().arguments())
                    .containsExactly(tuple("call_weather_1", "get_weather", "{\"city\":\"Paris\",\"unit\":\"celsius\"}"),
                            tuple("call_time_1", "get_time", "{}"));
            assertThat(c.usage().orElseThrow().totalTokens()).isEqualTo(470);
        }

        @Test
        void whatLocalServersLeaveOutOrAddIsFilledIn() throws Exception {
            ChatResponse r = OpenAiTranslation.parseResponse("""
                    {"choices":[{"message":{"role":"assistant","content":null,"reasoning":"thinking",
                       "tool_calls":[{"function":{"name":"f","arguments":{"a":1.50}}},{"id":"c2","function":{"name":"g"}}]}}]}"""
                    .getBytes(StandardCharsets.UTF_8));

            assertThat(r.id()).matches("chatcmpl-[a-z0-9]{24}");
            assertThat(r.model()).isEmpty();
            assertThat(r.text()).isEmpty();
            assertThat(r.reasoning()).isEqualTo("thinking");
            assertThat(r.toolCalls().get(0).id()).matches("call_[a-z0-9]{16}");
            assertThat(r.toolCalls()).extracting(ToolCall::name, ToolCall::argumentsJson).containsExactly(
                    tuple("f", "{\"a\":1.50}"), tuple("g", "{}"));
            assertThat(r.toolCalls().get(1).id()).isEqualTo("c2");
            assertThat(r.finishReason()).isEqualTo("tool_calls");
            assertThat(r.usage()).isEmpty();
        }

        @Test
        void textFromContentPartsAndRefusals() throws Exception {
            ChatResponse parts = OpenAiTranslation.parseResponse("""
                    {"id":"x","model":"mistral","choices":[{"message":{"content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]},
                     "finish_reason":null}],"usage":{"prompt_tokens":3}}""".getBytes(StandardCharsets.UTF_8));
            ChatResponse refused = OpenAiTranslation.parseResponse("""
                    {"id":"y","model":"gpt-4o","choices":[{"message":{"content":null,"refusal":"I can't help with that."},
                     "finish_reason":"stop"}]}""".getBytes(StandardCharsets.UTF_8));

            assertThat(parts.text()).isEqualTo("ab");
            assertThat(parts.finishReason()).isEqualTo("stop");
            assertThat(parts.usage()).hasValue(new Usage(3, 0));
            assertThat(refused.text()).isEqualTo("I can't help with that.");
        }

        @ParameterizedTest
        @CsvSource(delimiter = '|', value = {
                "not json|the response body is not valid JSON",
                "[1]|the response body is not a JSON object",
                "{\"error\":{\"message\":\"overloaded\"}}|the response body is an error",
                "{\"id\":\"x\",\"choices\":[]}|the response has no choice with a message",
                "{\"id\":\"x\"}|the response has no choice with a message"})
        void malformedResponses(String body, String message) {
            assertThatThrownBy(() -> OpenAiTranslation.parseResponse(body.getBytes(StandardCharsets.UTF_8)))
                    .isInstanceOf(MalformedChunkException.class).hasMessage(message);
        }

        @Test
        void encodedKeysAreOpenAis() {
            ObjectNode body = (ObjectNode) tree(OpenAiTranslation.encodeResponse(golden, 5));

            assertThat(body.properties()).extracting(Map.Entry::getKey)
                    .containsExactly("id", "object", "created", "model", "choices", "usage");
            assertThat(body.get("object").asText()).isEqualTo("chat.completion");
            assertThat(body.at("/choices/0/index").asInt(-1)).isZero();
            assertThat(body.at("/choices/0/logprobs").isNull()).isTrue();
        }
    }
}
