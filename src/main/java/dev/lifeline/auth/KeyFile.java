package dev.lifeline.auth;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The key file's JSON: {@code {"version":1,"keys":[{...}]}}. Reading is strict (unknown fields, duplicate fields,
 * duplicate ids and two unrevoked keys with one name are errors), so that a hand edit gone wrong is reported, never
 * half-applied.
 */
final class KeyFile {
    static final int VERSION = 1;

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();
    private static final Set<String> TOP_KEYS = Set.of("version", "keys");
    private static final Set<String> KEY_KEYS = Set.of("id", "name", "hash", "models", "local_only", "rpm", "tpm", "concurrency",
            "expires", "created", "revoked", "admin");

    private KeyFile() {
    }

    static List<ApiKey> parse(byte[] bytes, Path file) throws KeyFileException {
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (JacksonException e) {
            throw new KeyFileException(file, List.of("not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ")" : "")));
        } catch (IOException e) {
            throw new KeyFileException(file, List.of("not valid JSON: " + e.getMessage()));
        }
        if (root == null || root.isMissingNode()) {
            throw new KeyFileException(file, List.of("the file is empty (expected: {\"version\": 1, \"keys\": [...]})"));
        }
        if (!root.isObject()) {
            throw new KeyFileException(file, List.of("(top level): " + describe(root) + " (expected: {\"version\": 1, \"keys\": [...]})"));
        }
        List<String> problems = new ArrayList<>();
        JsonNode version = root.get("version");
        if (version == null) {
            throw new KeyFileException(file, List.of("version: missing (expected: 1)"));
        }
        if (!version.isIntegralNumber() || version.asLong() != VERSION) {
            throw new KeyFileException(file, List.of("version: " + describe(version) + " (expected: " + VERSION
                    + "; a file written by a newer Lifeline needs that version)"));
        }
        root.fieldNames().forEachRemaining(k -> {
            if (!TOP_KEYS.contains(k)) {
                problems.add(k + ": unknown field (expected: version, keys)");
            }
        });
        JsonNode keys = root.get("keys");
        List<ApiKey> result = new ArrayList<>();
        if (keys == null || !keys.isArray()) {
            problems.add("keys: " + (keys == null ? "missing" : describe(keys)) + " (expected: a list of keys)");
        } else {
            Map<String, Integer> ids = new HashMap<>();
            Map<String, Integer> names = new HashMap<>();
            for (int i = 0; i < keys.size(); i++) {
                String path = "keys[" + i + "]";
                ApiKey k = key(path, keys.get(i), problems);
                if (k == null) {
                    continue;
                }
                Integer sameId = ids.putIfAbsent(k.id(), i);
                if (sameId != null) {
                    problems.add(path + ".id: " + Rules.quote(k.id()) + " (expected: unique; keys[" + sameId + "] has it too)");
                }
                if (k.revoked().isEmpty()) {
                    Integer sameName = names.putIfAbsent(k.name(), i);
                    if (sameName != null) {
                        problems.add(path + ".name: " + Rules.quote(k.name()) + " (expected: unique among keys that are not revoked; keys["
                                + sameName + "] has it too)");
                    }
                }
                result.add(k);
            }
        }
        if (!problems.isEmpty()) {
            throw new KeyFileException(file, problems);
        }
        return List.copyOf(result);
    }

    private static ApiKey key(String path, JsonNode n, List<String> problems) {
        if (!n.isObject()) {
            problems.add(path + ": " + describe(n) + " (expected: a key: {\"id\": ..., \"name\": ..., \"hash\": ...})");
            return null;
        }
        int before = problems.size();
        n.fieldNames().forEachRemaining(k -> {
            if (!KEY_KEYS.contains(k)) {
                problems.add(path + "." + k + ": unknown field (expected: one of " + String.join(", ", KEY_KEYS.stream().sorted().toList()) + ")");
            }
        });
        String id = text(n, "id", path, problems, true);
        if (id != null && !Rules.ID.matcher(id).matches()) {
            problems.add(path + ".id: " + Rules.quote(id) + " (expected: 8 of a-z and 2-7)");
        }
        String name = text(n, "name", path, problems, true);
        if (name != null) {
            Rules.name(path + ".name", name).ifPresent(problems::add);
        }
        String hash = text(n, "hash", path, problems, true);
        if (hash != null && !Rules.HASH.matcher(hash).matches()) {
            problems.add(path + ".hash: not sha256: and 64 lowercase hex digits (expected: as written by lifeline keys create)");
        }
        List<String> models = new ArrayList<>();
        JsonNode m = n.get("models");
        if (m != null && !m.isNull()) {
            if (!m.isArray()) {
                problems.add(path + ".models: " + describe(m) + " (expected: a list of model globs; [] for every model)");
            } else {
                for (int i = 0; i < m.size(); i++) {
                    JsonNode g = m.get(i);
                    if (!g.isTextual()) {
                        problems.add(path + ".models[" + i + "]: " + describe(g) + " (expected: a model name or glob)");
                    } else {
                        Rules.glob(path + ".models[" + i + "]", g.asText()).ifPresent(problems::add);
                        models.add(g.asText());
                    }
                }
            }
        }
        boolean localOnly = bool(n, "local_only", path, problems);
        OptionalInt rpm = limit(n, "rpm", path, problems);
        OptionalInt tpm = limit(n, "tpm", path, problems);
        OptionalInt concurrency = limit(n, "concurrency", path, problems);
        Optional<Instant> expires = instant(n, "expires", path, problems, false);
        Optional<Instant> created = instant(n, "created", path, problems, true);
        Optional<Instant> revoked = instant(n, "revoked", path, problems, false);
        boolean admin = bool(n, "admin", path, problems);
        if (problems.size() > before) {
            return null;
        }
        return new ApiKey(id, name, hash, models, localOnly, rpm, tpm, concurrency, expires, created.orElseThrow(), revoked, admin);
    }

    private static String text(JsonNode n, String field, String path, List<String> problems, boolean required) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                problems.add(path + "." + field + ": missing (expected: a string)");
            }
            return null;
        }
        if (!v.isTextual()) {
            problems.add(path + "." + field + ": " + describe(v) + " (expected: a string)");
            return null;
        }
        return v.asText();
    }

    private static boolean bool(JsonNode n, String field, String path, List<String> problems) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            problems.add(path + "." + field + ": " + describe(v) + " (expected: true or false)");
            return false;
        }
        return v.asBoolean();
    }

    private static OptionalInt limit(JsonNode n, String field, String path, List<String> problems) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return OptionalInt.empty();
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() <= 0) {
            problems.add(path + "." + field + ": " + describe(v) + " (expected: a positive whole number, or null for unlimited)");
            return OptionalInt.empty();
        }
        return OptionalInt.of(v.asInt());
    }

    private static Optional<Instant> instant(JsonNode n, String field, String path, List<String> problems, boolean required) {
        String t = text(n, field, path, problems, required);
        if (t == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(t));
        } catch (DateTimeParseException e) {
            problems.add(path + "." + field + ": " + Rules.quote(t) + " (expected: an ISO-8601 time such as 2027-01-31T00:00:00Z)");
            return Optional.empty();
        }
    }

    private static String describe(JsonNode n) {
        if (n.isTextual()) {
            return Rules.quote(n.asText());
        }
        if (n.isObject()) {
            return "a mapping";
        }
        if (n.isArray()) {
            return "a list";
        }
        return n.toString();
    }

    static byte[] render(List<ApiKey> keys) {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", VERSION);
        ArrayNode list = root.putArray("keys");
        for (ApiKey k : keys) {
            ObjectNode o = list.addObject();
            o.put("id", k.id());
            o.put("name", k.name());
            o.put("hash", k.hash());
            ArrayNode models = o.putArray("models");
            k.models().forEach(models::add);
            o.put("local_only", k.localOnly());
            putLimit(o, "rpm", k.rpm());
            putLimit(o, "tpm", k.tpm());
            putLimit(o, "concurrency", k.concurrency());
            o.put("expires", k.expires().map(Instant::toString).orElse(null));
            o.put("created", k.created().toString());
            o.put("revoked", k.revoked().map(Instant::toString).orElse(null));
            o.put("admin", k.admin());
        }
        try {
            return (JSON.writeValueAsString(root) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (JacksonException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void putLimit(ObjectNode o, String field, OptionalInt v) {
        if (v.isPresent()) {
            o.put(field, v.getAsInt());
        } else {
            o.putNull(field);
        }
    }
}
