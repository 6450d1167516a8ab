package dev.lifeline.drill;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * What the drill asks during the outage: prompts per kind of task, each with checks that tell an acceptable local
 * answer from a useless one. The default (resources/drill/workload.yaml) passes on a small local model; teams replace it
 * with the prompts their apps really send.
 */
public record Workload(Optional<String> model, List<Task> tasks) {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION));

    public Workload {
        tasks = List.copyOf(tasks);
    }

    public record Task(String name, Optional<String> model, List<Prompt> prompts) {
        public Task {
            prompts = List.copyOf(prompts);
        }
    }

    public record Prompt(String text, Expect expect) {
    }

    /** What an answer must be: contain every word (any case), be JSON, be at most so long. */
    public record Expect(List<String> contains, boolean json, OptionalInt maxChars) {
        public Expect {
            contains = List.copyOf(contains);
        }

        public static final Expect NOTHING = new Expect(List.of(), false, OptionalInt.empty());
    }

    /** Every prompt with the task it belongs to, in file order: the order the drill asks them in, round after round. */
    public List<Map.Entry<Task, Prompt>> rounds() {
        List<Map.Entry<Task, Prompt>> out = new ArrayList<>();
        for (Task t : tasks) {
            for (Prompt p : t.prompts()) {
                out.add(Map.entry(t, p));
            }
        }
        return out;
    }

    public static Workload defaults() {
        try (InputStream in = Workload.class.getResourceAsStream("/drill/workload.yaml")) {
            return parse(YAML.readTree(in), "the default workload");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (WorkloadException e) {
            throw new IllegalStateException("the bundled workload is broken: " + e.problems(), e);
        }
    }

    /** Reads a workload file; every problem is reported at once, as {@code tasks.code.prompts[0].expect.max_chars: ...}. */
    public static Workload load(Path file) throws WorkloadException {
        JsonNode root;
        try {
            root = YAML.readTree(Files.readString(file));
        } catch (java.nio.file.NoSuchFileException e) {
            throw new WorkloadException(file + ": no such file", List.of());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
            throw new WorkloadException(file + ": not valid YAML" + where + ": " + e.getOriginalMessage().lines().findFirst().orElse(""), List.of());
        } catch (IOException e) {
            throw new WorkloadException(file + ": cannot be read: " + e.getMessage(), List.of());
        }
        return parse(root, file.toString());
    }

    private static Workload parse(JsonNode root, String source) throws WorkloadException {
        List<String> problems = new ArrayList<>();
        if (root == null || !root.isObject()) {
            throw new WorkloadException(source + " is empty or not a mapping (expected: model: and tasks:)", List.of());
        }
        unknown(root, Set.of("model", "tasks"), "", problems);
        Optional<String> model = text(root, "model", "model", problems);
        List<Task> tasks = new ArrayList<>();
        JsonNode ts = root.path("tasks");
        if (!ts.isObject() || ts.isEmpty()) {
            problems.add("tasks: " + (ts.isMissingNode() ? "missing" : ts.toString()) + " (expected: at least one task, such as general: { prompts: [...] })");
        } else {
            for (Iterator<Map.Entry<String, JsonNode>> it = ts.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                tasks.add(task(e.getKey(), e.getValue(), "tasks." + e.getKey(), problems));
            }
        }
        if (!problems.isEmpty()) {
            throw new WorkloadException(source + " has " + problems.size() + " problem" + (problems.size() == 1 ? "" : "s") + ":", problems);
        }
        return new Workload(model, tasks);
    }

    private static Task task(String name, JsonNode n, String at, List<String> problems) {
        if (!n.isObject()) {
            problems.add(at + ": " + n + " (expected: a mapping with prompts:)");
            return new Task(name, Optional.empty(), List.of());
        }
        unknown(n, Set.of("model", "prompts"), at + ".", problems);
        Optional<String> model = text(n, "model", at + ".model", problems);
        List<Prompt> prompts = new ArrayList<>();
        JsonNode ps = n.path("prompts");
        if (!ps.isArray() || ps.isEmpty()) {
            problems.add(at + ".prompts: " + (ps.isMissingNode() ? "missing" : ps.toString()) + " (expected: at least one prompt)");
        } else {
            for (int i = 0; i < ps.size(); i++) {
                prompts.add(prompt(ps.get(i), at + ".prompts[" + i + "]", problems));
            }
        }
        return new Task(name, model, prompts);
    }

    private static Prompt prompt(JsonNode n, String at, List<String> problems) {
        if (n.isTextual()) {
            return new Prompt(n.asText(), Expect.NOTHING);
        }
        if (!n.isObject()) {
            problems.add(at + ": " + n + " (expected: a prompt text, or { prompt: ..., expect: ... })");
            return new Prompt("", Expect.NOTHING);
        }
        unknown(n, Set.of("prompt", "expect"), at + ".", problems);
        String text = text(n, "prompt", at + ".prompt", problems).orElse("");
        if (text.isBlank() && n.has("prompt")) {
            problems.add(at + ".prompt: empty (expected: the text to send)");
        } else if (!n.has("prompt")) {
            problems.add(at + ".prompt: missing (expected: the text to send)");
        }
        JsonNode e = n.path("expect");
        if (e.isMissingNode()) {
            return new Prompt(text, Expect.NOTHING);
        }
        if (!e.isObject()) {
            problems.add(at + ".expect: " + e + " (expected: a mapping with contains, json or max_chars)");
            return new Prompt(text, Expect.NOTHING);
        }
        unknown(e, Set.of("contains", "json", "max_chars"), at + ".expect.", problems);
        List<String> contains = new ArrayList<>();
        JsonNode c = e.path("contains");
        if (c.isTextual()) {
            contains.add(c.asText());
        } else if (c.isArray()) {
            c.forEach(w -> {
                if (w.isValueNode() && !w.asText().isBlank()) {
                    contains.add(w.asText());
                } else {
                    problems.add(at + ".expect.contains: " + w + " (expected: words)");
                }
            });
        } else if (!c.isMissingNode()) {
            problems.add(at + ".expect.contains: " + c + " (expected: a word or a list of words)");
        }
        boolean json = false;
        JsonNode j = e.path("json");
        if (j.isBoolean()) {
            json = j.asBoolean();
        } else if (!j.isMissingNode()) {
            problems.add(at + ".expect.json: " + j + " (expected: true or false)");
        }
        OptionalInt max = OptionalInt.empty();
        JsonNode m = e.path("max_chars");
        if (m.canConvertToInt() && m.isIntegralNumber() && m.asInt() > 0) {
            max = OptionalInt.of(m.asInt());
        } else if (!m.isMissingNode()) {
            problems.add(at + ".expect.max_chars: " + m + " (expected: a positive number)");
        }
        return new Prompt(text, new Expect(contains, json, max));
    }

    private static Optional<String> text(JsonNode n, String field, String at, List<String> problems) {
        JsonNode v = n.path(field);
        if (v.isMissingNode() || v.isNull()) {
            return Optional.empty();
        }
        if (!v.isValueNode()) {
            problems.add(at + ": " + v + " (expected: text)");
            return Optional.empty();
        }
        return Optional.of(v.asText());
    }

    private static void unknown(JsonNode n, Set<String> known, String prefix, List<String> problems) {
        n.fieldNames().forEachRemaining(f -> {
            if (!known.contains(f)) {
                problems.add(prefix + f + ": unknown (expected one of: " + String.join(", ", known.stream().sorted().toList()) + ")");
            }
        });
    }

    /** A workload file that cannot be used, with every problem. */
    public static final class WorkloadException extends Exception {
        private final List<String> problems;

        public WorkloadException(String message, List<String> problems) {
            super(message);
            this.problems = List.copyOf(problems);
        }

        public List<String> problems() {
            return problems;
        }
    }
}
