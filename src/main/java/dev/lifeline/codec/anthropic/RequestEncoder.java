package dev.lifeline.codec.anthropic;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lifeline.chat.ChatRequest;
import dev.lifeline.chat.Message;
import dev.lifeline.chat.Part;
import dev.lifeline.chat.Role;
import dev.lifeline.chat.ToolCall;
import dev.lifeline.chat.ToolChoice;
import dev.lifeline.chat.ToolSpec;
import dev.lifeline.codec.BadRequestException;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A neutral request written as a Messages request for a Claude backend ({@link AnthropicCodec#encodeRequest}).
 * Claude takes one system prompt and strictly alternating user and assistant turns, so:
 * <ul>
 *   <li>Every {@link Role#SYSTEM} message goes into the top-level {@code system}, in order, wherever it stood (as
 *       Anthropic's own OpenAI compatibility layer does): a string for one text, text blocks for several.</li>
 *   <li>{@link Role#TOOL} messages become {@code tool_result} blocks of a user turn; a result without a call id
 *       answers the first unanswered call of the last assistant turn with its tool's name (or any, without a name).</li>
 *   <li>Consecutive turns of one role become one turn, its tool_result blocks first (Claude requires that order).</li>
 *   <li>Empty text is left out (Claude refuses empty text blocks; OpenAI clients send {@code ""} next to tool calls)
 *       and so are turns left with nothing; the final assistant turn (a prefill) loses its trailing whitespace, which
 *       Claude refuses there.</li>
 *   <li>A missing {@code max_tokens} is {@value AnthropicCodec#DEFAULT_MAX_TOKENS}; a temperature above 1 is 1
 *       (Claude's range is 0 to 1, OpenAI's 0 to 2, and Anthropic's compatibility layer caps it the same way).</li>
 *   <li>An image by {@code data:} URL is sent inline, as base64 with its media type.</li>
 *   <li>A tool choice without tools is left out: Claude refuses it, and with no tool there is nothing to choose.</li>
 * </ul>
 * Paths in refusals name the neutral request the way OpenAI and Ollama clients wrote it ({@code messages[3].tool_calls[0]
 * .function.arguments}), since those are the dialects such requests come from.
 */
final class RequestEncoder {
    private RequestEncoder() {
    }

    /** A turn being built: its role on the wire and its content blocks. */
    private record Turn(String role, List<ObjectNode> blocks) {
    }

    static byte[] encode(ChatRequest r) throws BadRequestException {
        ObjectNode root = AnthropicCodec.JSON.createObjectNode();
        root.put("model", r.model());
        root.put("max_tokens", r.maxTokens().orElse(AnthropicCodec.DEFAULT_MAX_TOKENS));

        List<String> system = new ArrayList<>();
        List<Turn> turns = new ArrayList<>();
        List<ToolCall> unanswered = new ArrayList<>();
        List<Message> messages = r.messages();
        for (int i = 0; i < messages.size(); i++) {
            Message m = messages.get(i);
            String path = "messages[" + i + "]";
            switch (m.role()) {
                case SYSTEM -> system.addAll(systemTexts(m, path));
                case USER -> append(turns, "user", content(m));
                case ASSISTANT -> {
                    List<ObjectNode> blocks = assistantContent(m, path);
                    unanswered = new ArrayList<>(m.toolCalls());
                    append(turns, "assistant", blocks);
                }
                case TOOL -> append(turns, "user", List.of(toolResult(m, path, unanswered)));
            }
        }
        if (system.size() == 1) {
            root.put("system", system.getFirst());
        } else if (system.size() > 1) {
            ArrayNode blocks = root.putArray("system");
            system.forEach(text -> blocks.add(textBlock(text)));
        }
        trimPrefill(turns);
        ArrayNode list = root.putArray("messages");
        for (Turn turn : turns) {
            ObjectNode out = list.addObject().put("role", turn.role());
            List<ObjectNode> blocks = toolResultsFirst(turn.blocks());
            if (blocks.size() == 1 && blocks.getFirst().path("type").asText().equals("text")) {
                out.put("content", blocks.getFirst().path("text").asText());
            } else {
                out.putArray("content").addAll(blocks);
            }
        }
        tools(root, r.tools());
        if (!r.tools().isEmpty()) {
            r.toolChoice().ifPresent(choice -> root.set("tool_choice", toolChoice(choice)));
        }
        r.temperature().ifPresent(t -> root.put("temperature", Math.min(t, 1.0)));
        r.topP().ifPresent(p -> root.put("top_p", p));
        if (!r.stop().isEmpty()) {
            ArrayNode stop = root.putArray("stop_sequences");
            r.stop().forEach(stop::add);
        }
        if (r.stream()) {
            root.put("stream", true);
        }
        return AnthropicCodec.bytes(root);
    }

    /** Adds blocks as a turn of {@code role}, to the previous turn when it has that role; nothing for no blocks. */
    private static void append(List<Turn> turns, String role, List<ObjectNode> blocks) {
        if (blocks.isEmpty()) {
            return;
        }
        if (!turns.isEmpty() && turns.getLast().role().equals(role)) {
            turns.getLast().blocks().addAll(blocks);
        } else {
            turns.add(new Turn(role, new ArrayList<>(blocks)));
        }
    }

    private static List<String> systemTexts(Message m, String path) throws BadRequestException {
        List<String> texts = new ArrayList<>();
        for (int k = 0; k < m.parts().size(); k++) {
            if (!(m.parts().get(k) instanceof Part.Text t)) {
                throw refuse(path + ".content[" + k + "]", "a system message can only hold text for Claude");
            }
            if (!t.text().isEmpty()) {
                texts.add(t.text());
            }
        }
        return texts;
    }

    /** A user message's or a tool result's parts as text and image blocks. */
    private static List<ObjectNode> content(Message m) {
        List<ObjectNode> blocks = new ArrayList<>();
        for (Part part : m.parts()) {
            switch (part) {
                case Part.Text t -> {
                    if (!t.text().isEmpty()) {
                        blocks.add(textBlock(t.text()));
                    }
                }
                case Part.ImageData d -> blocks.add(base64Image(d.mediaType(), d.base64()));
                case Part.ImageUrl u -> blocks.add(urlImage(u.url()));
            }
        }
        return blocks;
    }

    private static List<ObjectNode> assistantContent(Message m, String path) throws BadRequestException {
        List<ObjectNode> blocks = new ArrayList<>();
        for (int k = 0; k < m.parts().size(); k++) {
            if (!(m.parts().get(k) instanceof Part.Text t)) {
                throw refuse(path + ".content[" + k + "]", "an assistant message can only hold text for Claude");
            }
            if (!t.text().isEmpty()) {
                blocks.add(textBlock(t.text()));
            }
        }
        for (int k = 0; k < m.toolCalls().size(); k++) {
            ToolCall call = m.toolCalls().get(k);
            String at = path + ".tool_calls[" + k + "]";
            ObjectNode input = AnthropicCodec.parseObject(call.argumentsJson())
                    .orElseThrow(() -> refuse(at + ".function.arguments", "must be a JSON object for Claude"));
            ObjectNode block = AnthropicCodec.JSON.createObjectNode()
                    .put("type", "tool_use").put("id", call.id()).put("name", call.name());
            block.set("input", input);
            blocks.add(block);
        }
        return blocks;
    }

    private static ObjectNode toolResult(Message m, String path, List<ToolCall> unanswered) throws BadRequestException {
        String id = m.toolCallId().orElse("");
        if (id.isEmpty()) {
            ToolCall call = unanswered.stream()
                    .filter(c -> m.toolName().isEmpty() || m.toolName().get().equals(c.name()))
                    .findFirst()
                    .orElseThrow(() -> refuse(path + ".tool_call_id", "Claude needs the id of the tool call a result answers"));
            id = call.id();
        }
        String answered = id;
        unanswered.removeIf(c -> c.id().equals(answered));
        ObjectNode block = AnthropicCodec.JSON.createObjectNode().put("type", "tool_result").put("tool_use_id", id);
        List<ObjectNode> content = content(m);
        if (content.size() == 1 && content.getFirst().path("type").asText().equals("text")) {
            block.put("content", content.getFirst().path("text").asText());
        } else if (!content.isEmpty()) {
            block.putArray("content").addAll(content);
        }
        return block;
    }

    /** Claude refuses a final assistant turn that ends in whitespace; a prefill that was only whitespace goes. */
    private static void trimPrefill(List<Turn> turns) {
        if (turns.isEmpty() || !turns.getLast().role().equals("assistant")) {
            return;
        }
        List<ObjectNode> blocks = turns.getLast().blocks();
        ObjectNode last = blocks.getLast();
        if (!last.path("type").asText().equals("text")) {
            return;
        }
        String trimmed = last.path("text").asText().stripTrailing();
        if (!trimmed.isEmpty()) {
            last.put("text", trimmed);
            return;
        }
        blocks.removeLast();
        if (blocks.isEmpty()) {
            turns.removeLast();
        }
    }

    /** The same blocks, tool results first: Claude wants them ahead of anything else in a user turn. */
    private static List<ObjectNode> toolResultsFirst(List<ObjectNode> blocks) {
        List<ObjectNode> ordered = new ArrayList<>(blocks.size());
        for (ObjectNode b : blocks) {
            if (b.path("type").asText().equals("tool_result")) {
                ordered.add(b);
            }
        }
        for (ObjectNode b : blocks) {
            if (!b.path("type").asText().equals("tool_result")) {
                ordered.add(b);
            }
        }
        return ordered;
    }

    private static void tools(ObjectNode root, List<ToolSpec> tools) throws BadRequestException {
        if (tools.isEmpty()) {
            return;
        }
        ArrayNode list = root.putArray("tools");
        for (int i = 0; i < tools.size(); i++) {
            ToolSpec spec = tools.get(i);
            String path = "tools[" + i + "].function.parameters";
            ObjectNode schema = AnthropicCodec.parseObject(spec.parametersJson())
                    .orElseThrow(() -> refuse(path, "must be a JSON Schema object for Claude"));
            if (schema.isEmpty()) {
                schema.put("type", "object"); // Claude requires a schema; "no parameters" is an object with none
            }
            ObjectNode tool = list.addObject().put("name", spec.name());
            if (!spec.description().isEmpty()) {
                tool.put("description", spec.description());
            }
            tool.set("input_schema", schema);
        }
    }

    private static ObjectNode toolChoice(ToolChoice choice) {
        ObjectNode out = AnthropicCodec.JSON.createObjectNode();
        return switch (choice.mode()) {
            case AUTO -> out.put("type", "auto");
            case REQUIRED -> out.put("type", "any");
            case NONE -> out.put("type", "none");
            case NAMED -> out.put("type", "tool").put("name", choice.name().orElseThrow());
        };
    }

    private static ObjectNode textBlock(String text) {
        return AnthropicCodec.JSON.createObjectNode().put("type", "text").put("text", text);
    }

    private static ObjectNode base64Image(String mediaType, String data) {
        ObjectNode block = AnthropicCodec.JSON.createObjectNode().put("type", "image");
        block.putObject("source").put("type", "base64").put("media_type", mediaType).put("data", data);
        return block;
    }

    /** An image by URL; a {@code data:...;base64,} URL is sent inline, since Claude fetches only http(s) URLs. */
    private static ObjectNode urlImage(String url) {
        if (url.startsWith("data:")) {
            int comma = url.indexOf(',');
            String meta = comma < 0 ? "" : url.substring(5, comma);
            if (meta.endsWith(";base64")) {
                return base64Image(meta.substring(0, meta.length() - 7), url.substring(comma + 1));
            }
        }
        ObjectNode block = AnthropicCodec.JSON.createObjectNode().put("type", "image");
        block.putObject("source").put("type", "url").put("url", url);
        return block;
    }

    private static BadRequestException refuse(String path, String problem) {
        return new BadRequestException(path + ": " + problem, Optional.of(path));
    }
}
