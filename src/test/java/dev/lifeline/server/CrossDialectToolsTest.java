package dev.lifeline.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lifeline.testing.FakeUpstream;
import dev.lifeline.testing.Reply;
import dev.lifeline.testing.TestGateway;
import dev.lifeline.testing.Upstreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.lifeline.server.DialectWire.events;
import static dev.lifeline.server.DialectWire.golden;
import static dev.lifeline.server.DialectWire.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tool calling across dialects, end to end over real sockets: the calls a model makes reach the client in the
 * client's SDK shape (ids, names, arguments), streamed and not, and the next turn carrying the tool results reaches
 * the target in the target's shape.
 */
class CrossDialectToolsTest {
    /** An OpenAI non-streamed answer with two tool calls. */
    private static final String OPENAI_TOOL_ANSWER = """
            {"id":"chatcmpl-t1","object":"chat.completion","created":1720000001,"model":"gpt-4o","choices":[{"index":0,
             "message":{"role":"assistant","content":null,"tool_calls":[
              {"id":"call_abc","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\",\\"unit\\":\\"celsius\\"}"}},
              {"id":"call_def","type":"function","function":{"name":"get_time","arguments":"{}"}}]},
             "logprobs":null,"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":80,"completion_tokens":20,"total_tokens":100}}""";
    private static final String OPENAI_TOOLS = """
            "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}},
                     {"type":"function","function":{"name":"get_time","parameters":{"type":"object","properties":{}}}}]""";
    private static final String CLAUDE_TOOLS = """
            "tools":[{"name":"get_weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}},
                     {"name":"get_time","input_schema":{"type":"object","properties":{}}}]""";

    @RegisterExtension
    final Upstreams upstreams = new Upstreams();
    private final FakeUpstream cloud = upstreams.cloud();
    private final FakeUpstream local = upstreams.local();

    /** An OpenAI-SDK app whose model is Claude. */
    private TestGateway openAiToClaude() {
        return upstreams.gateway("""
                backends:
                  claude: { type: anthropic, url: "%s", api_key: "sk-ant-secret", cloud: true }
                routes:
                  - model: gpt-4o
                    targets:
                      - { backend: claude, model: claude-sonnet-4-5 }
                breaker: { minimum_calls: 100, window: 100 }
                """.formatted(cloud.url("/v1")));
    }

    /** A Claude-SDK app whose model is served by an OpenAI-dialect server. */
    private TestGateway anthropicToOpenAi() {
        return upstreams.gateway("""
                backends:
                  local: { type: openai, url: "%s", cloud: false }
                routes:
                  - model: claude-sonnet-4-5
                    targets:
                      - { backend: local, model: "qwen3:8b" }
                breaker: { minimum_calls: 100, window: 100 }
                """.formatted(local.url("/v1")));
    }

    /** An Ollama-client app on a cloud-first route whose cloud speaks OpenAI. */
    private TestGateway ollamaToOpenAi() {
        return upstreams.gateway("""
                backends:
                  cloud: { type: openai, url: "%s", api_key: "sk-cloud", cloud: true }
                  ollama: { type: ollama, url: "%s", cloud: false }
                routes:
                  - model: smart
                    targets:
                      - { backend: cloud, model: gpt-4o }
                      - { backend: ollama, model: "qwen3:8b" }
                breaker: { minimum_calls: 100, window: 100 }
                """.formatted(cloud.url("/v1"), local.url("")));
    }

    // ------------------------------------------------------------------ (a) OpenAI client, Claude target

    @Test
    void anOpenAiClientGetsClaudesToolUseAsToolCalls() {
        cloud.always(Reply.json(200, golden("anthropic/response-encoded.json")));
        TestGateway gw = openAiToClaude();

        HttpResponse<String> r = gw.post("/v1/chat/completions",
                "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"Forecast for Paris?\"}]," + OPENAI_TOOLS + "}");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode choice = json(r.body()).path("choices").path(0);
        assertThat(choice.path("finish_reason").asText()).isEqualTo("tool_calls");
        JsonNode message = choice.path("message");
        assertThat(message.path("content").asText()).isEqualTo("It's 15°C with light rain in Paris. Let me check the forecast for tonight.");
        JsonNode calls = message.path("tool_calls");
        assertThat(calls.size()).isEqualTo(1);
        JsonNode call = calls.path(0);
        assertThat(call.path("id").asText()).isEqualTo("toolu_01T1x1fJ34qAmk2tNTrN7Up6");
        assertThat(call.path("type").asText()).isEqualTo("function");
        assertThat(call.path("function").path("name").asText()).isEqualTo("get_forecast");
        assertThat(call.path("function").path("arguments").isTextual()).as("OpenAI SDKs expect arguments as JSON text").isTrue();
        assertThat(json(call.path("function").path("arguments").asText()))
                .isEqualTo(json("{\"city\": \"Paris\", \"hours\": 6, \"details\": {\"precipitation\": true, \"wind\": 0.5}}"));

        JsonNode sent = cloud.requests().get(0).bodyJson();
        assertThat(sent.path("tools").path(0).path("name").asText()).isEqualTo("get_weather");
        assertThat(sent.path("tools").path(0).path("input_schema").path("type").asText()).isEqualTo("object");
    }

    // ------------------------------------------------------------------ (b) Anthropic client, OpenAI target

    @Test
    void anAnthropicClientGetsStreamedOpenAiToolCallsAsToolUseBlocks() {
        local.always(Reply.sse(events(golden("openai/tool-call-transcript.sse"))));
        TestGateway gw = anthropicToOpenAi();

        HttpResponse<String> r = gw.post("/v1/messages", "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":256,\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Weather and time in Paris?\"}]," + CLAUDE_TOOLS + "}");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<DialectWire.Sse> events = DialectWire.sse(r.body());
        for (DialectWire.Sse e : events) {
            assertThat(e.event()).as("Claude's SDKs dispatch on the event name").isEqualTo(e.json().path("type").asText());
        }
        Map<Integer, JsonNode> starts = new LinkedHashMap<>();
        Map<Integer, StringBuilder> inputs = new LinkedHashMap<>();
        String stopReason = null;
        for (DialectWire.Sse e : events) {
            JsonNode d = e.json();
            switch (d.path("type").asText()) {
                case "content_block_start" -> {
                    if (d.path("content_block").path("type").asText().equals("tool_use")) {
                        starts.put(d.path("index").asInt(), d.path("content_block"));
                        inputs.put(d.path("index").asInt(), new StringBuilder());
                    }
                }
                case "content_block_delta" -> {
                    if (d.path("delta").path("type").asText().equals("input_json_delta")) {
                        assertThat(inputs).as("a delta for a tool block that was started").containsKey(d.path("index").asInt());
                        inputs.get(d.path("index").asInt()).append(d.path("delta").path("partial_json").asText());
                    }
                }
                case "message_delta" -> stopReason = d.path("delta").path("stop_reason").asText();
                default -> {
                }
            }
        }
        assertThat(starts.values()).extracting(b -> b.path("id").asText()).containsExactly("call_abc", "call_def");
        assertThat(starts.values()).extracting(b -> b.path("name").asText()).containsExactly("get_weather", "get_time");
        List<JsonNode> parsed = new ArrayList<>();
        inputs.values().forEach(b -> parsed.add(json(b.toString())));
        assertThat(parsed).containsExactly(json("{\"city\":\"Paris\"}"), json("{}"));
        assertThat(stopReason).isEqualTo("tool_use");
        List<String> types = DialectWire.anthropicTypes(events);
        assertThat(types.get(0)).isEqualTo("message_start");
        assertThat(types.get(types.size() - 1)).isEqualTo("message_stop");
        assertThat(types).filteredOn("content_block_start"::equals).hasSize(2);
        assertThat(types).filteredOn("content_block_stop"::equals).hasSize(2);

        JsonNode sent = local.requests().get(0).bodyJson();
        assertThat(sent.path("tools").path(0).path("type").asText()).isEqualTo("function");
        assertThat(sent.path("tools").path(0).path("function").path("name").asText()).isEqualTo("get_weather");
        assertThat(sent.path("tools").path(0).path("function").path("parameters").path("type").asText()).isEqualTo("object");
    }

    @Test
    void anAnthropicClientGetsANonStreamedOpenAiToolCallAsAToolUseBlock() {
        local.always(Reply.json(200, OPENAI_TOOL_ANSWER));
        TestGateway gw = anthropicToOpenAi();

        HttpResponse<String> r = gw.post("/v1/messages", "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":256,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Weather and time in Paris?\"}]," + CLAUDE_TOOLS + "}");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = json(r.body());
        assertThat(body.path("type").asText()).isEqualTo("message");
        assertThat(body.path("role").asText()).isEqualTo("assistant");
        assertThat(body.path("stop_reason").asText()).isEqualTo("tool_use");
        List<JsonNode> toolUses = new ArrayList<>();
        body.path("content").forEach(b -> {
            if (b.path("type").asText().equals("tool_use")) {
                toolUses.add(b);
            }
        });
        assertThat(toolUses).hasSize(2);
        assertThat(toolUses.get(0).path("id").asText()).isEqualTo("call_abc");
        assertThat(toolUses.get(0).path("name").asText()).isEqualTo("get_weather");
        assertThat(toolUses.get(0).path("input")).as("Claude's input is an object, not JSON text")
                .isEqualTo(json("{\"city\":\"Paris\",\"unit\":\"celsius\"}"));
        assertThat(toolUses.get(1).path("input")).isEqualTo(json("{}"));
        assertThat(body.path("usage").path("input_tokens").asLong()).isEqualTo(80);
        assertThat(body.path("usage").path("output_tokens").asLong()).isEqualTo(20);
    }

    // ------------------------------------------------------------------ (c) Ollama client, OpenAI target

    @Test
    void anOllamaClientGetsStreamedOpenAiToolCallsWithArgumentsAsObjects() {
        cloud.always(Reply.sse(events(golden("openai/tool-call-transcript.sse"))));
        TestGateway gw = ollamaToOpenAi();

        HttpResponse<String> r = gw.post("/api/chat", "{\"model\":\"smart\",\"messages\":[{\"role\":\"user\",\"content\":\"Weather?\"}],"
                + OPENAI_TOOLS + "}");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<JsonNode> lines = DialectWire.ndjson(r.body());
        List<JsonNode> calls = new ArrayList<>();
        lines.forEach(l -> l.path("message").path("tool_calls").forEach(calls::add));
        assertThat(calls).extracting(c -> c.path("function").path("name").asText()).containsExactly("get_weather", "get_time");
        assertThat(calls.get(0).path("function").path("arguments").isObject()).as(calls.get(0).toString()).isTrue();
        assertThat(calls.get(0).path("function").path("arguments")).isEqualTo(json("{\"city\":\"Paris\"}"));
        assertThat(calls.get(1).path("function").path("arguments")).isEqualTo(json("{}"));
        JsonNode last = lines.get(lines.size() - 1);
        assertThat(last.path("done").asBoolean()).isTrue();
        assertThat(lines.subList(0, lines.size() - 1)).allMatch(l -> !l.path("done").asBoolean());
        assertThat(local.requests()).isEmpty();
    }

    @Test
    void anOllamaClientGetsANonStreamedOpenAiToolCall() {
        cloud.always(Reply.json(200, OPENAI_TOOL_ANSWER));
        TestGateway gw = ollamaToOpenAi();

        HttpResponse<String> r = gw.post("/api/chat", "{\"model\":\"smart\",\"stream\":false,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Weather?\"}]," + OPENAI_TOOLS + "}");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = json(r.body());
        assertThat(body.path("done").asBoolean()).isTrue();
        JsonNode calls = body.path("message").path("tool_calls");
        assertThat(calls.size()).isEqualTo(2);
        assertThat(calls.path(0).path("function").path("name").asText()).isEqualTo("get_weather");
        assertThat(calls.path(0).path("function").path("arguments")).isEqualTo(json("{\"city\":\"Paris\",\"unit\":\"celsius\"}"));
        assertThat(cloud.requests().get(0).bodyJson().path("stream").asBoolean()).isFalse();
    }

    // ------------------------------------------------------------------ (d) the next turn, with the tool results

    @Test
    void anOpenAiClientsToolResultsReachClaudeAsToolUseAndToolResultBlocks() {
        cloud.always(Reply.json(200, golden("anthropic/response.json")));
        TestGateway gw = openAiToClaude();

        HttpResponse<String> r = gw.post("/v1/chat/completions", """
                {"model":"gpt-4o","messages":[
                  {"role":"user","content":"Weather and time in Paris?"},
                  {"role":"assistant","content":null,"tool_calls":[
                    {"id":"call_weather_1","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}},
                    {"id":"call_time_1","type":"function","function":{"name":"get_time","arguments":"{}"}}]},
                  {"role":"tool","tool_call_id":"call_weather_1","content":"15°C, light rain"},
                  {"role":"tool","tool_call_id":"call_time_1","content":"14:05"}],
                 %s}""".formatted(OPENAI_TOOLS));

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode messages = cloud.requests().get(0).bodyJson().path("messages");
        assertThat(messages.size()).as(messages.toString()).isEqualTo(3);
        JsonNode assistant = messages.path(1);
        assertThat(assistant.path("role").asText()).isEqualTo("assistant");
        List<JsonNode> uses = new ArrayList<>();
        assistant.path("content").forEach(b -> {
            if (b.path("type").asText().equals("tool_use")) {
                uses.add(b);
            }
        });
        assertThat(uses).extracting(u -> u.path("id").asText()).containsExactly("call_weather_1", "call_time_1");
        assertThat(uses).extracting(u -> u.path("name").asText()).containsExactly("get_weather", "get_time");
        assertThat(uses.get(0).path("input")).isEqualTo(json("{\"city\":\"Paris\"}"));
        assertThat(uses.get(1).path("input")).isEqualTo(json("{}"));

        JsonNode results = messages.path(2);
        assertThat(results.path("role").asText()).as("both results in one user turn").isEqualTo("user");
        assertThat(results.path("content").size()).isEqualTo(2);
        assertThat(results.path("content").path(0).path("type").asText()).isEqualTo("tool_result");
        assertThat(results.path("content").path(0).path("tool_use_id").asText()).isEqualTo("call_weather_1");
        assertThat(results.path("content").path(0).toString()).contains("15°C, light rain");
        assertThat(results.path("content").path(1).path("tool_use_id").asText()).isEqualTo("call_time_1");
        assertThat(results.path("content").path(1).toString()).contains("14:05");
    }

    @Test
    void anAnthropicClientsToolResultsReachAnOpenAiTargetAsToolCallsAndToolMessages() {
        local.always(Reply.sse(dev.lifeline.testing.OpenAiFixtures.streamOf("qwen3:8b", "Yes, ", "take an umbrella.")));
        TestGateway gw = anthropicToOpenAi();

        HttpResponse<String> r = gw.post("/v1/messages", golden("anthropic/request.json").replace("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"));

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(DialectWire.anthropicText(DialectWire.sse(r.body()))).isEqualTo("Yes, take an umbrella.");
        JsonNode sent = local.requests().get(0).bodyJson();
        JsonNode messages = sent.path("messages");
        JsonNode assistant = null;
        List<JsonNode> toolMessages = new ArrayList<>();
        for (JsonNode m : messages) {
            if (m.path("role").asText().equals("assistant") && m.has("tool_calls")) {
                assistant = m;
            }
            if (m.path("role").asText().equals("tool")) {
                toolMessages.add(m);
            }
        }
        assertThat(assistant).as(messages.toString()).isNotNull();
        assertThat(assistant.toString()).contains("Both show Paris.");
        JsonNode calls = assistant.path("tool_calls");
        assertThat(calls.size()).isEqualTo(2);
        assertThat(calls.path(0).path("id").asText()).isEqualTo("toolu_01A09q90qw90lq917835lq9");
        assertThat(calls.path(0).path("type").asText()).isEqualTo("function");
        assertThat(calls.path(0).path("function").path("name").asText()).isEqualTo("get_weather");
        assertThat(calls.path(0).path("function").path("arguments").isTextual()).isTrue();
        assertThat(json(calls.path(0).path("function").path("arguments").asText())).isEqualTo(json("{\"city\":\"Paris\",\"unit\":\"celsius\"}"));
        assertThat(calls.path(1).path("id").asText()).isEqualTo("toolu_01BkZpE5h8C3nq7Dk1sRvW2x");

        assertThat(toolMessages).hasSize(2);
        assertThat(toolMessages.get(0).path("tool_call_id").asText()).isEqualTo("toolu_01A09q90qw90lq917835lq9");
        assertThat(toolMessages.get(0).toString()).contains("15°C, light rain");
        assertThat(toolMessages.get(1).path("tool_call_id").asText()).isEqualTo("toolu_01BkZpE5h8C3nq7Dk1sRvW2x");
        assertThat(toolMessages.get(1).toString()).as("is_error becomes an Error: prefix").contains("Error: ").contains("time service unavailable");
        // the tool messages come right after the assistant's calls, and the user's text after them
        int at = indexOf(messages, assistant);
        assertThat(messages.path(at + 1).path("role").asText()).isEqualTo("tool");
        assertThat(messages.path(at + 2).path("role").asText()).isEqualTo("tool");
        assertThat(messages.path(at + 3).path("role").asText()).isEqualTo("user");
        assertThat(messages.path(at + 3).toString()).contains("walk along the Seine");
        assertThat(sent.path("tool_choice").asText()).isEqualTo("auto");
    }

    @Test
    void anOllamaClientsToolResultReachesClaudeAsAToolResultForTheRightCall() {
        // Ollama's tool messages name the tool, not the call: the id must be matched back to the assistant's call
        cloud.always(Reply.json(200, golden("anthropic/response.json")));
        TestGateway gw = upstreams.gateway("""
                backends:
                  claude: { type: anthropic, url: "%s", api_key: "sk-ant-secret", cloud: true }
                  ollama: { type: ollama, url: "%s", cloud: false }
                routes:
                  - model: smart
                    targets:
                      - { backend: claude, model: claude-sonnet-4-5 }
                      - { backend: ollama, model: "qwen3:8b" }
                """.formatted(cloud.url("/v1"), local.url("")));

        HttpResponse<String> r = gw.post("/api/chat", """
                {"model":"smart","stream":false,"messages":[
                  {"role":"user","content":"Weather in London?"},
                  {"role":"assistant","content":"","tool_calls":[{"function":{"name":"get_weather","arguments":{"city":"London"}}}]},
                  {"role":"tool","tool_name":"get_weather","content":"11°C, cloudy"}]}""");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode messages = cloud.requests().get(0).bodyJson().path("messages");
        JsonNode use = messages.path(1).path("content").path(messages.path(1).path("content").size() - 1);
        assertThat(use.path("type").asText()).isEqualTo("tool_use");
        assertThat(use.path("name").asText()).isEqualTo("get_weather");
        assertThat(use.path("id").asText()).isNotBlank();
        assertThat(use.path("input")).isEqualTo(json("{\"city\":\"London\"}"));
        JsonNode result = messages.path(2).path("content").path(0);
        assertThat(result.path("type").asText()).isEqualTo("tool_result");
        assertThat(result.path("tool_use_id").asText()).as("Claude refuses a tool_result for an unknown tool_use").isEqualTo(use.path("id").asText());
        assertThat(result.toString()).contains("11°C, cloudy");
    }

    // ------------------------------------------------------------------ Ollama's whole-call lines, and back

    /** Any client, Ollama's native API as the target. */
    private TestGateway toOllama() {
        return upstreams.gateway("""
                backends:
                  ollama: { type: ollama, url: "%s", cloud: false }
                routes:
                  - model: gpt-4o
                    targets: [ { backend: ollama, model: "qwen3:8b" } ]
                  - model: claude-sonnet-4-5
                    targets: [ { backend: ollama, model: "qwen3:8b" } ]
                """.formatted(local.url("")));
    }

    @Test
    void anOpenAiClientGetsOllamasToolCallLinesAsToolCallDeltasFinishingWithToolCalls() {
        local.always(Reply.ndjson(DialectWire.lines(golden("ollama/tool-call-stream.ndjson"))));
        TestGateway gw = toOllama();

        TestGateway.StreamResult r = gw.stream("gpt-4o", "Weather and time in London?");

        assertThat(r.status()).isEqualTo(200);
        Map<Integer, String> ids = new LinkedHashMap<>();
        Map<Integer, String> names = new LinkedHashMap<>();
        Map<Integer, StringBuilder> args = new LinkedHashMap<>();
        String finish = null;
        for (String e : r.events()) {
            if (e.equals("[DONE]")) {
                continue;
            }
            JsonNode choice = json(e).path("choices").path(0);
            for (JsonNode c : choice.path("delta").path("tool_calls")) {
                int i = c.path("index").asInt();
                if (c.has("id")) {
                    ids.put(i, c.path("id").asText());
                }
                if (c.path("function").has("name")) {
                    names.put(i, c.path("function").path("name").asText());
                }
                args.computeIfAbsent(i, k -> new StringBuilder()).append(c.path("function").path("arguments").asText(""));
            }
            if (choice.path("finish_reason").isTextual()) {
                finish = choice.path("finish_reason").asText();
            }
        }
        assertThat(ids).containsEntry(0, "call_k3x9d0qa").containsEntry(1, "call_7m2bq8ze");
        assertThat(names).containsEntry(0, "get_weather").containsEntry(1, "get_time");
        assertThat(json(args.get(0).toString())).isEqualTo(json("{\"city\":\"London\",\"unit\":\"celsius\",\"hours\":3}"));
        assertThat(json(args.get(1).toString())).isEqualTo(json("{\"timezone\":\"Europe/London\"}"));
        assertThat(finish).as("OpenAI SDK agent loops look for finish_reason tool_calls").isEqualTo("tool_calls");
        assertThat(r.endedWithDone()).isTrue();
    }

    @Test
    void anAnthropicClientGetsOllamasToolCallLinesAsToolUseBlocksWithStopReasonToolUse() {
        local.always(Reply.ndjson(DialectWire.lines(golden("ollama/tool-call-stream.ndjson"))));
        TestGateway gw = toOllama();

        HttpResponse<String> r = gw.post("/v1/messages", "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":256,\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Weather and time in London?\"}]," + CLAUDE_TOOLS + "}");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<String> names = new ArrayList<>();
        Map<Integer, StringBuilder> inputs = new LinkedHashMap<>();
        String stopReason = null;
        for (DialectWire.Sse e : DialectWire.sse(r.body())) {
            JsonNode d = e.json();
            if (d.path("type").asText().equals("content_block_start") && d.path("content_block").path("type").asText().equals("tool_use")) {
                names.add(d.path("content_block").path("name").asText());
                inputs.put(d.path("index").asInt(), new StringBuilder());
            }
            if (d.path("delta").path("type").asText().equals("input_json_delta")) {
                inputs.get(d.path("index").asInt()).append(d.path("delta").path("partial_json").asText());
            }
            if (d.path("type").asText().equals("message_delta")) {
                stopReason = d.path("delta").path("stop_reason").asText();
            }
        }
        assertThat(names).containsExactly("get_weather", "get_time");
        assertThat(inputs.values()).extracting(b -> json(b.toString()))
                .containsExactly(json("{\"city\":\"London\",\"unit\":\"celsius\",\"hours\":3}"), json("{\"timezone\":\"Europe/London\"}"));
        assertThat(stopReason).as("Claude SDK agent loops run tools when stop_reason is tool_use").isEqualTo("tool_use");
    }

    @Test
    void anOllamaClientGetsClaudesStreamedToolUseAsWholeCallsWithArgumentObjects() {
        cloud.always(Reply.sse(events(golden("anthropic/stream-tool-use.sse"))));
        TestGateway gw = upstreams.gateway("""
                backends:
                  claude: { type: anthropic, url: "%s", api_key: "sk-ant-secret", cloud: true }
                  ollama: { type: ollama, url: "%s", cloud: false }
                routes:
                  - model: smart
                    targets:
                      - { backend: claude, model: claude-sonnet-4-5 }
                      - { backend: ollama, model: "qwen3:8b" }
                """.formatted(cloud.url("/v1"), local.url("")));

        HttpResponse<String> r = gw.post("/api/chat", "{\"model\":\"smart\",\"messages\":[{\"role\":\"user\",\"content\":\"Weather?\"}]}");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<JsonNode> lines = DialectWire.ndjson(r.body());
        List<JsonNode> calls = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        lines.forEach(l -> {
            l.path("message").path("tool_calls").forEach(calls::add);
            text.append(l.path("message").path("content").asText(""));
        });
        assertThat(text.toString()).isEqualTo("Let me check both.");
        assertThat(calls).extracting(c -> c.path("function").path("name").asText()).containsExactly("get_weather", "get_time");
        assertThat(calls.get(0).path("function").path("arguments")).isEqualTo(json("{\"city\": \"Paris\", \"unit\": \"celsius\"}"));
        assertThat(calls.get(1).path("function").path("arguments")).isEqualTo(json("{\"timezone\": \"Europe/Paris\"}"));
        JsonNode last = lines.get(lines.size() - 1);
        assertThat(last.path("done").asBoolean()).isTrue();
        assertThat(last.path("prompt_eval_count").asLong()).isEqualTo(1496);
        assertThat(last.path("eval_count").asLong()).isEqualTo(97);
    }

    private static int indexOf(JsonNode array, JsonNode element) {
        for (int i = 0; i < array.size(); i++) {
            if (array.get(i) == element) {
                return i;
            }
        }
        return -1;
    }
}
