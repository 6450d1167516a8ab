package dev.lifeline.server;

import dev.lifeline.server.OllamaPathPolicy.Access;
import dev.lifeline.server.OllamaPathPolicy.Decision;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** Which Ollama endpoints pass the gateway, and that no spelling sneaks an admin endpoint past an allowed one. */
class OllamaPathPolicyTest {
    private static final String DIGEST = "sha256:" + "0123456789abcdef".repeat(4);
    private static final Set<String> ALLOWED = Set.of("/", "/api/version", "/api/tags", "/api/chat", "/api/generate",
            "/api/embed", "/api/embeddings");
    private static final Set<String> ADMIN = Set.of("/api/pull", "/api/push", "/api/create", "/api/copy",
            "/api/delete", "/api/show", "/api/ps", "/api/status");
    private static final Pattern FORBIDDEN = Pattern.compile("pull|push|create|blobs|delete|copy|show|ps|me|signout|user|experimental");

    @ParameterizedTest
    @CsvSource({
            "GET, /", "HEAD, /", "GET, /api/version", "GET, /api/tags", "POST, /api/chat", "POST, /api/generate",
            "POST, /api/embed", "POST, /api/embeddings"})
    void usersReachInference(String method, String path) {
        Decision d = OllamaPathPolicy.decide(method, path);

        assertThat(d.access()).isEqualTo(Access.ALLOW);
        assertThat(d.path()).isEqualTo(path);
        assertThat(d.permits(false)).isTrue();
        assertThat(d.status()).isEqualTo(200);
    }

    @ParameterizedTest
    @CsvSource({
            "POST, /api/pull", "POST, /api/push", "POST, /api/create", "POST, /api/copy", "DELETE, /api/delete",
            "POST, /api/show", "GET, /api/ps", "GET, /api/status"})
    void managementNeedsAnAdmin(String method, String path) {
        Decision d = OllamaPathPolicy.decide(method, path);

        assertThat(d.access()).isEqualTo(Access.ADMIN);
        assertThat(d.path()).isEqualTo(path);
        assertThat(d.permits(false)).isFalse();
        assertThat(d.permits(true)).isTrue();
        assertThat(d.status()).isEqualTo(403);
        assertThat(d.reason()).contains("admin");
    }

    @Test
    void blobsNeedAnAdminAndAWellFormedDigest() {
        assertThat(OllamaPathPolicy.decide("POST", "/api/blobs/" + DIGEST).access()).isEqualTo(Access.ADMIN);
        assertThat(OllamaPathPolicy.decide("HEAD", "/api/blobs/" + DIGEST.replace(':', '-')).access()).isEqualTo(Access.ADMIN);
        assertThat(OllamaPathPolicy.decide("GET", "/api/blobs/" + DIGEST).status()).isEqualTo(405);

        for (String bad : List.of("sha256:" + "0".repeat(63), "sha256:" + "0".repeat(65), "sha256:" + "A".repeat(64),
                "sha512:" + "0".repeat(64), "sha256:../../../etc/passwd", "", DIGEST + "/x")) {
            Decision d = OllamaPathPolicy.decide("POST", "/api/blobs/" + bad);
            assertThat(d.access()).as(bad).isEqualTo(Access.DENY);
            assertThat(d.path()).isEmpty();
        }
        assertThat(OllamaPathPolicy.decide("POST", "/api/blobs").status()).isEqualTo(404);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/api/me", "/api/signout", "/api/user/keys", "/api/user/keys/abc", "/api/user",
            "/api/experimental/web_search", "/api/experimental/web_fetch", "/api/experimental"})
    void accountEndpointsAreClosedEvenForAdmins(String path) {
        for (String method : List.of("GET", "POST", "DELETE", "HEAD")) {
            Decision d = OllamaPathPolicy.decide(method, path);
            assertThat(d.access()).as(method + " " + path).isEqualTo(Access.CLOSED);
            assertThat(d.permits(true)).isFalse();
            assertThat(d.status()).isEqualTo(403);
            assertThat(d.path()).isEmpty();
        }
    }

    @ParameterizedTest
    @CsvSource({
            "GET, /api/chat, POST", "POST, /, GET|HEAD", "POST, /api/tags, GET", "GET, /api/pull, POST",
            "POST, /api/delete, DELETE", "DELETE, /api/chat, POST", "post, /api/chat, POST", "PUT, /api/ps, GET"})
    void aWrongMethodIsA405NamingTheRightOnes(String method, String path, String allowed) {
        Decision d = OllamaPathPolicy.decide(method, path);

        assertThat(d.access()).isEqualTo(Access.DENY);
        assertThat(d.status()).isEqualTo(405);
        assertThat(d.allowedMethods()).containsExactly(allowed.split("\\|"));
        assertThat(d.path()).isEmpty();
        assertThat(d.permits(true)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/api/unknown", "/API/PULL", "/Api/Chat", "/api/CHAT", "/v1/chat/completions",
            "/api", "/api/", "/api/blobs", "/api/me2", "/api/chatx"})
    void unknownPathsAreDenied(String path) {
        Decision d = OllamaPathPolicy.decide("POST", path);

        assertThat(d.access()).isEqualTo(Access.DENY);
        assertThat(d.status()).isIn(400, 404);
        assertThat(d.path()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/api/chat/../pull", "/api/chat/..", "/api//pull", "//api/chat", "/api/./chat",
            "/api/chat/.", "/api/%70ull", "/api/chat%2f..%2fpull", "/api/chat%2F..%2Fpull", "/api/%2e%2e/pull",
            "/api/chat%00", "/api/ch%41t", "/api\\pull", "/api/chat\\..\\pull", "/api/chat/", "/api/tags/",
            "/api/chat;/pull", "/api/chat#x", "/api/chat\u0000", "/api/chat\r\nX: y", "/api/chat\t", "/api/ch at",
            "api/chat", "", "/api/chát", "http://localhost:11434/api/pull", "*"})
    void pathTricksAreDenied(String path) {
        Decision d = OllamaPathPolicy.decide("POST", path);

        assertThat(d.access()).as(path).isEqualTo(Access.DENY);
        assertThat(d.status()).as(path).isEqualTo(400);
        assertThat(d.path()).isEmpty();
        assertThat(d.permits(true)).isFalse();
    }

    @Test
    void theQueryIsSplitOffAndForwardedUnchanged() {
        Decision d = OllamaPathPolicy.decide("GET", "/api/tags?x=%2F..&y=1");

        assertThat(d.access()).isEqualTo(Access.ALLOW);
        assertThat(d.path()).isEqualTo("/api/tags");
        assertThat(d.query()).isEqualTo("x=%2F..&y=1");
        assertThat(d.target()).isEqualTo("/api/tags?x=%2F..&y=1");
        assertThat(OllamaPathPolicy.decide("GET", "/api/tags").target()).isEqualTo("/api/tags");
        assertThat(OllamaPathPolicy.decide("POST", "/api/pull?x=1").access()).isEqualTo(Access.ADMIN);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/api/tags?a=\u0001", "/api/tags?a=b\r\nHost: evil", "/api/tags?a b", "/api/tags?a#b",
            "/api/tags?\u007f"})
    void aQueryWithControlCharactersIsDenied(String target) {
        Decision d = OllamaPathPolicy.decide("GET", target);

        assertThat(d.access()).isEqualTo(Access.DENY);
        assertThat(d.status()).isEqualTo(400);
    }

    @Test
    void nullsAreDenied() {
        assertThat(OllamaPathPolicy.decide(null, "/").access()).isEqualTo(Access.DENY);
        assertThat(OllamaPathPolicy.decide("GET", null).access()).isEqualTo(Access.DENY);
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3.1:8b", "llama3.1", "library/llama3.1:8b", "user/model:latest", "qwen2.5-coder:7b",
            "nomic-embed-text", "mistral:7b-instruct-q4_K_M", "cloudy:7b", "model:cloudburst",
            "user/model@sha256:" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"})
    void ordinaryModelNamesPass(String model) {
        assertThat(OllamaPathPolicy.refusedModelName(model, false)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"registry.example.com/ns/model", "evil.example/model", "localhost:5000/model",
            "hf.co/user/repo", "https://evil.example/x", "http://x", "host/ns/model", "10.0.0.1/model:latest",
            "gpt-oss:120b-cloud", "qwen3-coder:480b-CLOUD", "deepseek:cloud", "user/model:cloud",
            "../../etc/passwd", "model\\x", "model%2f", "model name", "model\u0000"})
    void registryCloudAndOddNamesAreRefusedForUsers(String model) {
        assertThat(OllamaPathPolicy.refusedModelName(model, false)).as(model).isPresent();
        assertThat(OllamaPathPolicy.refusedModelName(model, true)).as(model).isEmpty();
    }

    @Test
    void aMissingModelIsNotThisPolicysBusiness() {
        assertThat(OllamaPathPolicy.refusedModelName(null, false)).isEmpty();
        assertThat(OllamaPathPolicy.refusedModelName("", false)).isEmpty();
    }

    /**
     * Property: whatever the mix of fragments, a target that passes as ALLOW is one of the seven doors, and one that
     * passes as ADMIN is an admin route. Exhaustive up to three fragments, then random mixes of up to eight (a fixed
     * seed, so a failure reproduces; the failing input is in the message).
     */
    @Test
    void mixedFragmentsNeverPassAsAnythingButTheSevenDoors() {
        int n = FRAGMENTS.size();
        Set<Access> seen = EnumSet.noneOf(Access.class);
        for (int a = 0; a < n; a++) {
            for (int b = -1; b < n; b++) {
                for (int c = -1; c < n; c++) {
                    String t = FRAGMENTS.get(a) + (b < 0 ? "" : FRAGMENTS.get(b)) + (c < 0 ? "" : FRAGMENTS.get(c));
                    for (String m : METHODS) {
                        seen.add(checkDecision(m, t));
                    }
                }
            }
        }
        Random rnd = new Random(20260521L);
        for (int i = 0; i < 200_000; i++) {
            StringBuilder t = new StringBuilder();
            for (int k = 1 + rnd.nextInt(8); k > 0; k--) {
                t.append(FRAGMENTS.get(rnd.nextInt(n)));
            }
            seen.add(checkDecision(METHODS.get(rnd.nextInt(METHODS.size())), t.toString()));
        }
        assertThat(seen).as("the generator reaches every kind of decision").containsExactlyInAnyOrder(Access.values());
    }

    private static Access checkDecision(String method, String target) {
        Decision d = OllamaPathPolicy.decide(method, target);
        String as = method + " " + target.replace("\r", "\\r").replace("\n", "\\n").replace("\u0000", "\\0")
                + " -> " + d;
        switch (d.access()) {
            case ALLOW -> {
                assertThat(ALLOWED).as(as).contains(d.path());
                assertThat(d.path()).as(as).doesNotContainPattern(FORBIDDEN);
                assertThat(d.target()).as(as).isIn(target, target.endsWith("?") ? target.substring(0, target.length() - 1) : target);
            }
            case ADMIN -> assertThat(ADMIN.contains(d.path()) || BLOB_PATH.matcher(d.path()).matches()).as(as).isTrue();
            case DENY, CLOSED -> {
                assertThat(d.path()).as(as).isEmpty();
                assertThat(d.permits(true)).as(as).isFalse();
            }
        }
        return d.access();
    }

    private static final List<String> FRAGMENTS = List.of("/api/", "pull", "push", "create", "blobs", "delete", "chat",
            "tags", "copy", "show", "ps", "me", "user", "experimental", "..", "/", "%2f", "%2e", "%2F", "%2E",
            ".", "\\", "%00", ";", "?", "#", "PULL", "Pull", "CHAT", "API", "/API/", "%70", "\u0000", "\r\n",
            " ", DIGEST, "sha256:", "embed", "dings", "/api/chat");
    private static final List<String> METHODS = List.of("GET", "POST", "HEAD", "DELETE", "PUT", "get");
    private static final Pattern BLOB_PATH = Pattern.compile("/api/blobs/sha256[:-][0-9a-f]{64}");
}
