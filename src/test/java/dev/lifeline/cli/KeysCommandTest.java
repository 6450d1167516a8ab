package dev.lifeline.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeline.auth.ApiKey;
import dev.lifeline.auth.Authentication;
import dev.lifeline.auth.KeySpec;
import dev.lifeline.auth.KeyStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

/** {@code lifeline keys ...} as a user types it, on a real keys file. */
class KeysCommandTest {
    private static final Pattern TOKEN = Pattern.compile("ll_[a-z2-7]{8}_[A-Za-z0-9_-]{43}");

    record Run(int exit, String out, String err) {
        String token() {
            Matcher m = TOKEN.matcher(out);
            assertThat(m.find()).as("a token in:%n%s", out).isTrue();
            String t = m.group();
            assertThat(m.find()).as("the token is printed once").isFalse();
            return t;
        }
    }

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("keys.json");
    }

    private Run run(String... args) {
        return runWith(Map.of("HOME", dir.resolve("home").toString()), args);
    }

    /** Runs with {@code --keys-file} after the subcommand. */
    private Run keys(String sub, String... args) {
        List<String> all = new ArrayList<>(List.of("keys", sub, "--keys-file", file().toString()));
        all.addAll(List.of(args));
        return run(all.toArray(String[]::new));
    }

    private static Run runWith(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        try (PrintWriter o = new PrintWriter(out, true); PrintWriter e = new PrintWriter(err, true)) {
            int code = Main.run(args, o, e, env);
            return new Run(code, out.toString(), err.toString());
        }
    }

    private Authentication check(String token) throws Exception {
        return KeyStore.open(file()).authenticate(token, Instant.now());
    }

    // ------------------------------------------------------------------ create

    @Test
    void createPrintsTheKeyOnceWithAWarningToSaveIt() throws Exception {
        Run r = keys("create", "--name", "ci-bot");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("Save this key now; it cannot be shown again", "ci-bot", "every model", "unlimited", "never",
                file().toString());
        assertThat(r.err()).isEmpty();
        String token = r.token();
        assertThat(check(token)).isInstanceOf(Authentication.Valid.class);
        assertThat(r.out()).contains("id:          " + token.substring(3, 11));
        assertThat(Files.readString(file())).doesNotContain(token).doesNotContain(token.substring(12));
    }

    @Test
    void createWithEveryOption() throws Exception {
        Run r = keys("create", "--name", "team.a", "--models", "llama3*,qwen2.5-coder:?b", "--local-only", "--rpm", "60",
                "--tpm", "10000", "--concurrency", "2", "--expires", "90d", "--admin");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("llama3*, qwen2.5-coder:?b", "local only:  yes", "rpm=60, tpm=10000, concurrency=2", "admin:       yes");
        ApiKey k = ((Authentication.Valid) check(r.token())).key();
        assertThat(k.models()).containsExactly("llama3*", "qwen2.5-coder:?b");
        assertThat(k.localOnly()).isTrue();
        assertThat(k.admin()).isTrue();
        assertThat(k.rpm()).hasValue(60);
        assertThat(k.tpm()).hasValue(10000);
        assertThat(k.concurrency()).hasValue(2);
        assertThat(Duration.between(Instant.now(), k.expires().orElseThrow())).isBetween(Duration.ofDays(89), Duration.ofDays(90));
    }

    @Test
    void theDefaultKeysFileComesFromTheEnvironment() throws Exception {
        Path elsewhere = dir.resolve("conf/ll/keys.json");

        Run r = runWith(Map.of("LIFELINE_KEYS_FILE", elsewhere.toString()), "keys", "create", "--name", "a");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(KeyStore.open(elsewhere).authenticate(r.token(), Instant.now())).isInstanceOf(Authentication.Valid.class);

        Run xdg = runWith(Map.of("XDG_CONFIG_HOME", dir.resolve("xdg").toString()), "keys", "create", "--name", "b");

        assertThat(xdg.exit()).as(xdg.err()).isZero();
        assertThat(dir.resolve("xdg/lifeline/keys.json")).exists();
    }

    @Test
    void createUsageErrorsExitWith2() {
        keys("create", "--name", "taken");

        assertThat(keys("create", "--name", "taken")).satisfies(r -> {
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err()).contains("lifeline: --name: \"taken\" is taken by key");
            assertThat(r.out()).doesNotContain("ll_");
        });
        assertThat(keys("create", "--name", "no spaces please")).satisfies(r -> {
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err()).contains("--name: \"no spaces please\" (expected: 1 to 64 letters");
        });
        assertThat(keys("create", "--name", "m", "--models", "llama3,bad glob")).satisfies(r -> {
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err()).contains("--models: \"bad glob\" (expected: a model name or a glob");
        });
        assertThat(keys("create", "--name", "r", "--rpm", "0")).satisfies(r -> {
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err()).contains("--rpm: 0 (expected: a positive whole number");
        });
        assertThat(keys("create", "--name", "c", "--concurrency", "-1")).satisfies(r -> {
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err()).contains("--concurrency: -1");
        });
        assertThat(keys("create", "--name", "t", "--tpm", "lots")).satisfies(r -> {
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err()).contains("--tpm");
        });
        assertThat(keys("create", "--name", "p", "--expires", "2020-01-31")).satisfies(r -> {
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err()).contains("--expires: 2020-01-31T00:00:00Z (expected: a time after now");
        });
        assertThat(keys("create", "--name", "s", "--expires", "soon")).satisfies(r -> {
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err()).contains("--expires: \"soon\" (expected: a lifetime such as 12h, 90d");
        });
        assertThat(keys("create")).satisfies(r -> {
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err()).contains("--name");
        });
    }

    @Test
    void expiryForms() {
        Instant now = Instant.parse("2026-03-01T12:00:00Z");

        assertThat(KeysCommand.parseExpiry("90d", now)).isEqualTo(Instant.parse("2026-05-30T12:00:00Z"));
        assertThat(KeysCommand.parseExpiry("12h", now)).isEqualTo(Instant.parse("2026-03-02T00:00:00Z"));
        assertThat(KeysCommand.parseExpiry("30m", now)).isEqualTo(Instant.parse("2026-03-01T12:30:00Z"));
        assertThat(KeysCommand.parseExpiry("2w", now)).isEqualTo(Instant.parse("2026-03-15T12:00:00Z"));
        assertThat(KeysCommand.parseExpiry("2027-01-31", now)).isEqualTo(Instant.parse("2027-01-31T00:00:00Z"));
        assertThat(KeysCommand.parseExpiry("2027-01-31T18:00:00+01:00", now)).isEqualTo(Instant.parse("2027-01-31T17:00:00Z"));
        for (String bad : List.of("0d", "90", "d", "1y", "2027-13-01", "2027-01-31T18:00:00", "-5d")) {
            assertThatThrownBy(() -> KeysCommand.parseExpiry(bad, now)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("--expires: ");
        }
    }

    // ------------------------------------------------------------------ list

    @Test
    void listShowsEveryKeyAndNoSecrets() throws Exception {
        List<String> tokens = new ArrayList<>();
        tokens.add(keys("create", "--name", "alpha", "--models", "llama*", "--rpm", "10").token());
        tokens.add(keys("create", "--name", "beta", "--local-only", "--admin").token());
        tokens.add(keys("create", "--name", "gamma").token());
        keys("revoke", "gamma");
        Instant past = Instant.now().minus(Duration.ofHours(2));
        tokens.add(KeyStore.open(file()).create(KeySpec.named("delta").withExpires(past.plus(Duration.ofHours(1))), past).token());
        List<String> hashes = KeyStore.open(file()).list().stream().map(ApiKey::hash).toList();

        Run r = keys("list");

        assertThat(r.exit()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines.get(0)).startsWith("ID").contains("NAME", "STATUS", "MODELS", "LOCAL_ONLY", "ADMIN", "LIMITS", "CREATED", "EXPIRES");
        assertThat(lines).hasSize(5);
        assertThat(lines.get(1)).contains("alpha", "active", "llama*", "rpm=10", "never");
        assertThat(lines.get(2)).contains("beta", "active", "yes");
        assertThat(lines.get(3)).contains("gamma", "revoked");
        assertThat(lines.get(4)).contains("delta", "expired");

        Run json = keys("list", "--json");

        assertThat(json.exit()).isZero();
        JsonNode root = new ObjectMapper().readTree(json.out());
        assertThat(root.path("keys")).hasSize(4);
        JsonNode alpha = root.path("keys").get(0);
        assertThat(alpha.path("name").asText()).isEqualTo("alpha");
        assertThat(alpha.path("status").asText()).isEqualTo("active");
        assertThat(alpha.path("rpm").asInt()).isEqualTo(10);
        assertThat(alpha.path("tpm").isNull()).isTrue();
        assertThat(alpha.has("hash")).isFalse();
        assertThat(root.path("keys").get(2).path("revoked").isTextual()).isTrue();

        for (Run listing : List.of(r, json)) {
            assertThat(listing.out()).doesNotContain("sha256").doesNotContain("ll_");
            for (String t : tokens) {
                assertThat(listing.out()).doesNotContain(t.substring(12));
            }
            for (String h : hashes) {
                assertThat(listing.out()).doesNotContain(h.substring(7)).doesNotContain(h.substring(7, 20));
            }
        }
    }

    @Test
    void listWithoutKeysSaysHowToMakeOne() {
        Run r = keys("list");

        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("No keys in " + file(), "lifeline keys create --name NAME");
        assertThat(file()).doesNotExist();
    }

    @Test
    void aCorruptKeysFileIsAClearError() throws Exception {
        Files.writeString(file(), "{ not json");

        for (String sub : List.of("list", "create", "revoke", "rotate")) {
            Run r = switch (sub) {
                case "create" -> keys(sub, "--name", "x");
                case "revoke", "rotate" -> keys(sub, "x");
                default -> keys(sub);
            };
            assertThat(r.exit()).as(sub).isEqualTo(1);
            assertThat(r.err()).as(sub).startsWith("lifeline: " + file() + ": not valid JSON");
        }
        assertThat(file()).hasContent("{ not json");
    }

    @Test
    void aKeysFileOthersCanReadIsWarnedAbout() throws Exception {
        assumeThat(FileSystems.getDefault().supportedFileAttributeViews()).contains("posix");
        keys("create", "--name", "a");
        Files.setPosixFilePermissions(file(), PosixFilePermissions.fromString("rw-rw-r--"));

        Run r = keys("list");

        assertThat(r.exit()).isZero();
        assertThat(r.err()).contains("WARNING: " + file(), "chmod 600");
    }

    // ------------------------------------------------------------------ revoke, rotate

    @Test
    void revokeByNameOrId() throws Exception {
        String a = keys("create", "--name", "a").token();
        String b = keys("create", "--name", "b").token();

        Run byName = keys("revoke", "a");
        Run byId = keys("revoke", b.substring(3, 11));

        assertThat(byName.exit()).as(byName.err()).isZero();
        assertThat(byName.out()).contains("Revoked key " + a.substring(3, 11) + " (a)");
        assertThat(byId.exit()).isZero();
        assertThat(check(a)).isInstanceOf(Authentication.Revoked.class);
        assertThat(check(b)).isInstanceOf(Authentication.Revoked.class);

        Run again = keys("revoke", "a");

        assertThat(again.exit()).isZero();
        assertThat(again.out()).contains("already revoked");
    }

    @Test
    void revokeAndRotateAnUnknownKeyFail() {
        keys("create", "--name", "a");

        for (String sub : List.of("revoke", "rotate")) {
            Run r = keys(sub, "nobody");
            assertThat(r.exit()).as(sub).isEqualTo(1);
            assertThat(r.err()).as(sub).contains("no key with id or name \"nobody\"");
        }
        assertThat(keys("revoke").exit()).isEqualTo(2);
    }

    @Test
    void rotateReplacesTheKey() throws Exception {
        String old = keys("create", "--name", "svc", "--models", "gpt-4o", "--rpm", "5").token();

        Run r = keys("rotate", "svc");

        assertThat(r.exit()).as(r.err()).isZero();
        String fresh = r.token();
        assertThat(fresh).isNotEqualTo(old);
        assertThat(r.out()).contains("Revoked key " + old.substring(3, 11), "created key " + fresh.substring(3, 11), "svc",
                "Save this key now; it cannot be shown again", "gpt-4o", "rpm=5");
        assertThat(check(old)).isInstanceOf(Authentication.Revoked.class);
        assertThat(check(fresh)).isInstanceOfSatisfying(Authentication.Valid.class, v -> {
            assertThat(v.key().name()).isEqualTo("svc");
            assertThat(v.key().models()).containsExactly("gpt-4o");
            assertThat(v.key().rpm()).hasValue(5);
        });

        Run revoked = keys("rotate", old.substring(3, 11));

        assertThat(revoked.exit()).isEqualTo(1);
        assertThat(revoked.err()).contains("is revoked");
    }

    // ------------------------------------------------------------------ help

    @Test
    void helpListsTheSubcommands() {
        assertThat(run("--help").out()).contains("keys");
        Run r = run("keys");

        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("create", "list", "revoke", "rotate", "LIFELINE_KEYS_FILE");
        assertThat(run("keys", "create", "--help").out()).contains("--name", "--models", "--local-only", "--rpm", "--tpm",
                "--concurrency", "--expires", "--admin", "--keys-file");
    }
}
